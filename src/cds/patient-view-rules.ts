// patient-view card rules: what is worth interrupting a chart-open for. Each rule reads Findings
// (engine output + safety signals + PHQ-9 reading) and returns at most one draft card.
import { ITEM9, SAME_DAY_ASSESSMENT } from '../clinical/index.ts';
import { type Draft, day, num } from './cards.ts';
import type { Findings } from './evaluate.ts';

/** The latest PHQ-9 item 9 answer > 0, in any form or status → critical (src/clinical safety path). */
export function item9Rule(f: Findings): Draft | null {
  const s = f.safety.item9;
  if (!s) return null;
  const status = s.status ? ` (charted as ${s.status})` : '';
  return {
    indicator: 'critical',
    topic: 'phq9-item9',
    focus: 'item9',
    summary: `PHQ-9 item 9 positive: "${s.answerText}" (${num(s.answer)} of 3) on ${day(s.at)} — assess suicide risk today`,
    detail: [
      `The patient answered **PHQ-9 item 9** ("${ITEM9.question}") with **"${s.answerText}"** (${num(s.answer)} of 3) on ${day(s.at)}${status}.`,
      `Any answer above "Not at all" calls for a ${SAME_DAY_ASSESSMENT}.`,
      sources([s.sourceRef]),
    ].join('\n\n'),
  };
}

/** A latest lab value past its critical limit (src/clinical: lithium > 1.5 mmol/L, ANC < 1.0, …) → critical. */
export function criticalLabRule(f: Findings): Draft | null {
  const labs = f.safety.criticalLabs;
  const first = labs[0];
  if (!first) return null;
  const value = (l: (typeof labs)[number]) => `${l.value === null ? 'non-numeric value' : num(l.value)}${l.unit ? ` ${l.unit}` : ''}`;
  const more = labs.length > 1 ? ` (+${labs.length - 1} more)` : '';
  return {
    indicator: 'critical',
    topic: 'critical-lab',
    focus: 'labs',
    summary: `Critical lab: ${first.label} ${value(first)} on ${day(first.at)} (${first.limit})${more} — act on it today`,
    detail: labs.map((l) => `- ${l.message} (${l.source}${l.sourceRef ? `; from the chart: ${l.sourceRef}` : ''})`).join('\n'),
  };
}

/**
 * Relapse risk elevated/high (the relapse engine's own bands) or a clinically important PHQ-9 rise
 * (≥5 points above the lowest score of the last 180 days, Löwe 2004) → warning, one card for both.
 */
export function relapseRule(f: Findings): Draft | null {
  const r = f.relapse;
  const p = f.phq9;
  const riskUp = r !== undefined && (r.level === 'elevated' || r.level === 'high');
  const worse = p?.importantWorsening === true && p.nadir !== null;
  if (!riskUp && !worse) return null;
  const rise = p && p.nadir ? `PHQ-9 ${num(p.nadir.score)}→${num(p.latest.score)} (${p.latest.band}) since ${day(p.nadir.at)}` : null;
  let summary: string;
  if (riskUp && worse) summary = `Relapse risk ${r.level} (${num(r.score)}/100); ${rise}`;
  else if (riskUp) summary = `Relapse risk ${r.level} (${num(r.score)}/100, ${r.trend}) — ${r.recommendation}`;
  else summary = `Clinically important PHQ-9 worsening: ${rise}`;

  const lines: string[] = [];
  if (worse && p?.nadir) {
    lines.push(
      `**PHQ-9 rose ${num(p.rise ?? 0)} points**, from ${num(p.nadir.score)} on ${day(p.nadir.at)} to ${num(p.latest.score)} (${p.latest.band}) on ${day(p.latest.at)}; ` +
        'a change of 5 points or more is clinically important (Löwe 2004).',
    );
  }
  if (r) {
    lines.push(`**Relapse risk ${r.level}** (${num(r.score)}/100, trend ${r.trend}, confidence ${r.confidence}): ${r.summaryLine}`);
    const factors = r.factors.filter((x) => x.available && x.points > 0).map((x) => `- ${x.label}: ${num(x.points)} of ${num(x.maxPoints)} points — ${x.detail}`);
    if (factors.length) lines.push(factors.join('\n'));
    lines.push(`Suggested: ${r.recommendation}`);
    const unscored = r.factors.filter((x) => !x.available).map((x) => x.label);
    if (unscored.length) lines.push(`Not scored, no data charted (lowers confidence): ${unscored.join(', ')}.`);
  }
  lines.push(sources([p?.nadir?.sourceRef, p?.latest.sourceRef]));
  return { indicator: 'warning', topic: 'relapse-risk', focus: 'relapse', summary, detail: lines.join('\n\n') };
}

export const PATIENT_VIEW_RULES = [item9Rule, criticalLabRule, relapseRule] as const;

/** Chart notes that change what a card can claim (reads that failed, data left out), for the detail. */
export function dataNotes(f: Findings): string | null {
  const notes = (f.chart.notes ?? []).filter((n) => n.kind === 'other' || n.kind === 'capped').map((n) => n.detail);
  return notes.length ? `Data not read: ${[...new Set(notes)].slice(0, 5).join('; ')}.` : null;
}

export function sources(refs: ReadonlyArray<string | undefined>): string {
  const list = [...new Set(refs.filter((r): r is string => !!r))];
  return list.length ? `From the chart: ${list.join(', ')}` : 'From the chart: no resource reference recorded';
}
