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
  const fast = utcEpochFast(s);
  if (fast !== undefined) return fast;
  const t = s.includes('T') && !HAS_OFFSET.test(s) ? Date.parse(`${s}Z`) : Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

// Fast paths for date handling. Engines read up to 500 assessment dates (and 100 × 200 lab
// readings) per request; Date.parse (~150 ns) and Date#toISOString (~470 ns, measured on Node 20)
// were a fifth of the relapse engine's time in --cpu-prof. The fast paths cover the common exact
// shapes only and give the same result as the built-ins (checked by a property test); anything
// else falls back to the built-ins.

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function digitsAt(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MM:SS.sssZ" with in-range fields → epoch ms; else undefined. */
function utcEpochFast(s: string): number | undefined {
  const n = s.length;
  if (n !== 20 && n !== 24) return undefined;
  // charCodeAt, not s[i]: indexing a string makes a one-character string per check.
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(n - 1) !== 90)
    return undefined;
  if (n === 24 && s.charCodeAt(19) !== 46) return undefined;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const sec = digitsAt(s, 17, 2);
  const ms = n === 24 ? digitsAt(s, 20, 3) : 0;
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ms < 0) return undefined;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return undefined;
  return daysFromCivil(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms;
}

const ISO_FAST_MIN = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const ISO_FAST_END = 253_402_300_800_000; // 10000-01-01T00:00:00.000Z (toISOString switches to ±YYYYYY)
/** Char code of one decimal digit. */
const dc = (n: number): number => 48 + n;

/** Canonical ISO string (e.g. "2026-05-15T00:00:00.000Z"), or null. */
export function toIso(epoch: number | null): string | null {
  if (epoch === null || !Number.isFinite(epoch)) return null;
  if (!Number.isInteger(epoch) || epoch < ISO_FAST_MIN || epoch >= ISO_FAST_END) {
    const d = new Date(epoch);
    return Number.isFinite(d.getTime()) ? d.toISOString() : null;
  }
  // civil_from_days (H. Hinnant), then the 24 fixed-width characters of Date#toISOString built as
  // one flat string (a template literal would leave a dozen intermediate strings per call).
  const days = Math.floor(epoch / DAY_MS);
  let rest = epoch - days * DAY_MS;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const sec = Math.floor(rest / 1000);
  const ms = rest - sec * 1000;
  return String.fromCharCode(
    dc(Math.floor(y / 1000)), dc(Math.floor(y / 100) % 10), dc(Math.floor(y / 10) % 10), dc(y % 10), 45, // YYYY-
    dc(Math.floor(m / 10)), dc(m % 10), 45, dc(Math.floor(d / 10)), dc(d % 10), 84, // MM-DDT
    dc(Math.floor(h / 10)), dc(h % 10), 58, dc(Math.floor(mi / 10)), dc(mi % 10), 58, // hh:mm:
    dc(Math.floor(sec / 10)), dc(sec % 10), 46, // ss.
    dc(Math.floor(ms / 100)), dc(Math.floor(ms / 10) % 10), dc(ms % 10), 90, // sssZ
  );
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

