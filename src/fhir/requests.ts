// ChartData → one request per engine that has data (pure; the clock is injected). Everything is
// clamped/trimmed to the contract caps so a long chart never produces an invalid request. Every
// request carries the chart's safety findings (src/clinical chartSafety) and, per scalar input, the
// chart resources it was computed from (`sources`).
import {
  chartSafety,
  drugKeysOf,
  instrumentKeyOf,
  latestChange,
  medicationCourses,
  type Course,
} from '../clinical/index.ts';
import type { Assessment, EngineName, EngineRequest, LabPanel, PreviousResult, Prescription, SafetyFinding } from '../contract/index.ts';
import type { ChartData, DatedValue, StoredResult } from './chart.ts';

/** Parsed-shape requests (defaults already filled), so they are also valid inputs. */
export type EngineRequests = { [E in EngineName]?: EngineRequest<E> };

const DAY_MS = 86_400_000;
export const SLEEP_WINDOW_DAYS = 14;
const MAX_ASSESSMENTS = 500;
const MAX_PRESCRIPTIONS = 100;
const MAX_PANELS = 100;
const MAX_BIOMARKERS = 200;
const MAX_SIGNAL_HISTORY = 500;
const MAX_SAFETY = 100;
const MAX_SOURCES = 200;
const ACTIVE_STATUSES = new Set(['active', 'on-hold', 'intended']);

export function buildEngineRequests(chart: ChartData, now: Date): EngineRequests {
  const out: EngineRequests = {};
  const nowMs = now.getTime();
  const assessments = scaleSeries(chart.assessments);
  const sleep = avgSleep(chart.sleep, nowMs);
  const latency = dmseLatencyChange(chart.dmseLatency);
  const courses = medicationCourses(chart.prescriptions, nowMs);
  const psychActive = courses.filter((c) => c.active && c.ingredient);
  const safety = chartSafety(chart).findings.slice(0, MAX_SAFETY) as SafetyFinding[];
  const common = <E extends EngineName>(e: E, sources: Record<string, string[]> = {}) => {
    const previous = previousFor(chart.history[e]);
    const src = Object.fromEntries(Object.entries(sources).filter(([, v]) => v.length > 0).map(([k, v]) => [k, v.slice(-MAX_SOURCES)]));
    return {
      ...(previous ? { previous } : {}),
      ...(safety.length > 0 ? { safety } : {}),
      ...(Object.keys(src).length > 0 ? { sources: src } : {}),
    };
  };

  if (assessments.length > 0 || chart.prescriptions.length > 0 || chart.sleep.length > 0) {
    const change = latestChange(courses, nowMs);
    const medChange = change ? clampDays((nowMs - change.change.at) / DAY_MS) : undefined;
    const sinceVisit = chart.lastVisit ? clampDays((nowMs - Date.parse(chart.lastVisit.at)) / DAY_MS) : undefined;
    const sources = {
      avgSleepHours: sleep?.refs ?? [],
      dmseLatencyPctChange: latency?.refs ?? [],
      daysSinceMedChange: change ? [change.change.order.id] : [],
      daysSinceLastVisit: chart.lastVisit ? [chart.lastVisit.sourceRef] : [],
    };
    out.relapse = {
      assessments,
      ...(latency !== undefined ? { dmseLatencyPctChange: latency.pct } : {}),
      ...(sleep !== undefined ? { avgSleepHours: sleep.hours } : {}),
      ...(medChange !== undefined ? { daysSinceMedChange: medChange, medChangeKind: change!.kind } : {}),
      hasActiveMedication: psychActive.length > 0,
      ...(sinceVisit !== undefined ? { daysSinceLastVisit: sinceVisit } : {}),
      ...common('relapse', sources),
    };
    out.outcome = {
      assessments,
      ...(latency !== undefined ? { dmseLatencyPctChange: latency.pct } : {}),
      activeMedications: Math.min(100, psychActive.length),
      biomarkerWatchCount: Math.min(100, biomarkerWatchCount(chart.labs)),
      ...(sleep !== undefined ? { avgSleepHours: sleep.hours } : {}),
      ...common('outcome', { avgSleepHours: sources.avgSleepHours, dmseLatencyPctChange: sources.dmseLatencyPctChange, activeMedications: psychActive.map((c) => c.current.id) }),
    };
  }
  if (chart.prescriptions.length > 0) {
    out.medication = {
      prescriptions: latestPrescriptions(chart.prescriptions),
      assessments,
      ...(latency !== undefined ? { dmseLatencyPctChange: latency.pct } : {}),
      ...common('medication', { dmseLatencyPctChange: latency?.refs ?? [] }),
    };
  }
  const labs = latestPanels(chart.labs);
  if (labs.length > 0) {
    const meds = activeMedicationNames(courses);
    out.biomarker = { labs, ...(meds.length > 0 ? { medications: meds } : {}), ...common('biomarker') };
  }
  const latencies = chart.dmseLatency.filter((v) => Number.isFinite(v.value) && v.value >= 0 && v.value <= 120);
  const latest = latencies.at(-1);
  // Speech rate from saved voice samples (words/min): the latest is the value, the earlier ones its baseline.
  const rates = (chart.speechRate ?? []).filter((v) => Number.isFinite(v.value) && v.value >= 0 && v.value <= 600);
  const rate = rates.at(-1);
  if (latest || rate) {
    const earlier = latencies.slice(0, -1).slice(-MAX_SIGNAL_HISTORY);
    const earlierRates = rates.slice(0, -1).slice(-MAX_SIGNAL_HISTORY);
    const history = {
      ...(earlier.length > 0 ? { response_latency: earlier.map((v) => v.value) } : {}),
      ...(earlierRates.length > 0 ? { speech_rate: earlierRates.map((v) => v.value) } : {}),
    };
    out.dmse = {
      ...(latest ? { responseLatencySeconds: latest.value } : {}),
      ...(rate ? { speechRateWpm: rate.value } : {}),
      ...(Object.keys(history).length > 0 ? { history } : {}),
      ...common('dmse', {
        responseLatencySeconds: latest ? [latest.sourceRef] : [],
        'history.response_latency': earlier.map((v) => v.sourceRef),
        speechRateWpm: rate ? [rate.sourceRef] : [],
        'history.speech_rate': earlierRates.map((v) => v.sourceRef),
      }),
    };
  }
  return out;
}

