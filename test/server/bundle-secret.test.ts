// The built browser bundle (dist/) must never contain the engine key. `npm test` builds first;
// a missing dist/ is a failure, not a skip.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DOUBLE_ACCOUNT } from '../../src/sandbox/voice-double/index.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

it('dist/ contains no ENGINE_API_KEY / VOICE_API_KEY value and no server-only secrets', () => {
  const dist = join(import.meta.dirname, '../../dist');
  expect(existsSync(dist), 'dist/ is missing: run `npm run build` (npm test builds it first)').toBe(true);
  const all = files(dist);
  expect(all.length).toBeGreaterThan(0);
  const needles = ['ENGINE_API_KEY', 'att_sk_', 'VOICE_API_KEY', 'VOICE_WEBHOOK_SECRET', 'X-API-Key', DOUBLE_ACCOUNT.apiKey].map((n) => ({ n, label: n }));
  // The configured values themselves (named, never printed).
  for (const v of ['ENGINE_API_KEY', 'VOICE_API_KEY', 'VOICE_WEBHOOK_SECRET']) if (process.env[v]) needles.push({ n: process.env[v]!, label: `the ${v} value` });
  for (const f of all) {
    const text = readFileSync(f, 'latin1');
    for (const { n, label } of needles) expect(text.includes(n), `${f} contains ${label}`).toBe(false);
  }
});
