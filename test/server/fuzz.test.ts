// 1,000 randomly malformed bodies (seeded) against the running server: every one gets a 4xx
// error envelope, never a 500.
import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { ENDPOINTS, ENGINE_NAMES, errorEnvelope, type EngineName } from '../../src/contract/index.ts';
import { authHeaders, fakeFhir, startTest } from './helpers.ts';
import { EXAMPLE_REQUESTS } from './fixtures.ts';

let fhir: Awaited<ReturnType<typeof fakeFhir>>;
let srv: Awaited<ReturnType<typeof startTest>>;
beforeAll(async () => {
  fhir = await fakeFhir();
  // Real embedded backend: a body that slipped through validation would reach the engines.
  srv = await startTest({ fhirServers: [fhir.base], rateLimitPerMinute: 1_000_000, rateLimitIpPerMinute: 1_000_000 });
});
afterAll(async () => {
  await srv?.close();
  await fhir?.close();
});

type Json = unknown;
const junk: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER * 1000, -0, 1e-320, 2 ** 64),
  fc.string({ maxLength: 40 }),
  fc.constant('x'.repeat(5000)),
  fc.constant(null),
  fc.array(fc.constant({}), { maxLength: 600 }),
  fc.constant({ __proto__: { polluted: true } }),
  fc.integer({ min: 1, max: 2000 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as Json),
);

function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const out: (string | number)[][] = [prefix];
  for (const [k, c] of Object.entries(v)) out.push(...paths(c, [...prefix, Array.isArray(v) ? Number(k) : k]));
  return out;
}

function mutate(v: Json, path: (string | number)[], op: 'replace' | 'delete' | 'add', value: Json): Json {
  if (path.length === 0) return op === 'delete' ? undefined : value;
  const copy = structuredClone(v) as Record<string | number, Json>;
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (op === 'delete') delete cur[last];
  else if (op === 'add') cur[`zz_${String(last)}`] = value;
  else cur[last] = value;
  return copy;
}

const engineArb = fc.constantFrom(...ENGINE_NAMES);
const bodyArb: fc.Arbitrary<{ engine: EngineName; body: string }> = fc.oneof(
  // wrong types / huge numbers / nested junk / missing or extra fields, deep inside a valid example
  fc
    .tuple(engineArb, fc.nat(), fc.constantFrom('replace', 'delete', 'add') as fc.Arbitrary<'replace' | 'delete' | 'add'>, junk)
    .map(([engine, i, op, value]) => {
      const example = EXAMPLE_REQUESTS[engine];
      const ps = paths(example);
      return { engine, body: JSON.stringify(mutate(example, ps[i % ps.length]!, op, value)) ?? '' };
    }),
  // any JSON document
  fc.tuple(engineArb, junk).map(([engine, v]) => ({ engine, body: JSON.stringify(v) ?? 'undefined' })),
  // broken JSON: truncated, garbage, binary
  fc.tuple(engineArb, fc.nat()).map(([engine, n]) => {
    const s = JSON.stringify(EXAMPLE_REQUESTS[engine]);
    return { engine, body: s.slice(0, n % s.length) };
  }),
  fc.tuple(engineArb, fc.string({ maxLength: 200 })).map(([engine, s]) => ({ engine, body: `{${s}` })),
  fc.tuple(engineArb, fc.uint8Array({ maxLength: 200 })).map(([engine, b]) => ({ engine, body: Buffer.from(b).toString('latin1') })),
  fc.tuple(engineArb, fc.integer({ min: 1000, max: 200_000 })).map(([engine, n]) => ({ engine, body: '['.repeat(n) })),
);

function isMalformed(engine: EngineName, body: string): boolean {
  try {
    return !ENDPOINTS[engine].request.safeParse(JSON.parse(body)).success;
  } catch {
    return true;
  }
}

it('1,000 malformed bodies → 4xx envelopes, never 500', async () => {
  const cases = fc
    .sample(bodyArb, { seed: 20260703, numRuns: 1400 })
    .filter((c) => isMalformed(c.engine, c.body))
    .slice(0, 1000);
  expect(cases).toHaveLength(1000);

  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  async function worker() {
    while (next < cases.length) {
      const c = cases[next++]!;
      const res = await fetch(`${srv.url}/api/v1${ENDPOINTS[c.engine].path}`, { method: 'POST', headers: authHeaders(fhir.base), body: c.body });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      let ok = res.status >= 400 && res.status < 500;
      try {
        const env = errorEnvelope.parse(JSON.parse(text));
        ok &&= env.requestId === res.headers.get('x-request-id');
      } catch {
        ok = false;
      }
      if (!ok && failures.length < 5) failures.push(`${res.status} ${c.engine} ${c.body.slice(0, 120)} → ${text.slice(0, 200)}`);
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker));
  expect(failures).toEqual([]);
  expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
}, 60_000);
