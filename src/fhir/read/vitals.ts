// Sleep duration, digital-MSE latency and visits.
import type { DatedValue } from '../chart.ts';
import { roundTo } from './values.ts';
import type { FhirEncounter, FhirObservation } from './schemas.ts';
import { MapContext, dateOrExclude, observationDate, observationUsable, readNumber } from './values.ts';

const HOURS = ['h', 'hr', 'hrs', 'hour', 'hours'];
const MINUTES = ['min', 'mins', 'minute', 'minutes'];

/** Sleep duration (LOINC 93832-4) in hours; minutes are converted, other units left out. */
export function readSleep(ctx: MapContext, o: FhirObservation): DatedValue | undefined {
  const ref = `Observation/${o.id}`;
  if (!observationUsable(ctx, ref, o.status, 'sleep duration')) return undefined;
  const date = dateOrExclude(ctx, ref, 'sleep duration', observationDate(o));
  if (!date) return undefined;
  const n = readNumber(o);
  if (!n.ok) {
    ctx.exclude(ref, n.reason, `sleep duration: ${n.detail}`);
    return undefined;
  }
  const unit = (n.unit ?? '').trim().toLowerCase();
  let hours: number;
  if (HOURS.includes(unit)) hours = n.value;
  else if (MINUTES.includes(unit)) {
    hours = n.value / 60;
    ctx.note('unit-converted', ref, `sleep duration ${n.value} min read as ${roundTo(hours, 2)} h`);
  } else {
    ctx.exclude(ref, 'unknown-unit', `sleep duration: unit "${n.unit ?? '(none)'}" is not hours or minutes`);
    return undefined;
  }
  if (hours < 0 || hours > 24) {
    ctx.exclude(ref, 'out-of-range', `sleep duration ${roundTo(hours, 2)} h is outside 0–24 h`);
    return undefined;
  }
  return { value: roundTo(hours, 3), at: date.iso, sourceRef: ref };
}

/** Digital-MSE response latency (our code dmse_response_latency), in seconds. */
export function readDmseLatency(ctx: MapContext, o: FhirObservation): DatedValue | undefined {
  const ref = `Observation/${o.id}`;
  if (!observationUsable(ctx, ref, o.status, 'dMSE response latency')) return undefined;
  const date = dateOrExclude(ctx, ref, 'dMSE response latency', observationDate(o));
  if (!date) return undefined;
  const n = readNumber(o);
  if (!n.ok) {
    ctx.exclude(ref, n.reason, `dMSE response latency: ${n.detail}`);
    return undefined;
  }
  const unit = (n.unit ?? 's').trim().toLowerCase();
  const seconds = unit === 'ms' ? n.value / 1000 : ['s', 'sec', 'seconds'].includes(unit) ? n.value : undefined;
  if (seconds === undefined) {
    ctx.exclude(ref, 'unknown-unit', `dMSE response latency: unit "${n.unit}" is not seconds`);
    return undefined;
  }
  if (seconds < 0 || seconds > 120) {
    ctx.exclude(ref, 'out-of-range', `dMSE response latency ${seconds} s is outside 0–120 s`);
    return undefined;
  }
  return { value: seconds, at: date.iso, sourceRef: ref };
}

/** Finished encounters only: when it ended (or started). */
export function readVisit(ctx: MapContext, e: FhirEncounter): { at: string; ms: number; sourceRef: string } | undefined {
  const ref = `Encounter/${e.id}`;
  if (e.status === 'entered-in-error') {
    ctx.exclude(ref, 'entered-in-error', 'visit marked entered-in-error');
    return undefined;
  }
  if (e.status !== 'finished') return undefined; // planned/in-progress/cancelled visits are not "last visit"
  const date = dateOrExclude(ctx, ref, 'visit', e.period?.end ?? e.period?.start);
  return date ? { at: date.iso, ms: date.ms, sourceRef: ref } : undefined;
}
