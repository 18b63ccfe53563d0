// `npm test`: typecheck, lint, build the app (the browser suite serves it), then every vitest suite
// (node, ui, e2e in real headless Chromium). Ends with one line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const report = '.vitest-report.json';
const extra = process.argv.slice(2);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  return r.status ?? 1;
}

let stepFailures = 0;
for (const [name, cmd, args] of [
  ['typecheck', 'npx', ['tsc', '--noEmit']],
  ['lint', 'npx', ['biome', 'lint', '--config-path=.ci', '--diagnostic-level=error']],
  ['build', 'npx', ['vite', 'build', '--logLevel', 'warn']],
]) {
  console.log(`\n== ${name}`);
  if (run(cmd, args) !== 0) {
    console.error(`${name} failed`);
    stepFailures += 1;
  }
}

rmSync(report, { force: true });
console.log('\n== vitest');
const vitestStatus = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...extra]);

let passed = 0;
let failed = stepFailures;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed += r.numFailedTests + (r.numFailedTestSuites > 0 && r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
} else if (vitestStatus !== 0) {
  failed += 1;
}
if (vitestStatus !== 0 && failed === 0) failed = 1;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
