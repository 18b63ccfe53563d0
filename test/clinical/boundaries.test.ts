// The app may not import engine internals (biome noRestrictedImports in .ci/biome.json): tested by
// attack — a probe file in src/app that imports an engine's parameter table must fail the lint, and the
// same probe importing src/clinical must pass.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(process.cwd(), 'src/app/features/lint-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lint(source: string): { status: number | null; out: string } {
  const file = join(dir, 'probe.ts');
  writeFileSync(file, source);
  const r = spawnSync(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'lint', '--config-path=.ci', '--diagnostic-level=error', file], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the app reads clinical knowledge from src/clinical, never from engine internals', () => {
  it('an import of src/engines/*/params.ts from src/app fails the lint', () => {
    const r = lint("import { RELAPSE_PARAMS } from '../../../engines/relapse/params.ts';\nexport const x = RELAPSE_PARAMS;\n");
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('noRestrictedImports');
  });

  it('so does an import of the engines entry point', () => {
    expect(lint("import { runEngine } from '../../../engines/index.ts';\nexport const x = runEngine;\n").status).not.toBe(0);
  });

  it('the same code reading src/clinical passes', () => {
    const r = lint("import { RELAPSE_LEVELS } from '../../../clinical/index.ts';\nexport const x = RELAPSE_LEVELS;\n");
    expect(r.status, r.out).toBe(0);
  });
});
