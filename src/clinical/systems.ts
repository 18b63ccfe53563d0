// Code systems of the clinical terminologies Tidemark speaks (the URIs a code is meaningless without).
// FHIR-structural systems (observation-category, v3 interpretation, …) stay in src/fhir/terminology.ts.

export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const UCUM = 'http://unitsofmeasure.org';
/** Our own code system for engine results and findings that have no standard concept. */
export const TIDEMARK_ENGINE = 'urn:tidemark:engine';
