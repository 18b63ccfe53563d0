// The shared safety path: every PHQ-9 item-9 answer and every critical lab value of a patient, found
// over the mapped chart before any completeness check. The app's banner, every engine's
// recommendation, the CDS Hooks service and the population run all read findings from here.
import { analyteForLoinc, criticalOf, recognizeAnalyte, toCanonical, type Analyte, type CriticalReading } from './analytes.ts';
import { ANSWER_LABELS, answerLabel, instrumentKeyOf, isItem9 } from './instruments.ts';
import { drugKeysOf } from './medications.ts';

/** One item-9 answer as charted, whatever its form or status (entered-in-error is never collected). */
export interface Item9Answer {
  /** The answer, 0–3 ("Not at all" … "Nearly every day"); a value off the scale is kept and says so. */
  answer: number;
  /** ISO date-time of the answer (effective / authored), null when the chart gives none. */
  at: string | null;
  /** "Observation/…" or "QuestionnaireResponse/…". */
  sourceRef: string;
  form: 'observation' | 'panel-component' | 'questionnaire-response' | 'assessment' | 'total';
  /** form 'total': the PHQ-9 total that implies the answer (items 1–8 add up to 24 at most, so 25–27 needs item 9 ≥ total − 24). */
  impliedBy?: number;
  /** The resource's status as charted (final, preliminary, in-progress, amended …). */
  status: string;
  /** Other resources holding the same answer (e.g. a QuestionnaireResponse and its panel). */
  alsoIn?: string[];
}

export interface Item9Finding {
  kind: 'phq9_item9';
  answer: number;
  /** ISO date-time of the answer; '' when the chart gives none. */
  at: string;
  sourceRef?: string;
  message: string;
  /** The answer wording ("More than half the days"). */
  answerText?: string;
  /** true: the most recent item-9 answer in the chart; false: an older positive answer. */
  current?: boolean;
  /** Status of the charted resource when it is not final/completed (e.g. "in-progress"). */
  status?: string;
}

export interface CriticalLabFinding {
  kind: 'critical_lab';
  /** Analyte key ("lithium", "anc"), or "lab" for a lab-flagged analyte we do not know. */
  analyte: string;
  label: string;
  /** Value as charted (null: a non-numeric value the lab flagged critical) and its unit as charted. */
  value: number | null;
  unit: string;
  loinc?: string;
  at: string;
  sourceRef?: string;
  direction: 'high' | 'low' | 'critical';
  /** The limit crossed ("> 1.5 mmol/L") or "flagged critical by the lab". */
  limit: string;
  source: string;
  message: string;
}

export type SafetyFinding = Item9Finding | CriticalLabFinding;

export interface LabReadingLike {
  name: string;
  value: number | string | null;
  unit?: string;
  flag?: 'high' | 'low' | 'critical' | 'normal';
  loinc?: string;
  sourceRef?: string;
}

/** What the safety path reads; `ChartData` (src/fhir) satisfies it. */
export interface SafetyChartInput {
  /** Every item-9 answer collected while mapping, before completeness checks. */
  item9Answers?: readonly Item9Answer[];
  /** Scored administrations; their item-9 answers are read too (charts mapped elsewhere). */
  assessments?: readonly { instrumentId: string; instrumentName: string; score: number; createdAt: string; items?: readonly { id: string; index?: number; score: number }[]; sourceRef?: string }[];
  labs?: readonly { observedAt?: string; results: { biomarkers: readonly LabReadingLike[] } }[];
  prescriptions?: readonly { medicationName: string; rxnorm?: string; status: string; stoppedAt?: string }[];
  benignEthnicNeutropenia?: boolean;
}

export interface Item9Summary {
  /** The most recent item-9 answer (may be 0). */
  latest: Item9Answer;
  /** Every positive answer, newest first. */
  positives: Item9Answer[];
}

