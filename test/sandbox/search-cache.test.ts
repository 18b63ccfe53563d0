// Next pages of a search are cut from its first scan (src/sandbox/search-cache.ts), per token, and only
// while nothing was written: over HTTP, a write between pages shows at once, and two tokens with the
// same query never see each other's matches.
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { fhirGet, fhirPost, launchToken, startTestSandbox } from './helpers.ts';

const QUERY = 'Observation?_count=7&_sort=date';

async function page(sb: SandboxHandle, token: string, offset: number): Promise<Bundle> {
  const res = await fhirGet(sb, token, `${QUERY}&_offset=${offset}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Bundle;
}

const ids = (b: Bundle) => (b.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);

describe('a search paged through link[next]', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  it('pages cover every match once, in order, for each token separately', async () => {
    const a = (await launchToken(sb, 'relapse', 'launch patient/Observation.rs')).access_token;
    const b = (await launchToken(sb, 'improving', 'launch patient/Observation.rs')).access_token;
    for (const [token, patient] of [[a, 'relapse'], [b, 'improving']] as const) {
      const first = await page(sb, token, 0);
      const seen: string[] = [];
      for (let offset = 0; offset < (first.total ?? 0); offset += 7) seen.push(...ids(await page(sb, token, offset)));
      expect(seen).toHaveLength(first.total ?? -1);
      expect(new Set(seen).size).toBe(seen.length);
      const all = (await (await fhirGet(sb, token, 'Observation?_count=1000&_sort=date')).json()) as Bundle;
      expect(seen).toEqual(ids(all));
      for (const e of all.entry ?? []) expect(JSON.stringify(e.resource)).toContain(`Patient/${patient}`);
    }
  });

  it('a write between two pages is in the next answer: total and pages follow it', async () => {
    const token = (await launchToken(sb, 'relapse', 'launch patient/Observation.rs patient/Observation.c')).access_token;
    const before = await page(sb, token, 7);
    const res = await fhirPost(sb, token, 'Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '93832-4', display: 'Sleep duration' }] },
      subject: { reference: 'Patient/relapse' },
      effectiveDateTime: '1990-01-01T00:00:00Z',
      valueQuantity: { value: 7, unit: 'h', system: 'http://unitsofmeasure.org', code: 'h' },
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string };
    const after = await page(sb, token, 0);
    expect(after.total).toBe((before.total ?? 0) + 1);
    expect(ids(after)[0]).toBe(`Observation/${created.id}`); // the oldest date sorts first
  });
});
