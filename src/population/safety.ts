// The safety findings of one scored patient, for the change feed: positive PHQ-9 item 9 and critical
// labs. Not a detector of its own: it only collects what the engines' safety path reported
// (response.safety, biomarker signals of tone `critical`). When src/clinical's safety function over
// ChartData lands, this reads from it instead.
import type { BiomarkerResponse, SafetyFinding } from '../contract/index.ts';
import type { ChartData } from '../fhir/chart.ts';
import type { EngineResult } from '../fhir/write/index.ts';

export interface SafetyItem {
  kind: 'phq9_item9' | 'critical_lab';
  at: string;
  sourceRef?: string;
  /** Plain-language text from the engine (answer wording, analyte and value). */
  message: string;
  answer?: number;
}

export function safetyFindingsOf(_chart: ChartData, results: readonly EngineResult[]): SafetyItem[] {
  const out = new Map<string, SafetyItem>();
  for (const r of results) {
    for (const f of (r.response as { safety?: SafetyFinding[] }).safety ?? []) {
      if (f.kind !== 'phq9_item9' || !(f.answer > 0)) continue;
      const key = `item9|${f.sourceRef ?? f.at}`;
      if (!out.has(key)) out.set(key, { kind: 'phq9_item9', at: f.at, ...(f.sourceRef ? { sourceRef: f.sourceRef } : {}), message: f.message, answer: f.answer });
    }
    if (r.engine === 'biomarker') {
      for (const s of (r.response as BiomarkerResponse).signals) {
        if (s.tone !== 'critical') continue;
        const key = `lab|${s.sourceRef ?? s.signalKey}`;
        if (!out.has(key)) out.set(key, { kind: 'critical_lab', at: s.observedAt ?? '', ...(s.sourceRef ? { sourceRef: s.sourceRef } : {}), message: s.summaryLine || s.detail });
      }
    }
  }
  return [...out.values()].sort((a, b) => b.at.localeCompare(a.at));
}