export interface ChartSafety {
  item9: Item9Summary | null;
  criticalLabs: CriticalLabFinding[];
  /** Item-9 positives (newest first, the current one flagged) then critical labs: the flat list engines take. */
  findings: SafetyFinding[];
}

const SAME_ANSWER_MS = 60_000;

function epochOf(at: string | null): number {
  if (!at) return Number.NEGATIVE_INFINITY;
  const t = Date.parse(/T/.test(at) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(at) ? `${at}Z` : at);
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
}

/** The highest total items 1–8 of the PHQ-9 can reach (8 × 3): a higher total needs a positive item 9. */
export const PHQ9_TOTAL_WITHOUT_ITEM9 = 24;

/** Plain item-9 message: the answer, its wording, the date and what to do. */
export function item9Message(answer: number, at: string | null, current = true, impliedBy?: number): string {
  const day = at ? at.slice(0, 10) : 'an undated entry';
  const answered =
    impliedBy !== undefined
      ? `at least ${answer} of 3 ("${ANSWER_LABELS[answer] ?? answer}"), implied by a PHQ-9 total of ${impliedBy} (items 1–8 reach ${PHQ9_TOTAL_WITHOUT_ITEM9} at most)`
      : Number.isInteger(answer) && answer >= 0 && answer <= 3
        ? `answered ${answer} of 3 ("${ANSWER_LABELS[answer]}")`
        : `answered ${answer} (outside the 0–3 answer scale; check the source)`;
  return `PHQ-9 item 9 (thoughts of self-harm): ${answered} on ${day} — ${current ? 'review now' : 'an earlier positive answer; keep suicide risk under review'}.`;
}

/** Item-9 answers of scored administrations (for charts mapped without raw answers, and for engines). */
export function item9AnswersOfAssessments(assessments: SafetyChartInput['assessments']): Item9Answer[] {
  const out: Item9Answer[] = [];
  for (const a of assessments ?? []) {
    if (instrumentKeyOf(a.instrumentId) !== 'phq9' && instrumentKeyOf(a.instrumentName) !== 'phq9') continue;
    const item = a.items?.find((i) => isItem9(i));
    if (item) out.push({ answer: item.score, at: a.createdAt, sourceRef: a.sourceRef ?? '', form: 'assessment', status: 'final' });
    else if (a.score > PHQ9_TOTAL_WITHOUT_ITEM9 && a.score <= 27)
      out.push({ answer: a.score - PHQ9_TOTAL_WITHOUT_ITEM9, at: a.createdAt, sourceRef: a.sourceRef ?? '', form: 'total', status: 'final', impliedBy: a.score });
  }
  return out;
}

/** Newest first; the same answer charted twice at the same minute is one answer. */
export function summarizeItem9(answers: readonly Item9Answer[]): Item9Summary | null {
  if (answers.length === 0) return null;
  const sorted = [...answers].sort((a, b) => epochOf(b.at) - epochOf(a.at));
  const merged: Item9Answer[] = [];
  for (const a of sorted) {
    const same = merged.find(
      (m) => m.answer === a.answer && (m.sourceRef === a.sourceRef || (a.at !== null && m.at !== null && Math.abs(epochOf(m.at) - epochOf(a.at)) <= SAME_ANSWER_MS)),
    );
    if (!same) merged.push({ ...a });
    else if (a.sourceRef && a.sourceRef !== same.sourceRef && !same.alsoIn?.includes(a.sourceRef)) same.alsoIn = [...(same.alsoIn ?? []), a.sourceRef];
  }
  // When two different answers share the newest time, the higher one leads (never hide a positive).
  const newest = epochOf(merged[0]!.at);
  const latest = merged.filter((m) => epochOf(m.at) === newest).reduce((x, y) => (y.answer > x.answer ? y : x));
  return { latest, positives: merged.filter((m) => m.answer > 0) };
}

const FINAL = new Set(['final', 'completed', 'amended', 'corrected']);

