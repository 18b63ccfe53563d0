// CDS Hooks 2.0 wire shapes (discovery, hook request, cards, feedback) as zod schemas: the one
// definition used by the service (src/cds, src/server), the sandbox's CDS client and the tests.
import { z } from 'zod';

/** Spec: a card summary is "one-sentence, <140-character". */
export const SUMMARY_MAX = 140;

const fhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'not a FHIR id');
const httpUrl = z.url({ protocol: /^https?$/ });

export const coding = z.object({
  system: z.string().max(500).optional(),
  code: z.string().min(1).max(200),
  display: z.string().max(500).optional(),
});
export type Coding = z.infer<typeof coding>;

// ---- Discovery ---------------------------------------------------------------------------------

export const cdsService = z.object({
  hook: z.string().min(1),
  title: z.string().optional(),
  description: z.string(),
  id: z.string().regex(/^[A-Za-z0-9\-_.]{1,100}$/),
  prefetch: z.record(z.string(), z.string()).optional(),
  usageRequirements: z.string().optional(),
});
export type CdsService = z.infer<typeof cdsService>;

export const discoveryResponse = z.object({ services: z.array(cdsService) });
export type DiscoveryResponse = z.infer<typeof discoveryResponse>;

// ---- Calling a service -------------------------------------------------------------------------

export const fhirAuthorization = z.object({
  access_token: z.string().min(1).max(8192),
  token_type: z.string().regex(/^bearer$/i, 'token_type must be Bearer'),
  expires_in: z.number().int().min(0),
  scope: z.string().max(4000),
  subject: z.string().max(500),
  patient: z.string().max(64).optional(),
});
export type FhirAuthorization = z.infer<typeof fhirAuthorization>;

/** A FHIR resource as the hook carries it: a JSON object with a resourceType (validated further by src/fhir). */
const resourceLike = z.looseObject({ resourceType: z.string().min(1).max(64) });

const patientViewContext = z.looseObject({
  userId: z.string().min(1).max(200),
  patientId: fhirId,
  encounterId: fhirId.optional(),
});

const orderSelectContext = patientViewContext.extend({
  selections: z.array(z.string().min(1).max(200)).min(1).max(100),
  draftOrders: z.looseObject({
    resourceType: z.literal('Bundle'),
    entry: z.array(z.looseObject({ resource: resourceLike.optional() })).max(500).default([]),
  }),
});
export type OrderSelectContext = z.infer<typeof orderSelectContext>;

const hookRequestBase = {
  hookInstance: z.string().min(1).max(200),
  fhirServer: httpUrl.optional(),
  fhirAuthorization: fhirAuthorization.optional(),
  /** Per prefetch key: a resource (usually a searchset Bundle) or null ("no data"). */
  prefetch: z.record(z.string().max(100), resourceLike.nullable()).optional(),
};

const withFhirServer = (r: { fhirServer?: string; fhirAuthorization?: unknown }) => !r.fhirAuthorization || !!r.fhirServer;
const fhirServerIssue = { message: 'fhirServer is required with fhirAuthorization', path: ['fhirServer'] };

export const patientViewRequest = z
  .looseObject({ hook: z.literal('patient-view'), context: patientViewContext, ...hookRequestBase })
  .refine(withFhirServer, fhirServerIssue);
export type PatientViewRequest = z.infer<typeof patientViewRequest>;

export const orderSelectRequest = z
  .looseObject({ hook: z.literal('order-select'), context: orderSelectContext, ...hookRequestBase })
  .refine(withFhirServer, fhirServerIssue);
export type OrderSelectRequest = z.infer<typeof orderSelectRequest>;

export type HookRequest = PatientViewRequest | OrderSelectRequest;

// ---- Cards -------------------------------------------------------------------------------------

export const source = z.object({
  label: z.string().min(1).max(200),
  url: httpUrl.optional(),
  icon: httpUrl.optional(),
  topic: coding.optional(),
});

export const link = z.object({
  label: z.string().min(1).max(200),
  url: httpUrl,
  type: z.enum(['absolute', 'smart']),
  appContext: z.string().max(2000).optional(),
  autolaunchable: z.boolean().optional(),
});
export type CdsLink = z.infer<typeof link>;

export const action = z.object({
  type: z.enum(['create', 'update', 'delete']),
  description: z.string().min(1),
  resource: resourceLike.optional(),
  resourceId: z.string().optional(),
});

export const suggestion = z.object({
  label: z.string().min(1).max(200),
  uuid: z.uuid().optional(),
  isRecommended: z.boolean().optional(),
  actions: z.array(action).optional(),
});

export const card = z
  .object({
    uuid: z.uuid().optional(),
    summary: z.string().min(1).max(SUMMARY_MAX),
    detail: z.string().max(4000).optional(),
    indicator: z.enum(['info', 'warning', 'critical']),
    source,
    suggestions: z.array(suggestion).optional(),
    selectionBehavior: z.enum(['at-most-one', 'any']).optional(),
    overrideReasons: z.array(coding.required({ display: true })).optional(),
    links: z.array(link).optional(),
  })
  .refine((c) => !c.suggestions?.length || c.selectionBehavior !== undefined, {
    message: 'selectionBehavior is required with suggestions',
    path: ['selectionBehavior'],
  });
export type Card = z.infer<typeof card>;
export type Indicator = Card['indicator'];

export const cdsResponse = z.object({ cards: z.array(card), systemActions: z.array(action).optional() });
export type CdsResponse = z.infer<typeof cdsResponse>;

// ---- Feedback ----------------------------------------------------------------------------------

export const feedbackItem = z
  .object({
    card: z.string().min(1).max(100),
    outcome: z.enum(['accepted', 'overridden']),
    acceptedSuggestions: z.array(z.object({ id: z.string().min(1).max(100) })).max(50).optional(),
    overrideReason: z
      .object({ reason: coding.optional(), userComment: z.string().max(2000).optional() })
      .optional(),
    outcomeTimestamp: z.iso.datetime({ offset: true }),
  })
  .refine((f) => f.outcome !== 'accepted' || (f.acceptedSuggestions?.length ?? 0) > 0, {
    message: 'acceptedSuggestions is required for an accepted outcome',
    path: ['acceptedSuggestions'],
  });
export type FeedbackItem = z.infer<typeof feedbackItem>;

export const feedbackRequest = z.object({ feedback: z.array(feedbackItem).min(1).max(100) });
export type FeedbackRequest = z.infer<typeof feedbackRequest>;
