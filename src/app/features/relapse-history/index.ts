export { RelapseHistory, EMPTY_MESSAGE, SAVED_ONLY_MESSAGE, type RelapseHistoryProps } from './relapse-history.tsx';
export { RelapseHistoryPanel } from './relapse-history-panel.tsx';
export { RELAPSE_BANDS, levelOfScore, relapseHistoryData, type RelapseHistoryData, type RelapsePoint } from './relapse-history-data.ts';
