// Small pure helpers shared by the engines: rounding, clamping, dates, text. No I/O, no clock.

/** Finite or fallback: NaN/Infinity never leave an engine. */
export function finite(x: number, fallback = 0): number {
  return Number.isFinite(x) ? x : fallback;
}

export function clamp(x: number, lo: number, hi: number): number {
  const v = finite(x, lo);
  return v < lo ? lo : v > hi ? hi : v;
}

/** Round half away from zero at `digits` decimals; -0 becomes 0. */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  const v = finite(x);
  const r = (Math.sign(v) * Math.round(Math.abs(v) * f)) / f;
  return r === 0 ? 0 : r;
}

/** Safe division: 0 when the denominator is 0 or the result is not finite. */
export function div(a: number, b: number): number {
  if (b === 0) return 0;
  return finite(a / b);
}

/** Human number: at most `digits` decimals, no trailing zeros. */
export function fmt(x: number, digits = 1): string {
  return String(round(x, digits));
}

/** Signed human number: "+6", "-6", "0". */
export function signed(x: number, digits = 1): string {
  const r = round(x, digits);
  return r > 0 ? `+${r}` : String(r);
}

const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Epoch milliseconds of a contract date. Date-only and offset-less ("local") date-times are read
 * as UTC so the result never depends on the server's time zone. NaN-safe: unparsable → null.
 */
export function toEpoch(s: string | undefined | null): number | null {
  if (!s) return null;
  const t = s.includes('T') && !HAS_OFFSET.test(s) ? Date.parse(`${s}Z`) : Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

/** Canonical ISO string (e.g. "2026-05-15T00:00:00.000Z"), or null. */
export function toIso(epoch: number | null): string | null {
  if (epoch === null || !Number.isFinite(epoch)) return null;
  const d = new Date(epoch);
  return Number.isFinite(d.getTime()) ? d.toISOString() : null;
}

export function isoDay(epoch: number | null): string {
  const iso = toIso(epoch);
  return iso ? iso.slice(0, 10) : 'unknown date';
}

export const DAY_MS = 86_400_000;

/** Lower-case slug for keys: "Vitamin D (25-OH)" → "vitamin_d_25_oh". */
export function slug(s: string): string {
  const out = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return out || 'unnamed';
}

/** Lower-case alphanumerics only, for matching names: "PHQ-9" → "phq9". */
export function norm(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

export function capitalize(s: string): string {
  return s.length ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** ISO string of the injected clock (never throws, even for an invalid Date). */
export function nowIso(now: Date): string {
  return toIso(now.getTime()) ?? '1970-01-01T00:00:00.000Z';
}
