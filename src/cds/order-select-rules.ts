// order-select card rules: for each selected draft order of an antidepressant, lithium or an
// antipsychotic, what matters for that order from the chart; suggestions only where a monitoring
// guideline supports them (NICE CG185 for lithium, clozapine label for ANC). Drugs, classes, limits
// and monitoring texts are src/clinical's.
import { randomUUID } from 'node:crypto';
import {
  type Analyte,
  analyteForName,
  clozapineAncAction,
  criticalOf,
  LOINC,
  type Psychotropic,
  psychotropicOf,
  RXNORM,
  referenceFlagOf,
  toCanonical,
} from '../clinical/index.ts';
import { type Draft, day, num } from './cards.ts';
import { type Findings, type LabReading, latestLab } from './evaluate.ts';
import { CDS_PARAMS as P } from './params.ts';
import { sources } from './patient-view-rules.ts';
import { type Card, type Indicator, type OrderSelectContext, SUMMARY_MAX } from './schemas.ts';

export type OrderGroup = 'antidepressant' | 'lithium' | 'antipsychotic';

export interface SelectedOrder {
  ref: string;
  drug: Psychotropic;
  group: OrderGroup;
}

const ANTIDEPRESSANT_CLASSES = new Set(['ssri', 'snri', 'tricyclic', 'maoi', 'other antidepressant']);

/** The order groups this service covers: antidepressants, lithium, antipsychotics (src/clinical classes). */
function groupOf(drug: Psychotropic): OrderGroup | undefined {
  if (drug.key === 'lithium') return 'lithium';
  if (drug.class === 'antipsychotic') return 'antipsychotic';
  return ANTIDEPRESSANT_CLASSES.has(drug.class) ? 'antidepressant' : undefined;
}

const analyte = (name: string): Analyte => {
  const a = analyteForName(name);
  if (!a) throw new Error(`src/clinical has no analyte ${name}`);
  return a;
};
const LITHIUM = analyte('Lithium');
const EGFR = analyte('eGFR');
const ANC = analyte('ANC');
const CREATININE = analyte('Creatinine');
const SODIUM = analyte('Sodium');

interface Coded {
  coding?: Array<{ system?: string; code?: string; display?: string }>;
  text?: string;
}

/** Selected draft MedicationRequests whose ingredient (RxNorm code, else a whole-word name) is a psychotropic we cover. */
export function selectedPsychotropics(context: OrderSelectContext): SelectedOrder[] {
  const selected = new Set(context.selections);
  const out: SelectedOrder[] = [];
  for (const e of context.draftOrders.entry) {
    const r = e.resource as { resourceType: string; id?: string; medicationCodeableConcept?: Coded; medicationReference?: { reference?: string; display?: string }; contained?: Array<{ id?: string; resourceType?: string; code?: Coded }> } | undefined;
    if (!r || r.resourceType !== 'MedicationRequest' || !r.id) continue;
    const ref = `MedicationRequest/${r.id}`;
    if (!selected.has(ref)) continue;
    const contained = r.medicationReference?.reference?.startsWith('#')
      ? r.contained?.find((c) => c.resourceType === 'Medication' && `#${c.id}` === r.medicationReference?.reference)?.code
      : undefined;
    const concepts = [r.medicationCodeableConcept, contained].filter((c): c is Coded => !!c);
    const codings = concepts.flatMap((c) => c.coding ?? []);
    const codes = [...codings.filter((c) => c.system === RXNORM), ...codings].flatMap((c) => (c.code ? [c.code] : []));
    const texts = [...concepts.map((c) => c.text), ...codings.map((c) => c.display), r.medicationReference?.display].filter((t): t is string => !!t);
    const drug = psychotropicOf(codes, texts);
    const group = drug ? groupOf(drug) : undefined;
    if (drug && group) out.push({ ref, drug, group });
  }
  return out;
}

interface Part {
  indicator: Indicator;
  headline: string;
  detail: string[];
  suggestions?: NonNullable<Card['suggestions']>;
}

const RANK: Record<Indicator, number> = { info: 0, warning: 1, critical: 2 };

export function orderCard(order: SelectedOrder, f: Findings, patientId: string): Draft {
  const parts: Part[] = [moodPart(order, f)];
  if (order.group === 'lithium') parts.push(lithiumPart(order, f, patientId));
  if (order.drug.key === 'clozapine') parts.push(ancPart(order, f, patientId));
  const indicator = parts.reduce<Indicator>((w, p) => (RANK[p.indicator] > RANK[w] ? p.indicator : w), 'info');
  // Most urgent part first; in the summary the others only while it stays whole (the detail has them all).
  const ranked = [...parts].sort((a, b) => RANK[b.indicator] - RANK[a.indicator]);
  let summary = `${order.drug.name} ordered`;
  for (const [i, p] of ranked.entries()) {
    const next = `${summary}${i === 0 ? ': ' : '; '}${p.headline}`;
    if (i > 0 && next.length > SUMMARY_MAX - 1) break;
    summary = next;
  }
  const suggestions = parts.flatMap((p) => p.suggestions ?? []);
  return {
    indicator,
    topic: 'psychotropic-order',
    focus: parts.length > 1 ? 'labs' : 'phq9',
    summary,
    detail: ranked.flatMap((p) => p.detail).join('\n\n'),
    ...(suggestions.length ? { suggestions } : {}),
  };
}

