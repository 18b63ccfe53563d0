// The browser suite: the whole stack (sandbox EHR + app/proxy server) driven by real headless
// Chromium. One stack and one browser are shared by every test in this file (2-core CI budget).
// Order matters: the write-back loop runs last because it writes to the sandbox and restarts it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS, type RelapseResponse } from '../../src/contract/index.ts';
import { runEngine } from '../../src/engines/index.ts';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { launchToken, type TokenResponse } from '../sandbox/helpers.ts';
import { axeViolations, describeViolations } from './axe.ts';
import { ARTIFACTS, launchBrowser, startStack, type Stack } from './harness.ts';

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
const timings: Record<string, unknown> = {};

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
});

afterAll(async () => {
  writeFileSync(join(ARTIFACTS, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await stack?.close();
});

async function newPage(width = 1024, height = 800): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

async function closePage(page: Page): Promise<void> {
  const context = page.context();
  contexts.splice(contexts.indexOf(context), 1);
  await context.close();
}

const launchUrl = (patient: string, extra = '') => `${stack.sandboxUrl}/ehr-launch?patient=${encodeURIComponent(patient)}${extra}`;

/**
 * EHR launch from the sandbox; resolves when the summary's headline is on screen. `total`: from the
 * click on the EHR's launch link (ehr-launch → /launch/ → authorize → app); `app`: from the app
 * page's own navigation start (token exchange, chart reads, engines, render).
 */
async function launchTimed(page: Page, patient: string): Promise<{ total: number; app: number }> {
  const t0 = performance.now();
  await page.goto(launchUrl(patient));
  await page.locator('.summary__lead').waitFor({ state: 'visible' });
  const total = performance.now() - t0;
  const app = await page.evaluate(() => performance.now());
  return { total: Math.round(total), app: Math.round(app) };
}

async function launch(page: Page, patient: string): Promise<number> {
  return (await launchTimed(page, patient)).total;
}

/** Every engine finished and every lazy chart rendered (nothing left in a loading state). */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
}

/** axe-core finds no WCAG 2.1 A/AA or best-practice violation on the page as it is now. */
async function expectAccessible(page: Page, where: string): Promise<void> {
  const violations = await axeViolations(page);
  expect(violations, `${where}:\n${describeViolations(violations)}`).toEqual([]);
}

const fmt = (n: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(n);
const humanize = (s: string) => {
  const t = s.replace(/[_-]+/g, ' ').trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// --- direct FHIR access to the sandbox (the OAuth flow done by a script, as the README promises) ---
function sandboxHandle(): SandboxHandle {
  return { url: stack.sandboxUrl, fhirBase: stack.fhirBase, startupMs: 0, close: async () => undefined };
}

async function tidemarkObservations(patient: string): Promise<{ id: string; identifier: string; code: string }[]> {
  const token: TokenResponse = await launchToken(sandboxHandle(), patient, 'patient/Observation.rs');
  const out: { id: string; identifier: string; code: string }[] = [];
  let url: string | undefined = `${stack.fhirBase}/Observation?${new URLSearchParams({ patient, _count: '500' })}`;
  while (url) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token.access_token}`, accept: 'application/fhir+json' } });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as {
      entry?: { resource: { id: string; identifier?: { system?: string; value?: string }[]; code?: { coding?: { code?: string }[] } } }[];
      link?: { relation: string; url: string }[];
    };
    for (const e of bundle.entry ?? []) {
      const id = e.resource.identifier?.find((i) => i.system === 'urn:tidemark:result');
      if (id?.value) out.push({ id: e.resource.id, identifier: id.value, code: e.resource.code?.coding?.[0]?.code ?? '' });
    }
    url = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  return out;
}

describe('Tidemark in Chromium, launched from the sandbox EHR', () => {
  it('relapse: the numbers on screen are the proxy response, which is the engine’s own output', async () => {
    const page = await newPage(1024, 800);
    const predict = page.waitForResponse((r) => r.url().endsWith('/api/v1/relapse/predict') && r.request().method() === 'POST');
    await launch(page, 'relapse');
    const response = await predict;
    expect(response.status()).toBe(200);
    const body = response.request().postDataJSON() as unknown;
    const envelope = (await response.json()) as { ok: boolean; data: RelapseResponse };
    expect(envelope.ok).toBe(true);
    const data = envelope.data;

    const card = page.locator('article[data-engine="relapse"]');
    await card.locator('.relapse__number').waitFor();
    expect(await card.locator('.relapse__number').textContent()).toBe(fmt(data.score));
    expect(await card.locator('.relapse__score').textContent()).toContain(humanize(data.level));
    expect(data.factors.length).toBeGreaterThan(0);
    for (const f of data.factors) {
      const points = card.locator(`li[data-factor="${f.key}"] .factor__points`);
      expect(await points.textContent()).toBe(f.available ? `${fmt(f.points)} of ${fmt(f.maxPoints)} points` : 'no data');
    }

    // Recompute independently with the engine, on the exact request the browser sent.
    const request = ENDPOINTS.relapse.request.parse(body);
    const own = runEngine('relapse', request, { now: new Date(data.generatedAt) });
    expect({ score: data.score, level: data.level }).toEqual({ score: own.score, level: own.level });
    expect(data.factors.map((f) => [f.key, f.points, f.maxPoints])).toEqual(own.factors.map((f) => [f.key, f.points, f.maxPoints]));

    await settled(page);
    await expectAccessible(page, 'relapse patient page');
    await page.screenshot({ path: join(ARTIFACTS, 'relapse-1024.png'), fullPage: true });
    await page.setViewportSize({ width: 360, height: 800 });
    await page.waitForTimeout(300); // recharts' ResponsiveContainer re-measures
    await page.screenshot({ path: join(ARTIFACTS, 'relapse-360.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, 'no horizontal scrolling of the page at 360 px').toBeLessThanOrEqual(0);
    await closePage(page);
  });

  it('item9: the safety banner is visible with the date and the answer', async () => {
    const page = await newPage(1024, 800);
    await launch(page, 'item9');
    const banner = page.getByRole('alert').filter({ hasText: 'PHQ-9 item 9 positive' });
    await expect(banner.isVisible()).resolves.toBe(true);
    const text = (await banner.textContent()) ?? '';
    expect(text).toMatch(/On \d{1,2} [A-Z][a-z]{2} \d{4} the patient answered/);
    expect(text).toMatch(/\(2 of 3\)/);
    expect(text).toMatch(/suicide-risk protocol/);
    // The banner is the first thing in the main content.
    const first = await page.evaluate(() => document.querySelector('#main > :not(h1)')?.className);
    expect(first).toContain('safety-banner');
    await settled(page);
    await expectAccessible(page, 'item9 patient page');
    await page.screenshot({ path: join(ARTIFACTS, 'item9-1024.png'), fullPage: true });
    await page.setViewportSize({ width: 360, height: 800 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, 'item9-360.png') });
    await closePage(page);
  });

  it('item 9 outside a scored PHQ-9: a standalone Observation and an in-progress questionnaire each show the banner', async () => {
    for (const [patient, answer, text] of [
      ['item9-observation', 2, 'More than half the days'],
      ['item9-in-progress', 1, 'Several days'],
    ] as const) {
      const page = await newPage(1024, 800);
      await launch(page, patient);
      const banner = page.getByRole('alert').filter({ hasText: 'PHQ-9 item 9 positive' });
      await banner.waitFor();
      const body = (await banner.textContent()) ?? '';
      expect(body).toMatch(/On \d{1,2} [A-Z][a-z]{2} \d{4} the patient answered/);
      expect(body).toContain(`“${text}” (${answer} of 3)`);
      expect(body).toMatch(/C-SSRS/);
      if (patient === 'item9-in-progress') expect(body).toContain('charted as in-progress');
      // The banner leads the page, and the relapse card does not advise routine monitoring beside it.
      expect(await page.evaluate(() => document.querySelector('#main > :not(h1)')?.className)).toContain('safety-banner');
      const card = page.locator('article[data-engine="relapse"]');
      await card.locator('.relapse__recommendation').waitFor();
      expect(await card.locator('.relapse__recommendation').textContent()).toMatch(/same-day suicide-risk assessment/);
      expect(await card.textContent()).not.toMatch(/routine monitoring/i);
      await settled(page);
      await page.screenshot({ path: join(ARTIFACTS, `${patient}-1024.png`), fullPage: true });
      await closePage(page);
    }
  });

  it('clozapine: a critical ANC sent without a flag or range is on the alert banner with its date and source', async () => {
    const page = await newPage(1024, 800);
    await launch(page, 'clozapine');
    const banner = page.getByRole('alert').filter({ hasText: 'Critical lab value' });
    await banner.waitFor();
    const body = (await banner.textContent()) ?? '';
    expect(body).toMatch(/Absolute neutrophil count 0\.4 ×10³\/µL on \d{1,2} [A-Z][a-z]{2} \d{4} \(< 1 ×10³\/µL\)/);
    expect(body).toMatch(/severe neutropenia/);
    expect(body).toMatch(/Observation\/clozapine-lab-751-8-\d+/);
    await settled(page);
    await page.screenshot({ path: join(ARTIFACTS, 'clozapine-1024.png'), fullPage: true });
    await closePage(page);
  });

  it('error paths: denied access and a visit without a launch show clear messages', async () => {
    const page = await newPage(1024, 800);
    await page.goto(launchUrl('relapse', '&sim=access_denied'));
    const denied = page.getByRole('alert');
    await denied.waitFor();
    expect(await denied.locator('h1').textContent()).toBe('Access was not granted');
    expect(await denied.textContent()).toMatch(/Relaunch from the EHR/);
    await expectAccessible(page, 'access denied page');
    await page.screenshot({ path: join(ARTIFACTS, 'error-denied.png') });

    // The app's URL opened in the same tab afterwards (a stale, token-less session in sessionStorage) …
    await page.goto(`${stack.appUrl}/`);
    const stale = page.getByRole('alert');
    await stale.waitFor();
    expect(await stale.textContent()).toMatch(/relaunch Tidemark from the EHR/i);
    await closePage(page);

    // … and in a fresh tab, without any launch.
    const fresh = await newPage(1024, 800);
    await fresh.goto(`${stack.appUrl}/`);
    const relaunch = fresh.getByRole('alert');
    await relaunch.waitFor();
    expect(await relaunch.textContent()).toMatch(/relaunch Tidemark from the EHR/i);
    await expectAccessible(fresh, 'no-launch page');
    await fresh.screenshot({ path: join(ARTIFACTS, 'error-no-launch.png') });
    await closePage(fresh);
  });

  it('figures: launch → summary visible (median of 3) and the initial JS gzip size', async () => {
    const launches: Record<string, number[]> = { relapse: [], longterm: [] };
    const inApp: Record<string, number[]> = { relapse: [], longterm: [] };
    for (const patient of ['relapse', 'longterm'] as const) {
      for (let i = 0; i < 3; i++) {
        const page = await newPage(1024, 800);
        const t = await launchTimed(page, patient);
        launches[patient]!.push(t.total);
        inApp[patient]!.push(t.app);
        if (patient === 'longterm' && i === 0) {
          await settled(page);
          await expectAccessible(page, 'longterm patient page');
          await page.screenshot({ path: join(ARTIFACTS, 'longterm-1024.png'), fullPage: true });
        }
        await closePage(page);
      }
    }
    // The JS index.html loads before anything renders: its entry script and the modulepreloads.
    const html = readFileSync('dist/index.html', 'utf8');
    const files = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(0);
    const gzip = (f: string) => gzipSync(readFileSync(join('dist', f)), { level: 9 }).length;
    const initialBytes = files.reduce((sum, f) => sum + gzip(f), 0);
    // The app bundle main.tsx imports right away, in parallel with the token exchange.
    const appRoot = [...readFileSync(join('dist', files[0]!), 'utf8').matchAll(/assets\/(app-root-[\w-]+\.js)/g)].map((m) => `assets/${m[1]}`);
    const beforeSummary = [...new Set([...files, ...appRoot])].reduce((sum, f) => sum + gzip(f), 0);

    Object.assign(timings, {
      launchToSummaryMs: {
        relapse: { runs: launches.relapse, median: median(launches.relapse!) },
        longterm: { runs: launches.longterm, median: median(launches.longterm!) },
      },
      appPageToSummaryMs: {
        relapse: { runs: inApp.relapse, median: median(inApp.relapse!) },
        longterm: { runs: inApp.longterm, median: median(inApp.longterm!) },
      },
      initialJsGzipBytes: { files, total: initialBytes, kb: Math.round(initialBytes / 102.4) / 10 },
      jsBeforeSummaryGzipBytes: { files: [...new Set([...files, ...appRoot])], total: beforeSummary, kb: Math.round(beforeSummary / 102.4) / 10 },
    });
    console.log(`launch → summary: relapse ${launches.relapse} ms (median ${median(launches.relapse!)}), longterm ${launches.longterm} ms (median ${median(launches.longterm!)})`);
    console.log(`app page → summary: relapse ${inApp.relapse} ms (median ${median(inApp.relapse!)}), longterm ${inApp.longterm} ms (median ${median(inApp.longterm!)})`);
    console.log(`initial JS gzip ${(initialBytes / 1024).toFixed(1)} KB (${files.join(', ')}); with the app bundle ${(beforeSummary / 1024).toFixed(1)} KB`);
  });

  it('figures at EHR latency: launch → summary with every FHIR and auth response 100 ms late (reported, not asserted)', async () => {
    const LATENCY = 100;
    const slow = await startStack({ SANDBOX_LATENCY_MS: String(LATENCY) });
    try {
      const t0 = performance.now();
      await fetch(`${slow.fhirBase}/metadata`).then((r) => r.arrayBuffer());
      const applied = performance.now() - t0 >= LATENCY * 0.9;
      const runs: Record<string, number[]> = { relapse: [], longterm: [] };
      for (const patient of ['relapse', 'longterm'] as const) {
        for (let i = 0; i < 4; i++) {
          const page = await newPage(1024, 800);
          const started = performance.now();
          await page.goto(`${slow.sandboxUrl}/ehr-launch?patient=${patient}`);
          await page.locator('.summary__lead').waitFor({ state: 'visible' });
          // The first launch warms the proxy's discovery cache and the sandbox: not counted.
          if (i > 0) runs[patient]!.push(Math.round(performance.now() - started));
          await closePage(page);
        }
      }
      const loopback = timings.launchToSummaryMs as Record<string, { median: number }> | undefined;
      timings.launchToSummaryAtLatencyMs = {
        sandboxLatencyMs: LATENCY,
        latencyApplied: applied,
        goalMs: { relapse: 1500, longterm: 2500 },
        relapse: { runs: runs.relapse, median: median(runs.relapse!) },
        longterm: { runs: runs.longterm, median: median(runs.longterm!) },
        // (median at latency − median on loopback) / latency: the sequential EHR round trips on the critical path
        roundTrips: loopback
          ? {
              relapse: Math.round(((median(runs.relapse!) - loopback.relapse!.median) / LATENCY) * 10) / 10,
              longterm: Math.round(((median(runs.longterm!) - loopback.longterm!.median) / LATENCY) * 10) / 10,
            }
          : null,
      };
      console.log(`launch → summary at ${LATENCY} ms${applied ? '' : ' (the sandbox does not apply SANDBOX_LATENCY_MS yet)'}: relapse ${runs.relapse} (median ${median(runs.relapse!)}), longterm ${runs.longterm} (median ${median(runs.longterm!)})`);
      expect(runs.relapse).toHaveLength(3);
    } finally {
      await slow.close();
    }
  });

  it('write-back loop: save → relaunch shows the change and the relapse trend → re-save adds nothing → survives a sandbox restart', async () => {
    expect(await tidemarkObservations('relapse')).toHaveLength(0);

    // Save.
    const page = await newPage(1024, 800);
    await launch(page, 'relapse');
    const save = page.getByRole('button', { name: 'Save to chart' });
    await expect.poll(() => save.isEnabled(), { timeout: 20_000 }).toBe(true);
    await save.click();
    const write = page.getByRole('button', { name: /^Write \d+ Observations? to the chart$/ });
    await write.waitFor();
    const n = Number(/Write (\d+)/.exec((await write.textContent()) ?? '')![1]);
    expect(n).toBeGreaterThanOrEqual(5);
    expect(await page.locator('.write-back__table tbody tr').count()).toBe(n);
    await expectAccessible(page, 'save preview');
    await page.screenshot({ path: join(ARTIFACTS, 'writeback-preview.png'), fullPage: true });
    await write.click();
    await page.getByRole('heading', { name: 'Written to the chart', exact: true }).waitFor();
    const written = page.locator('.write-back__written li');
    expect(await written.count()).toBe(n);
    expect(await page.locator('.write-back__written li[data-outcome="created"]').count()).toBe(n);
    const links = page.locator('.write-back__written a[href*="/Observation/"]');
    expect(await links.count()).toBe(n);
    await expectAccessible(page, 'written to the chart');
    await page.screenshot({ path: join(ARTIFACTS, 'writeback-saved.png'), fullPage: true });
    await closePage(page);

    const afterFirst = await tidemarkObservations('relapse');
    expect(afterFirst).toHaveLength(n);
    expect(new Set(afterFirst.map((o) => o.identifier)).size).toBe(n);

    // Relaunch: `previous` read from the chart → a change explanation, and the relapse trend has an earlier point.
    const again = await newPage(1024, 800);
    await launch(again, 'relapse');
    const card = again.locator('article[data-engine="relapse"]');
    await card.getByRole('heading', { name: 'What changed' }).waitFor();
    expect(await card.locator('.facet--wide').textContent()).toMatch(/unchanged|increased|decreased|improved|worsened|moved/i);
    const history = again.getByRole('region', { name: 'Relapse risk over time' });
    await history.getByRole('table').waitFor();
    const earlierRows = history.getByRole('row').filter({ hasText: 'Observation/' });
    expect(await earlierRows.count()).toBeGreaterThanOrEqual(1);
    await settled(again);
    await expectAccessible(again, 'relapse page after a save (relapse history)');
    await again.screenshot({ path: join(ARTIFACTS, 'relapse-relaunch-1024.png'), fullPage: true });

    // Save again: nothing new in the chart.
    const save2 = again.getByRole('button', { name: 'Save to chart' });
    await expect.poll(() => save2.isEnabled(), { timeout: 20_000 }).toBe(true);
    await save2.click();
    await again.getByRole('button', { name: /^Write \d+ Observations? to the chart$/ }).click();
    await again.getByRole('heading', { name: 'Written to the chart', exact: true }).waitFor();
    expect(await again.locator('.write-back__written li[data-outcome="created"]').count()).toBe(0);
    expect(await again.locator('.write-back__status').textContent()).toMatch(/already in the chart/);
    await closePage(again);
    expect(await tidemarkObservations('relapse')).toHaveLength(n);

    // Persistence: restart the sandbox (its store is on disk) and relaunch.
    await stack.restartSandbox();
    expect(await tidemarkObservations('relapse')).toHaveLength(n);
    const third = await newPage(1024, 800);
    await launch(third, 'relapse');
    const history3 = third.getByRole('region', { name: 'Relapse risk over time' });
    await history3.getByRole('table').waitFor();
    expect(await history3.getByRole('row').filter({ hasText: 'Observation/' }).count()).toBeGreaterThanOrEqual(1);
    await third.locator('article[data-engine="relapse"]').getByRole('heading', { name: 'What changed' }).waitFor();
    await closePage(third);
  });
});
