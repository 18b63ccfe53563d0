// The app's EHR launch against the sandbox in each vendor profile (SANDBOX_PROFILE=epic|cerner; `open`
// is app.test.ts), in real headless Chromium: launch → summary, with what the current app already
// does. What each profile still needs from the app is in the closing note (issue 10 §2).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ARTIFACTS, launchBrowser, startStack, type Stack } from './harness.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

/** The app's launch URL the sandbox's /ehr-launch redirects to, with extra launch-page parameters. */
async function appLaunchUrl(stack: Stack, patient: string, extra: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${stack.sandboxUrl}/ehr-launch?patient=${patient}`, { redirect: 'manual' });
  const url = new URL(res.headers.get('location') as string);
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  return url.toString();
}

/** The summary's headline once on screen (the app's own "launch → summary" marker). */
async function summaryShown(page: Page): Promise<string> {
  const lead = page.locator('.summary__lead');
  await lead.waitFor({ state: 'visible' });
  return (await lead.textContent()) ?? '';
}

describe('SANDBOX_PROFILE=epic', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ SANDBOX_PROFILE: 'epic' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the default launch (SMART v2 scopes) is refused by the EHR, and the app says so', async () => {
    const page = await newPage();
    await page.goto(`${stack.sandboxUrl}/ehr-launch?patient=relapse`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.locator('h1').textContent()).toBe('The launch could not complete');
    expect(await alert.textContent()).toMatch(/invalid_scope: Not granted by this server \(epic profile\): patient\/Patient\.rs/);
    await page.screenshot({ path: join(ARTIFACTS, 'epic-v2-refused.png') });
    await page.context().close();
  });

  it('launched with SMART v1 scopes (the launch page’s scope=v1), relapse reaches the summary', async () => {
    const page = await newPage();
    await page.goto(await appLaunchUrl(stack, 'relapse', { scope: 'v1' }));
    expect(await summaryShown(page)).toMatch(/PHQ-9/);
    await page.screenshot({ path: join(ARTIFACTS, 'epic-relapse.png'), fullPage: true });
    await page.context().close();
  });
});

describe('SANDBOX_PROFILE=cerner', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ SANDBOX_PROFILE: 'cerner' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the EHR launch reaches the summary for relapse (v2 scopes, 570 s token, pages of at most 200)', async () => {
    const page = await newPage();
    await page.goto(`${stack.sandboxUrl}/ehr-launch?patient=relapse`);
    expect(await summaryShown(page)).toMatch(/PHQ-9/);
    await page.screenshot({ path: join(ARTIFACTS, 'cerner-relapse.png'), fullPage: true });
    await page.context().close();
  });

  it('the five-year chart, read in short pages of at most 200, reaches the summary', async () => {
    const page = await newPage();
    await page.goto(`${stack.sandboxUrl}/ehr-launch?patient=longterm`);
    expect((await summaryShown(page)).length).toBeGreaterThan(10);
    await page.context().close();
  });
});