/** Current PHQ-9 and trend, and a positive item 9 (an antidepressant or antipsychotic start is a risk review point). */
function moodPart(order: SelectedOrder, f: Findings): Part {
  const s = f.safety.item9;
  const p = f.phq9;
  const detail: string[] = [];
  let indicator: Indicator = 'info';
  let headline: string;
  if (p) {
    const trend = p.nadir ? `, ${p.rise! >= 0 ? 'up' : 'down'} ${num(Math.abs(p.rise!))} since ${day(p.nadir.at)}` : ', first administration';
    headline = `PHQ-9 ${num(p.latest.score)} (${p.latest.band}) on ${day(p.latest.at)}${trend}`;
    detail.push(
      `**PHQ-9 ${num(p.latest.score)}** (${p.latest.band}) on ${day(p.latest.at)}` +
        (p.nadir ? `; lowest in the previous 180 days ${num(p.nadir.score)} on ${day(p.nadir.at)}.` : '; no earlier administration to compare.') +
        (p.importantWorsening ? ' The rise is clinically important (≥5 points, Löwe 2004).' : ''),
    );
    detail.push(sources([p.nadir?.sourceRef, p.latest.sourceRef]));
    if (p.importantWorsening) indicator = 'warning';
  } else {
    headline = 'no PHQ-9 charted';
    detail.push(`No PHQ-9 is charted: a baseline score before starting ${order.drug.name} lets response be measured (measurement-based care).`);
  }
  const earlier = f.safety.earlierItem9;
  if (earlier) {
    detail.push(`An earlier PHQ-9 item 9 was positive ("${earlier.answerText}" on ${day(earlier.at)}); the latest answer is "Not at all". ${sources([earlier.sourceRef])}`);
  }
  if (s) {
    indicator = 'critical';
    headline = `PHQ-9 item 9 positive ("${s.answerText}") on ${day(s.at)}`;
    detail.unshift(
      `**PHQ-9 item 9 positive**: "${s.answerText}" (${num(s.answer)} of 3) on ${day(s.at)} — assess suicide risk before prescribing; ` +
        'antidepressants carry a boxed warning for suicidality in young people. ' +
        sources([s.sourceRef]),
    );
  }
  return { indicator, headline, detail };
}

/** Lithium level, eGFR and creatinine with their age (NICE CG185: level 3-monthly, renal 6-monthly). */
function lithiumPart(order: SelectedOrder, f: Findings, patientId: string): Part {
  const level = latestLab(f.chart, LITHIUM.name);
  const egfr = latestLab(f.chart, EGFR.name);
  const creat = latestLab(f.chart, CREATININE.name);
  const sodium = latestLab(f.chart, SODIUM.name);
  const critical = f.safety.criticalLabs.some((l) => l.analyte === LITHIUM.key && l.sourceRef === level?.sourceRef);
  const levelFlag = level ? flagOf(LITHIUM, level) : null;
  const egfrLow = egfr ? flagOf(EGFR, egfr) === 'low' : false;
  const creatHigh = creat ? flagOf(CREATININE, creat) === 'high' : false;
  const sodiumFlag = sodium ? flagOf(SODIUM, sodium) : null;
  const renalStale = Math.min(ageDays(egfr, f.now), ageDays(creat, f.now)) > P.renalMaxAgeDays;
  const levelStale = ageDays(level, f.now) > P.lithiumLevelMaxAgeDays;
  const onLithium = f.chart.prescriptions.some((rx) => rx.rxnorm === order.drug.rxnorm && ['active', 'on-hold'].includes(rx.status) && !rx.stoppedAt);

  const levelOff = levelFlag === 'high' || levelFlag === 'low';
  const renalDown = egfrLow || creatHigh;
  const indicator: Indicator =
    critical ? 'critical' : levelOff || renalDown || sodiumFlag === 'low' || renalStale || (onLithium && levelStale) ? 'warning' : 'info';
  const headline = [
    level ? `lithium ${labValue(level)} on ${day(level.at)}${critical ? ' (toxic range)' : ''}` : 'no lithium level',
    egfr ? `eGFR ${labValue(egfr)}` : creat ? `creatinine ${labValue(creat)}${creatHigh ? ' (high)' : ''}` : 'no renal function',
  ].join(', ');
  const detail = [
    [
      `- **Lithium level**: ${level ? `${labValue(level)} on ${day(level.at)}${levelFlag && levelFlag !== 'normal' ? ` (${critical ? 'toxic range' : levelFlag})` : ''}` : 'none charted'}`,
      `- **eGFR**: ${egfr ? `${labValue(egfr)} on ${day(egfr.at)}${egfrLow ? ` — below ${EGFR.reference.low} (${EGFR.reference.source}): lithium clearance is reduced` : ''}` : 'none charted'}`,
      `- **Creatinine**: ${creat ? `${labValue(creat)} on ${day(creat.at)}${creatHigh ? ' — above the reference range: lithium clearance may be reduced' : ''}` : 'none charted'}`,
      `- **Sodium**: ${sodium ? `${labValue(sodium)} on ${day(sodium.at)}${sodiumFlag === 'low' ? ' — low: hyponatremia raises lithium levels' : sodiumFlag === 'high' ? ' — high' : ''}` : 'none charted'}`,
    ].join('\n'),
    `${order.drug.name}: ${order.drug.monitoring ?? 'monitoring per its label.'}`,
    sources([level?.sourceRef, egfr?.sourceRef, creat?.sourceRef, sodium?.sourceRef]),
  ];
  const suggestions: NonNullable<Card['suggestions']> = [];
  if (renalStale) suggestions.push(labOrder('Order serum creatinine (renal function)', '2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', patientId));
  if (onLithium && levelStale) suggestions.push(labOrder('Order serum lithium level', LITHIUM.loinc[0]!, 'Lithium [Moles/volume] in Serum or Plasma', patientId));
  return { indicator, headline, detail, ...(suggestions.length ? { suggestions } : {}) };
}

