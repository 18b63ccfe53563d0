// src/fhir public API: terminology, chart reading, engine requests, write-back.
export type { ChartData, ChartNote, DatedValue, ExcludedEntry, StoredResult } from './chart.ts';
export * from './read/index.ts';
export * from './write/index.ts';
export { buildEngineRequests, previousFor } from './requests.ts';
export type { EngineRequests } from './requests.ts';
export * as terminology from './terminology.ts';
