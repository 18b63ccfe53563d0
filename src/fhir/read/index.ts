export { mapChart } from './map-chart.ts';
export { chartQueries, fetchAllPages, readChart, MAX_PAGES, PAGE_SIZE } from './queries.ts';
export type { ChartQuery, FetchJson, PagedResult } from './queries.ts';
export * as fhirSchemas from './schemas.ts';