/** ANC for clozapine: src/clinical's ANC limits and the clozapine label's action for the value. */
function ancPart(order: SelectedOrder, f: Findings, patientId: string): Part {
  const anc = latestLab(f.chart, ANC.name);
  const value = anc && typeof anc.value === 'number' ? (toCanonical(ANC, anc.value, anc.unit)?.value ?? null) : null;
  const stale = ageDays(anc, f.now) > P.ancMaxAgeDays;
  const critical = value !== null && criticalOf(ANC, value) !== null;
  const low = value !== null && referenceFlagOf(ANC, value) === 'low';
  const indicator: Indicator = critical ? 'critical' : low || value === null || stale ? 'warning' : 'info';
  const action = value !== null ? clozapineAncAction(value) : null;
  const headline = anc ? `ANC ${labValue(anc)} on ${day(anc.at)}${low && action ? ` (${action.split(':')[0]})` : ''}` : 'no ANC charted';
  const detail = [
    `- **ANC**: ${anc ? `${labValue(anc)} on ${day(anc.at)} — ${action ?? 'value or unit not readable'}${stale ? `; older than ${P.ancMaxAgeDays} days` : ''}` : 'none charted'}`,
    `${order.drug.name}: ${order.drug.monitoring ?? 'ANC monitoring per its label.'}`,
    sources([anc?.sourceRef]),
  ];
  const suggestions = value === null || stale ? [labOrder('Order absolute neutrophil count (ANC)', ANC.loinc[0]!, 'Neutrophils [#/volume] in Blood by Automated count', patientId)] : [];
  return { indicator, headline, detail, ...(suggestions.length ? { suggestions } : {}) };
}

function flagOf(a: Analyte, l: LabReading): 'high' | 'low' | 'normal' | null {
  if (typeof l.value !== 'number') return null;
  const c = toCanonical(a, l.value, l.unit);
  return c ? referenceFlagOf(a, c.value) : null;
}

function labValue(l: LabReading): string {
  return `${typeof l.value === 'number' ? num(l.value) : (l.value ?? 'no value')}${l.unit ? ` ${l.unit}` : ''}`;
}

function ageDays(l: LabReading | null, now: Date): number {
  if (!l?.at) return Number.POSITIVE_INFINITY;
  return (now.getTime() - Date.parse(l.at)) / 86_400_000;
}

/** A draft lab order (ServiceRequest) the clinician may accept. */
function labOrder(label: string, loinc: string, display: string, patientId: string): NonNullable<Card['suggestions']>[number] {
  return {
    label,
    uuid: randomUUID(),
    actions: [
      {
        type: 'create',
        description: label,
        resource: {
          resourceType: 'ServiceRequest',
          status: 'draft',
          intent: 'proposal',
          category: [{ coding: [{ system: 'http://snomed.info/sct', code: '108252007', display: 'Laboratory procedure' }] }],
          code: { coding: [{ system: LOINC, code: loinc, display }] },
          subject: { reference: `Patient/${patientId}` },
        },
      },
    ],
  };
}
