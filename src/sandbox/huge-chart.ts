/** A synthetic huge chart (one patient, `n` hourly heart rates) as a SANDBOX_DATA file: the fairness bench and test load it. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeHugeChart(dir: string, n: number, patientId = 'huge'): void {
  const entry: unknown[] = [{ resource: { resourceType: 'Patient', id: patientId, name: [{ family: 'Huge' }] } }];
  for (let i = 0; i < n; i++) {
    entry.push({
      resource: {
        resourceType: 'Observation',
        id: `${patientId}-${i}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: `Patient/${patientId}` },
        effectiveDateTime: new Date(Date.UTC(2015, 0, 1) + i * 3_600_000).toISOString(),
        valueQuantity: { value: 60 + (i % 40), unit: '/min' },
      },
    });
  }
  writeFileSync(join(dir, `${patientId}.json`), JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }));
}
