// The default backend: the embedded engines behind the full HTTP stack. Every engine answers the
// reference example with a contract-valid envelope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS, ENGINE_NAMES, successEnvelope } from '../../src/contract/index.ts';
import { authHeaders, fakeFhir, startTest } from './helpers.ts';
import { EXAMPLE_REQUESTS } from './fixtures.ts';

let fhir: Awaited<ReturnType<typeof fakeFhir>>;
let srv: Awaited<ReturnType<typeof startTest>>;
beforeAll(async () => {
  fhir = await fakeFhir();
  srv = await startTest({ fhirServers: [fhir.base] });
});
afterAll(async () => {
  await srv?.close();
  await fhir?.close();
});

describe('embedded engines over HTTP', () => {
  for (const engine of ENGINE_NAMES) {
    it(`POST /api/v1${ENDPOINTS[engine].path} → 200 contract envelope`, async () => {
      const res = await fetch(`${srv.url}/api/v1${ENDPOINTS[engine].path}`, {
        method: 'POST',
        headers: authHeaders(fhir.base),
        body: JSON.stringify(EXAMPLE_REQUESTS[engine]),
      });
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(200);
      const parsed = successEnvelope(ENDPOINTS[engine].response).safeParse(JSON.parse(text));
      expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 5))).toBe(true);
      expect(parsed.data!.requestId).toBe(res.headers.get('x-request-id'));
      const line = srv.logs.lines.map((l) => JSON.parse(l)).find((l) => l.requestId === parsed.data!.requestId);
      expect(line).toMatchObject({ status: 200, backend: 'embedded', route: `/api/v1${ENDPOINTS[engine].path}` });
    });
  }
});
