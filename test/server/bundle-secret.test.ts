// The built browser bundle (dist/) must never contain the engine key. `npm test` builds first;
// a missing dist/ is a failure, not a skip.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

it('dist/ contains no ENGINE_API_KEY value and no server-only secrets', () => {
  const dist = join(import.meta.dirname, '../../dist');
  expect(existsSync(dist), 'dist/ is missing: run `npm run build` (npm test builds it first)').toBe(true);
  const all = files(dist);
  expect(all.length).toBeGreaterThan(0);
  const needles = ['ENGINE_API_KEY', 'att_sk_'];
  if (process.env.ENGINE_API_KEY) needles.push(process.env.ENGINE_API_KEY);
  for (const f of all) {
    const text = readFileSync(f, 'latin1');
    for (const n of needles) expect(text.includes(n), `${f} contains ${n === process.env.ENGINE_API_KEY ? 'the key' : n}`).toBe(false);
  }
});
