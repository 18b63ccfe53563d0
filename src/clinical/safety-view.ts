// The safety view both the app's banner and the clinical note show: the shared safety path (chartSafety
// over the chart) plus any finding an engine reported — every item-9 answer in any form, latest first,
// and every critical lab value — and the same findings as note lines. Whichever source sees a finding
// first, it is shown. Pure.
import { answerLabel } from './instruments.ts';
import { chartSafety, findingKey, type CriticalLabFinding, type Item9Answer, type SafetyChartInput, type SafetyFinding } from './safety.ts';

export interface Item9Entry {
  answer: number;
  answerText: string;
  /** ISO date-time; '' when the chart gives none. */
  at: string;
  sourceRefs: string[];
  /** Status of the charted resource when not final (e.g. "in-progress"). */
  status?: string;
}

export interface Item9View {
  /** The most recent item-9 answer (may be 0 when only older answers were positive). */
  latest: Item9Entry;
  latestPositive: boolean;
  /** Older positive answers, newest first. */
  older: Item9Entry[];
  /** Engine messages about the latest answer. */
  messages: string[];
}

export interface SafetyView {
  item9: Item9View | null;
  criticalLabs: CriticalLabFinding[];
}

const FINAL = new Set(['final', 'completed', 'amended', 'corrected', 'assessment']);

function entryOfAnswer(a: Item9Answer): Item9Entry {
  return {
    answer: a.answer,
    answerText: answerLabel(a.answer),
    at: a.at ?? '',
    sourceRefs: [a.sourceRef, ...(a.alsoIn ?? [])].filter((r) => r !== ''),
    ...(FINAL.has(a.status) ? {} : { status: a.status }),
  };
}

const time = (at: string) => (at ? Date.parse(at) : Number.NEGATIVE_INFINITY);
const sameAnswer = (a: Item9Entry, b: { answer: number; at: string; sourceRef?: string }) =>
  a.answer === b.answer && ((b.sourceRef !== undefined && a.sourceRefs.includes(b.sourceRef)) || Math.abs(time(a.at) - time(b.at)) <= 60_000);

/** The banner's content, or null when there is nothing to show. */
export function deriveSafety(chart: SafetyChartInput | undefined, engineFindings: readonly { engine: string; finding: SafetyFinding }[]): SafetyView | null {
  const own = chart ? chartSafety(chart) : { item9: null, criticalLabs: [] };
  const entries: Item9Entry[] = own.item9 ? [own.item9.latest, ...own.item9.positives.filter((p) => p !== own.item9!.latest)].map(entryOfAnswer) : [];
  const messages = new Map<Item9Entry, string[]>();
  const labs = [...own.criticalLabs];
  const labKeys = new Set(labs.map(findingKey));
  for (const { finding } of engineFindings) {
    if (finding.kind === 'critical_lab') {
      if (!labKeys.has(findingKey(finding))) {
        labKeys.add(findingKey(finding));
        labs.push(finding);
      }
      continue;
    }
    if (!(finding.answer > 0)) continue;
    let e = entries.find((x) => sameAnswer(x, finding));
    if (!e) {
      e = { answer: finding.answer, answerText: answerLabel(finding.answer), at: finding.at, sourceRefs: finding.sourceRef ? [finding.sourceRef] : [], ...(finding.status ? { status: finding.status } : {}) };
      entries.push(e);
    }
    messages.set(e, [...new Set([...(messages.get(e) ?? []), finding.message])]);
  }
  if (entries.length === 0 && labs.length === 0) return null;
  let item9: Item9View | null = null;
  if (entries.length > 0) {
    entries.sort((a, b) => time(b.at) - time(a.at) || b.answer - a.answer);
    const latest = entries[0]!;
    const older = entries.slice(1).filter((e) => e.answer > 0);
    if (latest.answer > 0 || older.length > 0) item9 = { latest, latestPositive: latest.answer > 0, older, messages: messages.get(latest) ?? [] };
  }
  if (!item9 && labs.length === 0) return null;
  return { item9, criticalLabs: labs.sort((a, b) => time(b.at) - time(a.at)) };
}

/** The view's findings as lines for the clinical note (the same findings, never a second check). */
export function safetyLines(view: SafetyView | null): string[] {
  if (!view) return [];
  const lines: string[] = [];
  const item9 = view.item9;
  if (item9?.latestPositive) {
    const l = item9.latest;
    const source = l.sourceRefs.length > 0 ? ` Source: ${l.sourceRefs.join(', ')}.` : '';
    lines.push(`PHQ-9 item 9 positive: “${l.answerText}” (${l.answer} of 3) on ${l.at.slice(0, 10) || 'an uncharted date'} — follow the local suicide-risk protocol.${source}`, ...item9.messages);
  }
  for (const o of item9?.older ?? []) lines.push(`Earlier PHQ-9 item 9 positive: “${o.answerText}” (${o.answer} of 3) on ${o.at.slice(0, 10) || 'an uncharted date'}.`);
  for (const lab of view.criticalLabs) lines.push(lab.message);
  return lines;
}