export function item9Findings(summary: Item9Summary | null): Item9Finding[] {
  if (!summary) return [];
  return summary.positives.map((p) => {
    const current = p === summary.latest;
    return {
      kind: 'phq9_item9' as const,
      answer: p.answer,
      at: p.at ?? '',
      ...(p.sourceRef ? { sourceRef: p.sourceRef } : {}),
      message: item9Message(p.answer, p.at, current, p.impliedBy),
      answerText: answerLabel(p.answer),
      current,
      ...(FINAL.has(p.status) ? {} : { status: p.status }),
    };
  });
}

function criticalMessage(label: string, value: number | null, unit: string, at: string, limit: string, text: string, note?: string): string {
  return `Critical lab: ${label} ${value ?? '(non-numeric)'}${unit ? ` ${unit}` : ''} on ${at ? at.slice(0, 10) : 'an undated entry'} (${limit}) — ${text}${note ? ` ${note}` : ''}`;
}

/**
 * The critical reading of one lab value, if any: a built-in critical limit crossed after unit
 * normalisation, or the lab's own "critical" flag. `analyte` when already recognised.
 */
export function criticalLab(
  b: LabReadingLike,
  at: string,
  ctx: { benignEthnicNeutropenia?: boolean; drugs?: ReadonlySet<string> } = {},
  analyte: Analyte | undefined = recognizeAnalyte(b.loinc, b.name, b.unit),
): CriticalLabFinding | null {
  const value = typeof b.value === 'number' ? b.value : typeof b.value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(b.value) ? Number(b.value) : null;
  let reading: CriticalReading | null = null;
  if (analyte && value !== null) {
    const canonical = toCanonical(analyte, value, b.unit);
    if (canonical) reading = criticalOf(analyte, canonical.value, ctx);
  }
  if (!reading && b.flag !== 'critical') return null;
  const label = analyte?.label ?? b.name;
  const unit = b.unit ?? analyte?.unitDisplay ?? '';
  const direction = reading?.direction ?? 'critical';
  const limit = reading?.limit ?? 'flagged critical by the lab';
  const text = reading?.text ?? 'the laboratory flagged this value as critical.';
  const note = analyte?.drugNotes && direction !== 'critical' ? firstDrugNote(analyte, direction, ctx.drugs) : undefined;
  return {
    kind: 'critical_lab',
    analyte: analyte?.key ?? 'lab',
    label,
    value,
    unit,
    ...(b.loinc || analyte ? { loinc: b.loinc ?? analyte!.loinc[0]! } : {}),
    at,
    ...(b.sourceRef ? { sourceRef: b.sourceRef } : {}),
    direction,
    limit,
    source: reading?.source ?? 'laboratory flag',
    message: criticalMessage(label, value, unit, at, limit, text, note),
  };
}

function firstDrugNote(a: Analyte, dir: 'high' | 'low', drugs: ReadonlySet<string> | undefined): string | undefined {
  if (!drugs) return undefined;
  for (const [drug, notes] of Object.entries(a.drugNotes ?? {})) if (drugs.has(drug) && notes?.[dir]) return notes[dir];
  return undefined;
}

/** Critical values among the latest reading of each analyte (an older critical value since normalised is not one). */
export function criticalLabs(chart: SafetyChartInput): CriticalLabFinding[] {
  const latest = new Map<string, { b: LabReadingLike; at: string; t: number; analyte: Analyte | undefined }>();
  for (const panel of chart.labs ?? []) {
    const at = panel.observedAt ?? '';
    const t = epochOf(at || null);
    for (const b of panel.results.biomarkers) {
      const analyte = recognizeAnalyte(b.loinc, b.name, b.unit);
      const key = analyte ? analyte.key : `x:${b.loinc ?? b.name.toLowerCase()}`;
      const prev = latest.get(key);
      if (!prev || t >= prev.t) latest.set(key, { b, at, t, analyte });
    }
  }
  const drugs = activeDrugKeys(chart);
  const out: CriticalLabFinding[] = [];
  for (const { b, at, analyte } of latest.values()) {
    const f = criticalLab(b, at, { benignEthnicNeutropenia: chart.benignEthnicNeutropenia ?? false, drugs }, analyte);
    if (f) out.push(f);
  }
  return out.sort((a, b) => epochOf(b.at) - epochOf(a.at));
}

