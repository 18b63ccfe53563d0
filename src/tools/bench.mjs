// `npm run bench`: engine timings, proxy load on loopback, sandbox figures, then EHR launch → summary in
// Chromium on loopback and at EHR latency. Figures only; never part of `npm test`.
import { spawnSync } from 'node:child_process';

let status = 0;
for (const script of ['test/bench/engines.ts', 'test/bench/server.ts', 'src/sandbox/bench.ts', 'test/bench/launch.ts']) {
  console.log(`\n== ${script}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
  status ||= r.status ?? 1;
}
process.exit(status);
