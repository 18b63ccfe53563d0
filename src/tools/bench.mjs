// `npm run bench`: engine timings, proxy load on loopback, sandbox, population, CDS Hooks service times, voice analysis speed, EHR launch → summary in Chromium on loopback and at EHR latency. Figures only; never part of `npm test`.
import { spawnSync } from 'node:child_process';

let status = 0;
// test/bench/population.ts: N generated patients, 1,000 by default; BENCH_POPULATION=10000 for the full figures.
// test/bench/population-run.ts: the population run and the care-team screen (BENCH_RUN_POPULATION, default 1,000).
for (const script of ['test/bench/engines.ts', 'test/bench/server.ts', 'src/sandbox/bench.ts', 'test/bench/population.ts', 'test/bench/population-run.ts', 'test/bench/cds.ts', 'test/bench/voice.ts', 'test/bench/launch.ts']) {
  console.log(`\n== ${script}`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { stdio: 'inherit' });
  status ||= r.status ?? 1;
}
process.exit(status);
