// order-select card rules: for each selected draft order of an antidepressant, lithium or an
// antipsychotic, what matters for that order from the chart; suggestions only where a monitoring
// guideline supports them (NICE CG185 for lithium, clozapine labeling for ANC).
import { randomUUID } from 'node:crypto';
import { ingredientFor, LOINC, RXNORM } from '../fhir/terminology.ts';
import { type Draft, day, num } from './cards.ts';
import { type Findings, type LabReading, latestLab } from './evaluate.ts';
import { CDS_PARAMS as P, CLOZAPINE_RXNORM, PSYCHOTROPIC_CLASS, type PsychotropicClass } from './params.ts';
import { sources } from './patient-view-rules.ts';
import { type Card, type Indicator, type OrderSelectContext, SUMMARY_MAX } from './schemas.ts';

export interface SelectedOrder {
  ref: string;
  rxnorm: string;
  name: string;
  cls: PsychotropicClass;
}

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
    const ingredient = ingredientFor(codes, texts);
    const cls = ingredient ? PSYCHOTROPIC_CLASS[ingredient.rxnorm] : undefined;
    if (ingredient && cls) out.push({ ref, rxnorm: ingredient.rxnorm, name: ingredient.name, cls });
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
  if (order.cls === 'lithium') parts.push(lithiumPart(f, patientId));
  if (order.rxnorm === CLOZAPINE_RXNORM) parts.push(ancPart(f, patientId));
  const indicator = parts.reduce<Indicator>((w, p) => (RANK[p.indicator] > RANK[w] ? p.indicator : w), 'info');
  // Most urgent part first; the others only while the summary stays whole (the detail has them all).
  let summary = `${order.name} ordered`;
  for (const [i, p] of [...parts].sort((a, b) => RANK[b.indicator] - RANK[a.indicator]).entries()) {
    const next = `${summary}${i === 0 ? ': ' : '; '}${p.headline}`;
    if (i > 0 && next.length > SUMMARY_MAX - 1) break;
    summary = next;
  }
  const suggestions = parts.flatMap((p) => p.suggestions ?? []);
  return {
    indicator,
    topic: 'psychotropic-order',
    focus: order.cls === 'lithium' || order.rxnorm === CLOZAPINE_RXNORM ? 'labs' : 'phq9',
    summary,
    detail: parts.flatMap((p) => p.detail).join('\n\n'),
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
    detail.push(`No PHQ-9 is charted: a baseline score before starting ${order.name} lets response be measured (measurement-based care).`);
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
function lithiumPart(f: Findings, patientId: string): Part {
  const level = latestLab(f.chart, 'Lithium');
  const egfr = latestLab(f.chart, 'eGFR');
  const creat = latestLab(f.chart, 'Creatinine');
  const critical = f.safety.criticalLabs.some((l) => l.sourceRef !== undefined && l.sourceRef === level?.sourceRef);
  const levelAge = ageDays(level, f.now);
  const renalAge = Math.min(ageDays(egfr, f.now), ageDays(creat, f.now));
  const egfrLow = typeof egfr?.value === 'number' && egfr.value < P.lithiumEgfrBelow;
  const levelOff = level?.flag === 'high' || level?.flag === 'low' || level?.flag === 'critical';
  const renalStale = renalAge > P.renalMaxAgeDays;
  const levelStale = levelAge > P.lithiumLevelMaxAgeDays;
  const onLithium = f.chart.prescriptions.some((rx) => rx.rxnorm === '6448' && ['active', 'on-hold'].includes(rx.status) && !rx.stoppedAt);

  const indicator: Indicator = critical ? 'critical' : levelOff || egfrLow || renalStale || (onLithium && levelStale) ? 'warning' : 'info';
  const bits = [
    level ? `lithium ${labValue(level)} on ${day(level.at)}${critical ? ' (toxic range)' : ''}` : 'no lithium level',
    egfr ? `eGFR ${labValue(egfr)}` : creat ? `creatinine ${labValue(creat)}` : 'no renal function',
  ];
  const detail = [
    [
      `- **Lithium level**: ${level ? `${labValue(level)} on ${day(level.at)}${level.flag && level.flag !== 'normal' ? ` (flagged ${level.flag})` : ''}` : 'none charted'}`,
      `- **eGFR**: ${egfr ? `${labValue(egfr)} on ${day(egfr.at)}${egfrLow ? ` — below ${P.lithiumEgfrBelow}: lithium clearance is reduced` : ''}` : 'none charted'}`,
      `- **Creatinine**: ${creat ? `${labValue(creat)} on ${day(creat.at)}` : 'none charted'}`,
    ].join('\n'),
    'NICE CG185: serum lithium every 3 months in the first year, renal function every 6 months, both before starting.',
    sources([level?.sourceRef, egfr?.sourceRef, creat?.sourceRef]),
  ];
  const suggestions: NonNullable<Card['suggestions']> = [];
  if (renalStale) suggestions.push(labOrder('Order serum creatinine (renal function)', '2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', patientId));
  if (onLithium && levelStale) suggestions.push(labOrder('Order serum lithium level', '14334-7', 'Lithium [Moles/volume] in Serum or Plasma', patientId));
  return { indicator, headline: bits.join(', '), detail, ...(suggestions.length ? { suggestions } : {}) };
}

/** ANC for clozapine (labeling ANC table: <0.5 severe, 0.5–0.99 moderate → interrupt; weekly at start). */
function ancPart(f: Findings, patientId: string): Part {
  const anc = latestLab(f.chart, 'ANC');
  const value = anc ? ancIn1e9PerL(anc) : null;
  const stale = ageDays(anc, f.now) > P.ancMaxAgeDays;
  let indicator: Indicator = 'info';
  let band = 'normal range';
  if (value !== null) {
    if (value < P.ancSevere) [indicator, band] = ['critical', 'severe neutropenia — clozapine must be interrupted'];
    else if (value < P.ancModerate) [indicator, band] = ['critical', 'moderate neutropenia — clozapine must be interrupted'];
    else if (value < P.ancMild) [indicator, band] = ['warning', 'mild neutropenia — monitor three times a week'];
  }
  if (indicator === 'info' && (value === null || stale)) indicator = 'warning';
  const headline = anc ? `ANC ${labValue(anc)} on ${day(anc.at)}${value !== null && value < P.ancMild ? ` (${band.split(' —')[0]})` : ''}` : 'no ANC charted';
  const detail = [
    `- **ANC**: ${anc ? `${labValue(anc)} on ${day(anc.at)} — ${value === null ? 'not numeric' : band}${stale ? `; older than ${P.ancMaxAgeDays} days` : ''}` : 'none charted'}`,
    'Clozapine labeling: baseline ANC ≥1.5 ×10⁹/L before starting, then weekly for 6 months.',
    sources([anc?.sourceRef]),
  ];
  const suggestions = value === null || stale ? [labOrder('Order absolute neutrophil count (ANC)', '751-8', 'Neutrophils [#/volume] in Blood by Automated count', patientId)] : [];
  return { indicator, headline, detail, ...(suggestions.length ? { suggestions } : {}) };
}

function labValue(l: LabReading): string {
  return `${typeof l.value === 'number' ? num(l.value) : (l.value ?? 'no value')}${l.unit ? ` ${l.unit}` : ''}`;
}

function ageDays(l: LabReading | null, now: Date): number {
  if (!l?.at) return Number.POSITIVE_INFINITY;
  return (now.getTime() - Date.parse(l.at)) / 86_400_000;
}

/** ANC in ×10⁹/L (= 10*3/uL); per-µL counts are divided by 1000. */
function ancIn1e9PerL(l: LabReading): number | null {
  if (typeof l.value !== 'number') return null;
  const unit = (l.unit ?? '').toLowerCase().replace(/\s+/g, '').replace(/µ|μ/g, 'u');
  return /^(cells)?\/ul$|^\/mm3$/.test(unit) ? l.value / 1000 : l.value;
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
