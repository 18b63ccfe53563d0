// The engines' fast date paths (toEpoch / toIso) must agree exactly with Date.parse / toISOString.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toEpoch, toIso } from '../../src/engines/common/util.ts';

/** The reference behaviour: the built-ins, as toEpoch/toIso were before the fast paths. */
function refEpoch(s: string): number | null {
  if (!s) return null;
  const t = s.includes('T') && !/(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? Date.parse(`${s}Z`) : Date.parse(s);
  return Number.isFinite(t) ? t : null;
}
function refIso(epoch: number): string | null {
  if (!Number.isFinite(epoch)) return null;
  const d = new Date(epoch);
  return Number.isFinite(d.getTime()) ? d.toISOString() : null;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

describe('engine date helpers', () => {
  it('toIso matches Date#toISOString for any epoch', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.integer({ min: -7e13, max: 2.6e14 }), fc.double()), (e) => {
        expect(toIso(e)).toBe(refIso(e));
      }),
      { numRuns: 20_000 },
    );
    for (const e of [0, -1, 1, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 951_782_400_000, 8.64e15, -8.64e15, 8.64e15 + 1, 0.5, -0.5, -0])
      expect(toIso(e)).toBe(refIso(e));
  });

  it('toEpoch matches Date.parse on exact and near-miss ISO date-times', () => {
    const field = (max: number, w: number) => fc.integer({ min: 0, max }).map((n) => pad(n, w));
    const stamp = fc
      .tuple(field(9999, 4), field(13, 2), field(32, 2), field(25, 2), field(60, 2), field(60, 2), fc.option(field(999, 3)), fc.constantFrom('Z', 'z', '', '+01:00', 'Z '))
      .map(([y, mo, d, h, mi, s, ms, tz]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${ms === null ? '' : `.${ms}`}${tz}`);
    fc.assert(
      fc.property(fc.oneof(stamp, fc.string(), fc.string({ unit: fc.constantFrom('0', '1', '2', '9', '-', ':', 'T', 'Z', '.') , minLength: 18, maxLength: 26 })), (s) => {
        expect(toEpoch(s)).toBe(refEpoch(s));
      }),
      { numRuns: 20_000 },
    );
    for (const s of ['2024-02-29T12:00:00Z', '2023-02-29T12:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-06-15T24:00:00Z', '2026-06-15T00:00:60Z', '2026-06-15', '2026-06-15T00:00:00'])
      expect(toEpoch(s)).toBe(refEpoch(s));
  });
});
