// Engine runs → one list the summary, cards and banner read from.
import { safetyAdvice } from '../../../clinical/index.ts';
import { ENDPOINTS, ENGINE_NAMES, type EngineName, type SafetyFinding } from '../../../contract/index.ts';
import { TONE_RANK, toneOf, type Tone } from '../../lib/status-tone.ts';
import type { EngineRuns } from './api/run-engine.ts';

export interface SummaryRow {
  engine: EngineName;
  title: string;
  state: 'ready' | 'pending' | 'error';
  status: string;
  tone: Tone;
  headline: string;
  requiresReview: boolean;
  /** The result carries safety findings (shown once, on the banner, not repeated in every headline). */
  safety: boolean;
  error?: Error;
}

/**
 * The headline without the safety advice the engines put first: the page shows that advice once, on
 * the safety banner, and each card names the finding in its own line.
 */
export function headlineWithoutSafety(headline: string, safety: readonly SafetyFinding[]): string {
  const lead = safetyAdvice(safety);
  return lead && headline.startsWith(`${lead} `) ? headline.slice(lead.length + 1) : headline;
}

export function summaryRows(runs: EngineRuns): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const engine of ENGINE_NAMES) {
    const run = runs[engine];
    if (!run.hasRequest) continue;
    const title = ENDPOINTS[engine].title;
    if (run.data) {
      const { summary, interpretationScale } = run.data.intelligence;
      const safety = run.data.safety ?? [];
      rows.push({
        engine,
        title,
        state: 'ready',
        status: summary.status,
        tone: toneOf(summary.status, interpretationScale),
        headline: headlineWithoutSafety(summary.headline, safety),
        requiresReview: summary.requiresClinicianReview,
        safety: safety.length > 0,
      });
    } else if (run.error) {
      rows.push({ engine, title, state: 'error', status: 'unavailable', tone: 'unknown', headline: run.error.message, requiresReview: false, safety: false, error: run.error });
    } else {
      rows.push({ engine, title, state: 'pending', status: 'pending', tone: 'unknown', headline: 'Computing…', requiresReview: false, safety: false });
    }
  }
  const stateRank = { ready: 0, pending: 1, error: 2 } as const;
  // Worst first; among equals, results asking for review first; stable otherwise.
  return rows
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        stateRank[a.r.state] - stateRank[b.r.state] ||
        TONE_RANK[b.r.tone] - TONE_RANK[a.r.tone] ||
        Number(b.r.requiresReview) - Number(a.r.requiresReview) ||
        a.i - b.i,
    )
    .map(({ r }) => r);
}

export function safetyFindings(runs: EngineRuns): { engine: EngineName; finding: SafetyFinding }[] {
  return ENGINE_NAMES.flatMap((engine) => (runs[engine].data?.safety ?? []).map((finding) => ({ engine, finding })));
}
