/**
 * The proxy's token check (src/server/auth.ts) against the real local sandbox, with no configuration:
 * it introspects as the sandbox's built-in resource server and never needs the fallback read.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { TokenVerifier } from '../../src/server/auth.ts';
import { launchToken, startTestSandbox } from './helpers.ts';

let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(() => sb.close());

it('introspection answers the proxy (200, active), so no authenticated read is needed', async () => {
  const calls: { url: string; status: number }[] = [];
  const recording: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    calls.push({ url: String(input), status: res.status });
    return res;
  };
  const verifier = new TokenVerifier({ fetch: recording });
  const token = (await launchToken(sb, 'relapse', 'patient/*.rs')).access_token;
  expect(await verifier.verify(sb.fhirBase, token)).toBe('valid');
  expect(await verifier.verify(sb.fhirBase, 'not-a-token')).toBe('invalid');
  const introspections = calls.filter((c) => c.url.endsWith('/auth/introspect'));
  expect(introspections.map((c) => c.status)).toEqual([200, 200]);
  expect(calls.some((c) => c.url.includes('/Patient?'))).toBe(false);
});