/** Drug keys (lithium, clozapine, …) of the active prescriptions, plus drugs whose level is charted. */
export function activeDrugKeys(chart: Pick<SafetyChartInput, 'prescriptions' | 'labs'>): Set<string> {
  const active = (chart.prescriptions ?? []).filter((p) => ['active', 'on-hold', 'intended'].includes(p.status.toLowerCase()));
  const keys: Set<string> = drugKeysOf(active.flatMap((p) => [p.medicationName, ...(p.rxnorm ? [p.rxnorm] : [])]));
  for (const panel of chart.labs ?? []) {
    for (const b of panel.results.biomarkers) {
      const a = b.loinc ? analyteForLoinc(b.loinc) : undefined;
      if (a && ['lithium', 'clozapine', 'valproate', 'carbamazepine'].includes(a.key)) keys.add(a.key);
    }
  }
  return keys;
}

/** Every safety finding of a chart: item-9 answers in any form and status, and critical labs. */
export function chartSafety(chart: SafetyChartInput): ChartSafety {
  const answers = [...(chart.item9Answers ?? []), ...item9AnswersOfAssessments(chart.assessments)];
  const item9 = summarizeItem9(answers);
  const labs = criticalLabs(chart);
  return { item9, criticalLabs: labs, findings: [...item9Findings(item9), ...labs] };
}

/** True when a finding calls for action today: a current positive item 9 or a critical lab. */
export function isUrgent(f: SafetyFinding): boolean {
  return f.kind === 'critical_lab' || f.current !== false;
}

/** Same finding (for merging the chart's findings with an engine's own). */
export function findingKey(f: SafetyFinding): string {
  return f.kind === 'phq9_item9' ? `i9|${f.sourceRef ?? ''}|${f.at.slice(0, 16)}|${f.answer}` : `cl|${f.sourceRef ?? ''}|${f.analyte}|${f.at.slice(0, 16)}`;
}


/** C-SSRS: Columbia Suicide Severity Rating Scale (Posner 2011), the validated tool named in the advice. */
export const SAME_DAY_ASSESSMENT =
  'same-day suicide-risk assessment with a validated tool such as the C-SSRS, per local protocol';

/**
 * What every engine says first when a safety finding exists (it replaces "routine monitoring"):
 * a current positive item 9 → same-day assessment; only older positives → keep under review;
 * a critical lab → act on it today.
 */
export function safetyAdvice(findings: readonly SafetyFinding[]): string | null {
  const parts: string[] = [];
  const item9 = findings.filter((f): f is Item9Finding => f.kind === 'phq9_item9');
  const current = item9.find((f) => f.current !== false);
  if (current) {
    parts.push(
      `PHQ-9 item 9 positive (answer ${current.answer}, "${answerLabel(current.answer)}", on ${current.at ? current.at.slice(0, 10) : 'an undated entry'}): ${SAME_DAY_ASSESSMENT}.`,
    );
  } else if (item9.length > 0) {
    const last = item9[0]!;
    parts.push(
      `Earlier positive PHQ-9 item 9 (answer ${last.answer} on ${last.at ? last.at.slice(0, 10) : 'an undated entry'}; the latest answer is 0): keep suicide risk under review at each contact, per local protocol.`,
    );
  }
  for (const f of findings) {
    if (f.kind !== 'critical_lab') continue;
    parts.push(`Critical lab: ${f.label} ${f.value ?? ''}${f.unit ? ` ${f.unit}` : ''} on ${f.at ? f.at.slice(0, 10) : 'an undated entry'} (${f.limit}) — act on it today per local protocol.`);
  }
  return parts.length ? parts.join(' ') : null;
}
