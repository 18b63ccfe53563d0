// The care-team panel in real Chromium: the population run scores the sandbox's Group (twice, with new
// PHQ-9 data between), then a launch without a patient in context shows the panel with item-9
// positives first, the change since the previous run, and opens the single-patient view. The standalone
// launch with user scopes (view=care-team) shows the same panel.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Story } from '../../src/sandbox/patients/builders.ts';
import { dayAnchor, STORIES } from '../../src/sandbox/patients/index.ts';
import { Rng } from '../../src/sandbox/patients/prng.ts';
import { ensureDevKey, PRIVATE_KEY_FILE } from '../../src/population/dev-key.ts';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { runWith, testConfig, userToken } from '../population/helpers.ts';
import { axeViolations, describeViolations } from './axe.ts';
import { ARTIFACTS, launchBrowser, startStack, type Stack } from './harness.ts';

const PATIENTS = Object.keys(STORIES).length;
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // The population run's dev key, trusted by the sandbox (POPULATION_KEY_DIR), as after a first `npm run score-population`.
  const keyDir = mkdtempSync(join(tmpdir(), 'tidemark-e2e-key-'));
  await ensureDevKey(keyDir);
  [stack, browser] = await Promise.all([startStack({ POPULATION_KEY_DIR: keyDir }), launchBrowser()]);
  const sb = { url: stack.sandboxUrl, fhirBase: stack.fhirBase } as SandboxHandle;
  const runsDir = testConfig(stack.fhirBase, join(keyDir, PRIVATE_KEY_FILE)).runsDir;
  const run = () => runWith(testConfig(stack.fhirBase, join(keyDir, PRIVATE_KEY_FILE), ['--runs-dir', runsDir]));
  await run();
  // A new, much higher PHQ-9 for `improving`: the next run's result carries the change and its explanation.
  const story = new Story('improving', dayAnchor(new Date()), new Rng(7));
  const { id: _id, ...phq9 } = story.score('phq9', 23, 1);
  const writer = await userToken(sb, 'user/Observation.c');
  const res = await fetch(`${stack.fhirBase}/Observation`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify(phq9) });
  expect(res.status).toBe(201);
  await run();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function openPanel(url = `${stack.sandboxUrl}/ehr-launch`): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  // Default: a provider launch, the sandbox EHR's /ehr-launch with no patient.
  await page.goto(url);
  await page.getByRole('table', { name: 'Care-team panel' }).waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('tbody tr').length >= n, PATIENTS);
  // Every part read (the safety findings decide the order).
  await page.waitForFunction(() => !document.querySelector('.care-team__counts')?.textContent?.includes('loading'));
  return page;
}

/** axe-core finds no WCAG 2.1 A/AA or best-practice violation on the page as it is now. */
async function expectAccessible(page: Page, where: string): Promise<void> {
  const violations = await axeViolations(page);
  expect(violations, `${where}:\n${describeViolations(violations)}`).toEqual([]);
}

describe('care-team panel in Chromium', () => {
  it('lists the Group with item-9 positives first, the change and its explanation, and opens a patient', async () => {
    const page = await openPanel();
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(PATIENTS);
    await page.screenshot({ path: join(ARTIFACTS, 'care-team-panel.png'), fullPage: true });
    await expectAccessible(page, 'care-team panel');
    // Item-9 positives lead, flagged; Jonah Whitfield's latest PHQ-9 has item 9 = 2.
    const flagged = (await rows.allTextContents()).map((t) => t.includes('Item 9 positive ·'));
    expect(flagged[0]).toBe(true);
    expect(flagged).toEqual([...flagged].sort((a, b) => Number(b) - Number(a)));
    const jonah = rows.filter({ has: page.getByRole('link', { name: 'Jonah Whitfield' }) });
    expect(await jonah.textContent()).toContain('Item 9 positive');
    expect(flagged.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    // `improving` worsened since the previous run, with the engine's explanation from the chart.
    const improving = rows.filter({ has: page.getByRole('link', { name: 'Maya Okafor' }) });
    expect(await improving.locator('.panel-change').textContent()).toContain('▲');
    expect(await improving.locator('.panel-explanation').textContent()).toMatch(/^Change since \d{4}-\d{2}-\d{2}: /);

    // Filters: only the elevated; item 9 stays.
    await page.getByRole('checkbox', { name: 'elevated' }).check();
    await expect.poll(async () => (await rows.allTextContents()).every((t) => /elevated|Item 9 positive/i.test(t))).toBe(true);
    await expectAccessible(page, 'care-team panel, filtered');
    await page.getByRole('checkbox', { name: 'elevated' }).uncheck();

    // Keyboard: the patient's link opens the single-patient view for that patient.
    await improving.getByRole('link').focus();
    await page.keyboard.press('Enter');
    await page.locator('.summary__lead').waitFor();
    expect(new URL(page.url()).searchParams.get('patient')).toBe('improving');
    expect(await page.locator('.patient-banner, header').first().textContent()).toBeTruthy();
    await page.getByRole('button', { name: /Back to the care-team panel/ }).click();
    await page.getByRole('table', { name: 'Care-team panel' }).waitFor();
    await page.context().close();
  });

  it('a standalone launch with user scopes shows the same panel', async () => {
    const page = await openPanel(`${stack.appUrl}/launch/?iss=${encodeURIComponent(stack.fhirBase)}&view=care-team`);
    expect(await page.locator('tbody tr').count()).toBe(PATIENTS);
    expect(await page.locator('tbody tr').first().textContent()).toContain('Item 9 positive');
    await page.context().close();
  });
});