/**
 * The symptom scales sent to the engines: every instrument (PHQ-9, GAD-7, PHQ-2 …), so GAD-7 is
 * scored beside the PHQ-9; the latest 500 by date, oldest first. The engines pick the PHQ-9 as the
 * primary scale themselves.
 */
export function scaleSeries(all: readonly Assessment[]): Assessment[] {
  return [...all]
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))
    .slice(-MAX_ASSESSMENTS)
    .map((a) => (a.items && a.items.length > 50 ? { ...a, items: a.items.slice(0, 50) } : a));
}

/** The series of the main instrument only: PHQ-9 when charted, else the most administered. */
export function mainInstrumentSeries(all: readonly Assessment[]): Assessment[] {
  const key = (a: Assessment) => instrumentKeyOf(a.instrumentId) ?? a.instrumentId;
  const counts = new Map<string, number>();
  for (const a of all) counts.set(key(a), (counts.get(key(a)) ?? 0) + 1);
  const main = counts.has('phq9') ? 'phq9' : [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (main === undefined) return [];
  return scaleSeries(all.filter((a) => key(a) === main));
}

/** Mean nightly sleep over the 14 days before `now`, with the Observations averaged; undefined when none. */
function avgSleep(sleep: readonly DatedValue[], nowMs: number): { hours: number; refs: string[] } | undefined {
  const from = nowMs - SLEEP_WINDOW_DAYS * DAY_MS;
  const recent = sleep.filter((s) => {
    const t = Date.parse(s.at);
    return t >= from && t <= nowMs && s.value >= 0 && s.value <= 24;
  });
  if (recent.length === 0) return undefined;
  return { hours: Math.round((recent.reduce((sum, s) => sum + s.value, 0) / recent.length) * 100) / 100, refs: recent.map((s) => s.sourceRef) };
}

export function avgSleepHours(sleep: readonly DatedValue[], nowMs: number): number | undefined {
  return avgSleep(sleep, nowMs)?.hours;
}

/** Latest latency vs the first charted one, in percent; needs two readings. */
function dmseLatencyChange(latency: readonly DatedValue[]): { pct: number; refs: string[] } | undefined {
  if (latency.length < 2) return undefined;
  const first = latency[0]!;
  const last = latency.at(-1)!;
  if (!(first.value > 0)) return undefined;
  const pct = ((last.value - first.value) / first.value) * 100;
  return { pct: Math.round(Math.min(1000, Math.max(-100, pct)) * 10) / 10, refs: [first.sourceRef, last.sourceRef] };
}

export function dmseLatencyPctChange(latency: readonly DatedValue[]): number | undefined {
  return dmseLatencyChange(latency)?.pct;
}

export function activePrescriptions(list: readonly Prescription[], nowMs: number): Prescription[] {
  return list.filter((p) => ACTIVE_STATUSES.has(p.status) && (p.stoppedAt === undefined || Date.parse(p.stoppedAt) > nowMs));
}

/**
 * Days since the last psychotropic start, dose change, stop or switch (a refill is not a change; see
 * src/clinical courses). Undefined without any dated psychotropic order.
 */
export function daysSinceMedChange(list: readonly Prescription[], nowMs: number): number | undefined {
  const change = latestChange(medicationCourses(list, nowMs), nowMs);
  return change ? clampDays((nowMs - change.change.at) / DAY_MS) : undefined;
}

/** Active medications for the biomarker engine's drug-aware notes: ingredient names and RxNorm codes. */
function activeMedicationNames(courses: readonly Course[]): string[] {
  const out = new Set<string>();
  for (const c of courses) {
    if (!c.active) continue;
    out.add(c.name.slice(0, 160));
    if (c.ingredient?.rxnorm) out.add(c.ingredient.rxnorm);
  }
  return [...out].slice(0, 100);
}

/** Drug keys (lithium, clozapine, …) of the active medications — for callers that need them. */
export function activeDrugKeys(list: readonly Prescription[], nowMs: number): Set<string> {
  return drugKeysOf(activePrescriptions(list, nowMs).map((p) => p.rxnorm ?? p.medicationName));
}

/** Abnormal flags (high/low/critical) among the latest reading of each analyte. */
export function biomarkerWatchCount(panels: readonly LabPanel[]): number {
  const latest = new Map<string, { at: string; flag: string | undefined }>();
  for (const p of panels) {
    for (const b of p.results.biomarkers) {
      const key = b.loinc ? `loinc:${b.loinc}` : `name:${b.name.toLowerCase()}`;
      const at = p.observedAt ?? '';
      const prev = latest.get(key);
      if (!prev || at >= prev.at) latest.set(key, { at, flag: b.flag });
    }
  }
  return [...latest.values()].filter((v) => v.flag === 'high' || v.flag === 'low' || v.flag === 'critical').length;
}

function latestPanels(panels: readonly LabPanel[]): LabPanel[] {
  return [...panels]
    .sort((a, b) => (a.observedAt ?? '').localeCompare(b.observedAt ?? ''))
    .slice(-MAX_PANELS)
    .filter((p) => p.results.biomarkers.length > 0)
    .map((p) => (p.results.biomarkers.length > MAX_BIOMARKERS ? { ...p, results: { biomarkers: p.results.biomarkers.slice(0, MAX_BIOMARKERS) } } : p));
}

function latestPrescriptions(list: readonly Prescription[]): Prescription[] {
  return [...list].sort((a, b) => (a.prescribedAt ?? '').localeCompare(b.prescribedAt ?? '')).slice(-MAX_PRESCRIPTIONS);
}

function clampDays(days: number): number {
  return Math.min(3650, Math.max(0, Math.floor(days)));
}

/** The latest earlier result of one engine, in the contract's `previous` shape. */
export function previousFor(history: readonly StoredResult[] | undefined): PreviousResult | undefined {
  const last = history?.at(-1);
  if (!last) return undefined;
  const inputs: NonNullable<PreviousResult['inputs']> = {};
  for (const [k, v] of Object.entries(last.inputs)) {
    if (k.length > 64) continue;
    inputs[k] = typeof v === 'string' ? v.slice(0, 200) : typeof v === 'number' && !Number.isFinite(v) ? null : v;
  }
  return {
    ...(last.score !== null && Number.isFinite(last.score) ? { score: Math.min(1000, Math.max(-1000, last.score)) } : {}),
    ...(last.status ? { status: last.status.slice(0, 64) } : {}),
    computedAt: last.computedAt,
    ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
  };
}
