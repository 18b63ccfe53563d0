// The five endpoints: path, request and response schema, in one table.
import type { z } from 'zod';
import * as req from './requests.ts';
import * as res from './responses.ts';
import type { EngineName } from './intelligence.ts';

export const ENDPOINTS = {
  dmse: { path: '/dmse/analyze', request: req.dmseRequest, response: res.dmseResponse, title: 'Digital MSE' },
  medication: {
    path: '/medication/analyze',
    request: req.medicationRequest,
    response: res.medicationResponse,
    title: 'Medication response',
  },
  biomarker: {
    path: '/biomarker/analyze',
    request: req.biomarkerRequest,
    response: res.biomarkerResponse,
    title: 'Biomarkers (labs)',
  },
  outcome: { path: '/outcome/score', request: req.outcomeRequest, response: res.outcomeResponse, title: 'Outcome' },
  relapse: {
    path: '/relapse/predict',
    request: req.relapseRequest,
    response: res.relapseResponse,
    title: 'Relapse risk',
  },
} as const satisfies Record<EngineName, { path: string; request: z.ZodType; response: z.ZodType; title: string }>;

export const ENGINE_NAMES = Object.keys(ENDPOINTS) as EngineName[];
export const API_PREFIX = '/api/v1';

export type EngineRequest<E extends EngineName> = z.infer<(typeof ENDPOINTS)[E]['request']>;
export type EngineRequestInput<E extends EngineName> = z.input<(typeof ENDPOINTS)[E]['request']>;
export type EngineResponse<E extends EngineName> = z.infer<(typeof ENDPOINTS)[E]['response']>;
