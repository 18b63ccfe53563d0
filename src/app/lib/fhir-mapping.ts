// The one place the app imports FHIR mapping from src/fhir (read + request building).
export { readChart } from '../../fhir/read/index.ts';
export { buildEngineRequests, type EngineRequests } from '../../fhir/requests.ts';
