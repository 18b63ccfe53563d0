// ChartData → one request per engine that has data (pure; the clock is injected). Everything is
// clamped/trimmed to the contract caps so a long chart never produces an invalid request.
import type { Assessment, EngineName, EngineRequest, LabPanel, PreviousResult, Prescription } from '../contract/index.ts';
import type { ChartData, DatedValue, StoredResult } from './chart.ts';
import { PHQ9 } from './terminology.ts';

/** Parsed-shape requests (defaults already filled), so they are also valid inputs. */
export type EngineRequests = { [E in EngineName]?: EngineRequest<E> };

const DAY_MS = 86_400_000;
export const SLEEP_WINDOW_DAYS = 14;
const MAX_ASSESSMENTS = 500;
const MAX_PRESCRIPTIONS = 100;
const MAX_PANELS = 100;
const MAX_BIOMARKERS = 200;
const MAX_SIGNAL_HISTORY = 500;
const ACTIVE_STATUSES = new Set(['active', 'on-hold', 'intended']);

export function buildEngineRequests(chart: ChartData, now: Date): EngineRequests {
  const out: EngineRequests = {};
  const nowMs = now.getTime();
  const assessments = mainInstrumentSeries(chart.assessments);
  const sleep = avgSleepHours(chart.sleep, nowMs);
  const latencyPct = dmseLatencyPctChange(chart.dmseLatency);
  const active = activePrescriptions(chart.prescriptions, nowMs);
  const common = <E extends EngineName>(e: E) => {
    const previous = previousFor(chart.history[e]);
    return previous ? { previous } : {};
  };

  if (assessments.length > 0 || chart.prescriptions.length > 0 || chart.sleep.length > 0) {
    const medChange = daysSinceMedChange(chart.prescriptions, nowMs);
    const sinceVisit = chart.lastVisit ? clampDays((nowMs - Date.parse(chart.lastVisit.at)) / DAY_MS) : undefined;
    out.relapse = {
      assessments,
      ...(latencyPct !== undefined ? { dmseLatencyPctChange: latencyPct } : {}),
      ...(sleep !== undefined ? { avgSleepHours: sleep } : {}),
      ...(medChange !== undefined ? { daysSinceMedChange: medChange } : {}),
      hasActiveMedication: active.length > 0,
      ...(sinceVisit !== undefined ? { daysSinceLastVisit: sinceVisit } : {}),
      ...common('relapse'),
    };
    out.outcome = {
      assessments,
      ...(latencyPct !== undefined ? { dmseLatencyPctChange: latencyPct } : {}),
      activeMedications: Math.min(100, new Set(active.map((p) => p.rxnorm ?? p.medicationName.toLowerCase())).size),
      biomarkerWatchCount: Math.min(100, biomarkerWatchCount(chart.labs)),
      ...(sleep !== undefined ? { avgSleepHours: sleep } : {}),
      ...common('outcome'),
    };
  }
  if (chart.prescriptions.length > 0) {
    out.medication = {
      prescriptions: latestPrescriptions(chart.prescriptions),
      assessments,
      ...(latencyPct !== undefined ? { dmseLatencyPctChange: latencyPct } : {}),
      ...common('medication'),
    };
  }
  const labs = latestPanels(chart.labs);
  if (labs.length > 0) out.biomarker = { labs, ...common('biomarker') };
  const latencies = chart.dmseLatency.filter((v) => Number.isFinite(v.value) && v.value >= 0 && v.value <= 120);
  const latest = latencies.at(-1);
  // Speech rate from saved voice samples (words/min): the latest is the value, the earlier ones its baseline.
  const rates = (chart.speechRate ?? []).filter((v) => Number.isFinite(v.value) && v.value >= 0 && v.value <= 600);
  const rate = rates.at(-1);
  if (latest || rate) {
    const earlier = latencies.slice(0, -1).slice(-MAX_SIGNAL_HISTORY).map((v) => v.value);
    const earlierRates = rates.slice(0, -1).slice(-MAX_SIGNAL_HISTORY).map((v) => v.value);
    const history = {
      ...(earlier.length > 0 ? { response_latency: earlier } : {}),
      ...(earlierRates.length > 0 ? { speech_rate: earlierRates } : {}),
    };
    out.dmse = {
      ...(latest ? { responseLatencySeconds: latest.value } : {}),
      ...(rate ? { speechRateWpm: rate.value } : {}),
      ...(Object.keys(history).length > 0 ? { history } : {}),
      ...common('dmse'),
    };
  }
  return out;
}

/** The series of the main instrument: PHQ-9 when charted, else the most administered; latest 500, oldest first. */
export function mainInstrumentSeries(all: readonly Assessment[]): Assessment[] {
  const counts = new Map<string, number>();
  for (const a of all) counts.set(a.instrumentId, (counts.get(a.instrumentId) ?? 0) + 1);
  const main = counts.has(PHQ9.instrumentId) ? PHQ9.instrumentId : [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (main === undefined) return [];
  return all
    .filter((a) => a.instrumentId === main)
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))
    .slice(-MAX_ASSESSMENTS)
    .map((a) => (a.items && a.items.length > 50 ? { ...a, items: a.items.slice(0, 50) } : a));
}

/** Mean nightly sleep over the 14 days before `now`; undefined when none was charted in that window. */
export function avgSleepHours(sleep: readonly DatedValue[], nowMs: number): number | undefined {
  const from = nowMs - SLEEP_WINDOW_DAYS * DAY_MS;
  const recent = sleep.filter((s) => {
    const t = Date.parse(s.at);
    return t >= from && t <= nowMs && s.value >= 0 && s.value <= 24;
  });
  if (recent.length === 0) return undefined;
  return Math.round((recent.reduce((sum, s) => sum + s.value, 0) / recent.length) * 100) / 100;
}

/** Latest latency vs the first charted one, in percent; needs two readings. */
export function dmseLatencyPctChange(latency: readonly DatedValue[]): number | undefined {
  if (latency.length < 2) return undefined;
  const first = latency[0]!.value;
  const last = latency.at(-1)!.value;
  if (!(first > 0)) return undefined;
  const pct = ((last - first) / first) * 100;
  return Math.round(Math.min(1000, Math.max(-100, pct)) * 10) / 10;
}

export function activePrescriptions(list: readonly Prescription[], nowMs: number): Prescription[] {
  return list.filter((p) => ACTIVE_STATUSES.has(p.status) && (p.stoppedAt === undefined || Date.parse(p.stoppedAt) > nowMs));
}

/** Days since the latest start or stop of any prescription (not in the future). */
export function daysSinceMedChange(list: readonly Prescription[], nowMs: number): number | undefined {
  const changes = list
    .flatMap((p) => [p.prescribedAt, p.stoppedAt])
    .filter((d): d is string => d !== undefined)
    .map((d) => Date.parse(d))
    .filter((t) => Number.isFinite(t) && t <= nowMs);
  if (changes.length === 0) return undefined;
  return clampDays((nowMs - Math.max(...changes)) / DAY_MS);
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
