// Small readers shared by the mappers: dates, codes, numbers. Each returns a result or a reason,
// never throws, never invents a value.
import type { ChartNote, ExcludedEntry } from '../chart.ts';
import { LOINC } from '../terminology.ts';
import type { CodeableConcept, FhirObservation, Quantity } from './schemas.ts';

/** Collects exclusions and notes while one chart is mapped. */
export class MapContext {
  readonly excluded: ExcludedEntry[] = [];
  readonly notes: ChartNote[] = [];
  private noteKeys = new Set<string>();

  exclude(sourceRef: string, reason: ExcludedEntry['reason'], detail: string): void {
    this.excluded.push({ sourceRef, reason, detail });
  }
  note(kind: ChartNote['kind'], sourceRef: string, detail: string): void {
    const key = `${kind}|${sourceRef}`;
    if (this.noteKeys.has(key)) return;
    this.noteKeys.add(key);
    this.notes.push({ kind, sourceRef, detail });
  }
}

export type DateRead = { ok: true; iso: string; ms: number; noTimezone: boolean } | { ok: false; detail: string };

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const ZONED_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * FHIR date/dateTime/instant → ISO UTC. A dateTime without a timezone is read as UTC (and the
 * caller notes it); a date alone is midnight UTC; a year or year-month alone is too vague to plot.
 */
export function readDate(value: string | undefined): DateRead {
  if (value === undefined || value.trim() === '') return { ok: false, detail: 'no date' };
  const s = value.trim();
  let noTimezone = false;
  let parseable: string;
  if (DATE_ONLY.test(s)) parseable = `${s}T00:00:00Z`;
  else if (LOCAL_DATETIME.test(s)) {
    parseable = `${s}Z`;
    noTimezone = true;
  } else if (ZONED_DATETIME.test(s)) parseable = s;
  else if (/^\d{4}(-\d{2})?$/.test(s)) return { ok: false, detail: `date "${s}" is only a year or month` };
  else return { ok: false, detail: `date "${s}" is not a FHIR date` };
  const ms = Date.parse(parseable);
  if (Number.isNaN(ms)) return { ok: false, detail: `date "${s}" is not a valid date` };
  return { ok: true, iso: new Date(ms).toISOString(), ms, noTimezone };
}

/** Reads a date and records the no-timezone note; on failure records the exclusion and returns undefined. */
export function dateOrExclude(ctx: MapContext, ref: string, what: string, value: string | undefined): DateRead & { ok: true } | undefined {
  const d = readDate(value);
  if (!d.ok) {
    ctx.exclude(ref, d.detail === 'no date' ? 'no-date' : 'malformed', `${what}: ${d.detail}`);
    return undefined;
  }
  if (d.noTimezone) ctx.note('no-timezone', ref, `${what}: "${value}" has no timezone; read as UTC`);
  return d;
}

export function observationDate(o: FhirObservation): string | undefined {
  return o.effectiveDateTime ?? o.effectiveInstant ?? o.effectivePeriod?.start ?? o.effectivePeriod?.end;
}

export function codesOf(cc: CodeableConcept | undefined, system?: string): string[] {
  return (cc?.coding ?? []).filter((c) => system === undefined || c.system === system).flatMap((c) => (c.code ? [c.code] : []));
}

/** LOINC codes of a concept; a coding without a system whose code looks like LOINC counts too. */
export function loincCodes(cc: CodeableConcept | undefined): string[] {
  return (cc?.coding ?? [])
    .filter((c) => c.system === LOINC || (c.system === undefined && /^\d{1,7}-\d$/.test(c.code ?? '')))
    .flatMap((c) => (c.code ? [c.code] : []));
}

export function hasCode(cc: CodeableConcept | undefined, system: string, code: string): boolean {
  return (cc?.coding ?? []).some((c) => c.system === system && c.code === code);
}

export function textOf(cc: CodeableConcept | undefined): string | undefined {
  return cc?.text ?? cc?.coding?.find((c) => c.display)?.display;
}

const NUMERIC = /^\s*[-+]?\d+(\.\d+)?\s*$/;

export type NumberRead =
  | { ok: true; value: number; unit?: string; comparator?: string; unitText?: string; unitCode?: string }
  | { ok: false; reason: 'no-value' | 'non-numeric'; detail: string };

/** The numeric value of an Observation or component: valueInteger/Decimal/Quantity, or a numeric valueString. */
export function readNumber(v: {
  valueInteger?: number | undefined;
  valueDecimal?: number | undefined;
  valueQuantity?: Quantity | undefined;
  valueString?: string | undefined;
  valueCodeableConcept?: CodeableConcept | undefined;
  valueBoolean?: boolean | undefined;
  dataAbsentReason?: CodeableConcept | undefined;
}): NumberRead {
  if (typeof v.valueInteger === 'number') return { ok: true, value: v.valueInteger };
  if (typeof v.valueDecimal === 'number') return { ok: true, value: v.valueDecimal };
  if (v.valueQuantity) {
    const q = v.valueQuantity;
    if (typeof q.value !== 'number') return { ok: false, reason: 'no-value', detail: 'valueQuantity has no value' };
    const unit = q.code ?? q.unit;
    return {
      ok: true,
      value: q.value,
      ...(unit ? { unit } : {}),
      ...(q.unit ? { unitText: q.unit } : {}),
      ...(q.code ? { unitCode: q.code } : {}),
      ...(q.comparator ? { comparator: q.comparator } : {}),
    };
  }
  if (typeof v.valueString === 'string') {
    if (NUMERIC.test(v.valueString)) return { ok: true, value: Number(v.valueString.trim()) };
    return { ok: false, reason: 'non-numeric', detail: `value "${v.valueString.slice(0, 40)}" is not a number` };
  }
  if (v.valueCodeableConcept)
    return { ok: false, reason: 'non-numeric', detail: `coded value "${textOf(v.valueCodeableConcept) ?? '?'}" is not a number` };
  if (typeof v.valueBoolean === 'boolean') return { ok: false, reason: 'non-numeric', detail: 'boolean value is not a number' };
  const absent = textOf(v.dataAbsentReason) ?? v.dataAbsentReason?.coding?.[0]?.code;
  return { ok: false, reason: 'no-value', detail: absent ? `no value (${absent})` : 'no value' };
}

/** Status check shared by Observations: returns false (and records why) when the entry must be left out. */
export function observationUsable(ctx: MapContext, ref: string, status: string, what: string): boolean {
  if (status === 'entered-in-error') {
    ctx.exclude(ref, 'entered-in-error', `${what} marked entered-in-error`);
    return false;
  }
  if (status === 'cancelled') {
    ctx.exclude(ref, 'cancelled', `${what} cancelled`);
    return false;
  }
  if (!['final', 'amended', 'corrected', 'preliminary'].includes(status)) {
    ctx.exclude(ref, 'other', `${what} has status "${status}" (no result yet)`);
    return false;
  }
  return true;
}

export const roundTo = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
