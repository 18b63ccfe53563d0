// A MedicationStatement restating a MedicationRequest is one medication, not two (issue 5: duplicates merged).
import { describe, expect, it } from 'vitest';
import type { Prescription } from '../../src/contract/index.ts';
import { mergeDuplicatePrescriptions } from '../../src/fhir/read/medications.ts';
import { MapContext } from '../../src/fhir/read/values.ts';

const rx = (id: string, p: Partial<Prescription> = {}): Prescription => ({
  id,
  medicationName: 'Escitalopram',
  rxnorm: '321988',
  status: 'active',
  prescribedAt: '2026-10-04T10:00:00Z',
  ...p,
});

describe('mergeDuplicatePrescriptions', () => {
  it('merges a statement into the order with the same ingredient and start day, and counts it', () => {
    const ctx = new MapContext();
    const out = mergeDuplicatePrescriptions(ctx, [rx('MedicationRequest/a'), rx('MedicationStatement/b', { prescribedAt: '2026-10-04T16:00:00Z' })]);
    expect(out.map((p) => p.id)).toEqual(['MedicationRequest/a']);
    expect(ctx.excluded).toEqual([expect.objectContaining({ sourceRef: 'MedicationStatement/b', reason: 'duplicate' })]);
  });

  it('keeps statements that differ in start day, stop day or ingredient, and never merges two orders', () => {
    const ctx = new MapContext();
    const list = [
      rx('MedicationRequest/a'),
      rx('MedicationRequest/a2'),
      rx('MedicationStatement/other-day', { prescribedAt: '2026-09-01T10:00:00Z' }),
      rx('MedicationStatement/stopped', { stoppedAt: '2026-11-01T10:00:00Z' }),
      rx('MedicationStatement/other-drug', { rxnorm: '36437', medicationName: 'Sertraline' }),
    ];
    expect(mergeDuplicatePrescriptions(ctx, list)).toHaveLength(5);
    expect(ctx.excluded).toHaveLength(0);
  });
});
