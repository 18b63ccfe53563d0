// The five embedded engines behind one signature. Pure and deterministic: the clock is injected.
import type { EngineName, EngineRequest, EngineResponse } from '../contract/index.ts';
import { analyzeBiomarkers } from './biomarker/index.ts';
import { analyzeDmse } from './dmse/index.ts';
import { analyzeMedication } from './medication/index.ts';
import { scoreOutcome } from './outcome/index.ts';
import { predictRelapse } from './relapse/index.ts';

export { ENGINE_VERSION, DISCLAIMER } from './intelligence/index.ts';
export { analyzeBiomarkers, analyzeDmse, analyzeMedication, scoreOutcome, predictRelapse };
export { readAssessments, item9Findings } from './measures/index.ts';
export { ITEM9_FLAG, mergeSafety } from './intelligence/index.ts';
export { relapseLevel, RELAPSE_PARAMS } from './relapse/index.ts';
export { OUTCOME_PARAMS } from './outcome/index.ts';
export { MEDICATION_PARAMS } from './medication/index.ts';
export { BIOMARKER_PARAMS, ANALYTES } from './biomarker/index.ts';
export { DMSE_PARAMS } from './dmse/index.ts';

export interface EngineContext {
  /** Injected clock: engines never read the system time. */
  now: Date;
}

type Impl = { [E in EngineName]: (request: EngineRequest<E>, ctx: EngineContext) => EngineResponse<E> };

export const ENGINES: Impl = {
  dmse: analyzeDmse,
  medication: analyzeMedication,
  biomarker: analyzeBiomarkers,
  outcome: scoreOutcome,
  relapse: predictRelapse,
};

export function runEngine<E extends EngineName>(engine: E, request: EngineRequest<E>, ctx: EngineContext): EngineResponse<E> {
  const fn = ENGINES[engine] as (request: EngineRequest<E>, ctx: EngineContext) => EngineResponse<E>;
  return fn(request, ctx);
}
