export { SaveToChart, type SaveToChartProps } from './save-to-chart.tsx';
export { SaveToChartArea, useEngineResults, writeBackFromLayer, type SaveToChartAreaProps, type WriteBackLayer } from './save-to-chart-area.tsx';
export { canWriteObservations, fetchFhirWriter, fhirUrl, type FhirRequest, type FhirRequestInit } from './api/fhir-writer.ts';
export { resetWriteBackCache, saveOnce, useIsResultSaved, useSaveToChart, type SavePhase, type UseSaveToChartOptions } from './api/use-save-to-chart.ts';
export { errorFromResponse, operationOutcomeText, writeBundle, WriteError, type WriteErrorKind, type WriteOutcome, type WrittenEntry } from './api/write-to-chart.ts';
export { bundleFileName, copyText, downloadBundle, downloadText, previewRows, writeLabel, type PreviewRow } from './preview-rows.ts';
export { useWriteBackInputs, type WriteBackInputs, WriteBackInputsProvider } from './write-back-inputs.tsx';
