import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { fhirGet, launchToken, startTestSandbox, tmpDataDir } from './helpers.ts';

// The five Synthea patients vendored in test/data/synthea-phq (Apache-2.0, see its NOTICE.md).
const SYNTHEA = process.env.SANDBOX_TEST_SYNTHEA ?? resolve(import.meta.dirname, '../data/synthea-phq');

describe('loading external Bundles (SANDBOX_DATA)', () => {
  let sb: SandboxHandle;
  let token: string;

  beforeAll(async () => {
    const dir = tmpDataDir();
    // A collection Bundle with urn:uuid references, plus a file that is not a Bundle.
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Patient', name: [{ family: 'Imported' }] } },
        {
          fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222',
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '44261-6' }] },
            subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' },
            effectiveDateTime: '2024-01-02T10:00:00Z',
            valueInteger: 12,
          },
        },
      ],
    };
    writeFileSync(join(dir, 'imported.json'), JSON.stringify(bundle));
    writeFileSync(join(dir, 'notes.json'), JSON.stringify({ hello: 'world' }));
    sb = await startTestSandbox({ sandboxDataDir: dir });
    token = (await launchToken(sb, 'sparse', 'user/*.rs')).access_token;
  });
  afterAll(() => sb.close());

  it('resolves urn:uuid references of a collection Bundle', async () => {
    const res = await fhirGet(sb, token, 'Observation?patient=11111111-1111-4111-8111-111111111111');
    const bundle = (await res.json()) as Bundle<Observation>;
    expect(bundle.total).toBe(1);
    expect(bundle.entry?.[0]?.resource?.subject?.reference).toBe('Patient/11111111-1111-4111-8111-111111111111');
  });

  it('lists loaded patients on the landing page', async () => {
    const html = await (await fetch(`${sb.url}/`)).text();
    expect(html).toContain('Imported');
    expect(html).toContain('/ehr-launch?patient=improving');
  });
});

describe('loading the Synthea sample (transaction Bundles)', () => {
  let sb: SandboxHandle;

  beforeAll(async () => {
    sb = await startTestSandbox({ sandboxDataDir: SYNTHEA });
  });
  afterAll(() => sb.close());

  it('loads five patients whose PHQ-9 series are reachable by an EHR launch', async () => {
    const user = (await launchToken(sb, 'sparse', 'user/*.rs')).access_token;
    const patients = (await (await fhirGet(sb, user, 'Patient?_count=100')).json()) as Bundle<Patient>;
    const loaded = patients.entry?.map((e) => e.resource as Patient).filter((p) => !p.meta?.tag?.some((t) => t.system === 'urn:tidemark:sandbox')) ?? [];
    expect(loaded).toHaveLength(5);
    const id = loaded[0]?.id as string;
    const token = (await launchToken(sb, id, 'patient/*.rs')).access_token;
    const q = new URLSearchParams({ patient: id, code: 'http://loinc.org|44261-6', _sort: '-date' });
    const phq = (await (await fhirGet(sb, token, `Observation?${q}`)).json()) as Bundle<Observation>;
    expect(phq.total).toBe(16);
    const enc = (await (await fhirGet(sb, token, `Encounter?patient=${id}&_count=1`)).json()) as Bundle;
    expect(enc.total).toBeGreaterThan(0);
  });
});
