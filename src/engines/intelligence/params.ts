// Shared parameter table of the unified intelligence block.

export const ENGINE_VERSION = 'tidemark-1.0.0';
export const METHOD = 'deterministic_rules';
export const SCHEMA = 'attunio.intelligence/v1' as const;
/** Our own code system for engine results that have no standard concept (no SNOMED "relapse risk"). */
export const TIDEMARK_SYSTEM = 'urn:tidemark:engine';
export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

export const DISCLAIMER =
  'Deterministic, rules-based decision support computed from the supplied data. Not an autonomous diagnosis ' +
  'or treatment recommendation. For clinician review only.';

export const INTELLIGENCE_PARAMS = {
  /** Confidence level cut points on the 0–1 blend of input coverage and history depth. */
  confidenceHigh: 0.75,
  confidenceModerate: 0.45,
  /**
   * Coverage vs history depth in the blend: what was supplied matters more than how long the
   * history is, but a single administration can never show a trajectory.
   */
  coverageWeight: 0.6,
  depthWeight: 0.4,
  /** Administrations of the main instrument giving full history depth (baseline, mid, latest). */
  fullDepthAdministrations: 3,
} as const;
