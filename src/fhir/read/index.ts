export { mapChart } from './map-chart.ts';
export { chartQueries, fetchAllPages, planChartReads, readChart, statusOf, MAX_PAGES, PAGE_SIZE } from './queries.ts';
export type { ChartQuery, ChartReadPlan, FetchJson, PagedResult, ReadChartOptions, SkippedQuery } from './queries.ts';
export * as fhirSchemas from './schemas.ts';
