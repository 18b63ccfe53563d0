// EHR launch → summary in real Chromium, on loopback and at EHR latency (SANDBOX_LATENCY_MS: every
// FHIR and auth response that many ms late, as a hosted EHR), for the `relapse` and `longterm`
// patients; and the sequential EHR round trips on the critical path, from the difference:
// (time at L ms − time at 0 ms) / L. Figures only (`npm run bench`); needs the built app (dist/) and
// /usr/bin/chromium. Env: BENCH_LATENCY_MS (100), BENCH_RUNS (5).
import { existsSync } from 'node:fs';
import { launchBrowser, startStack, type Stack } from '../e2e/harness.ts';

const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PATIENTS = ['relapse', 'longterm'] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median ms from the EHR's launch link to the summary's headline, per patient. */
async function measure(stack: Stack): Promise<Record<string, number[]>> {
  const browser = await launchBrowser();
  const out: Record<string, number[]> = {};
  try {
    for (const patient of PATIENTS) {
      out[patient] = [];
      for (let i = 0; i < RUNS + 1; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const t0 = performance.now();
        await page.goto(`${stack.sandboxUrl}/ehr-launch?patient=${patient}`);
        await page.locator('.summary__lead').waitFor({ state: 'visible', timeout: 60_000 });
        // The first run warms the proxy's discovery cache and the sandbox's indexes: not counted.
        if (i > 0) out[patient]!.push(Math.round(performance.now() - t0));
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return out;
}

/** Does the sandbox delay its responses (SANDBOX_LATENCY_MS is the sandbox's, issue 10)? */
async function latencyApplied(stack: Stack): Promise<boolean> {
  const t0 = performance.now();
  await fetch(`${stack.fhirBase}/metadata`).then((r) => r.arrayBuffer());
  return performance.now() - t0 >= LATENCY * 0.9;
}

async function main(): Promise<void> {
  if (!existsSync('dist/index.html')) {
    console.log('launch bench: dist/ is missing — run `npm run build` first');
    process.exit(1);
  }
  const results: Record<number, Record<string, number[]>> = {};
  let applied = true;
  for (const latency of [0, LATENCY]) {
    const stack = await startStack({ SANDBOX_LATENCY_MS: String(latency) });
    try {
      if (latency > 0) applied = await latencyApplied(stack);
      results[latency] = await measure(stack);
    } finally {
      await stack.close();
    }
  }
  console.log(`EHR launch → summary visible, median of ${RUNS} (ms):`);
  for (const p of PATIENTS) {
    const fast = median(results[0]![p]!);
    const slow = median(results[LATENCY]![p]!);
    const trips = (slow - fast) / LATENCY;
    console.log(
      `  ${p.padEnd(9)} loopback ${String(fast).padStart(5)}   at ${LATENCY} ms ${String(slow).padStart(5)}   ≈ ${trips.toFixed(1)} sequential EHR round trips` +
        `   (runs: ${results[0]![p]!.join(',')} | ${results[LATENCY]![p]!.join(',')})`,
    );
  }
  if (!applied) console.log(`  (this sandbox does not apply SANDBOX_LATENCY_MS: both columns are loopback)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
