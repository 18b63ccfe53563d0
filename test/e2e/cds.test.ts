// CDS Hooks in real Chromium: the sandbox EHR's chart page of the item-9 patient shows Tidemark's
// critical card, and the card's SMART link launches Tidemark on that patient inside the chart's
// embedded app frame. The stack is `npm start`'s two processes with no CDS configuration at all.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, startStack, type Stack } from './harness.ts';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('CDS Hooks: the sandbox chart page', () => {
  it('item9: the critical card is shown, and its link launches Tidemark on that patient in the embedded frame', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      const cspErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
      });
      await page.goto(`${stack.sandboxUrl}/patient/item9`);

      const card = page.locator('article.card[data-indicator="critical"]').first();
      await expect(card.isVisible()).resolves.toBe(true);
      const summary = (await card.locator('.summary').textContent()) ?? '';
      expect(summary).toMatch(/^PHQ-9 item 9 positive: "More than half the days" \(2 of 3\) on \d{4}-\d{2}-\d{2}/);
      expect(await card.locator('.source').textContent()).toContain('Tidemark');
      // The critical card comes first, coloured as critical.
      const firstIndicator = await page.locator('article.card').first().getAttribute('data-indicator');
      expect(firstIndicator).toBe('critical');
      const border = await card.evaluate((el) => getComputedStyle(el).borderLeftColor);
      expect(border).toBe('rgb(179, 38, 30)');
      const patientName = ((await page.locator('header.banner h1').textContent()) ?? '').trim();
      expect(patientName.length).toBeGreaterThan(0);
      await page.screenshot({ path: join(ARTIFACTS, 'cds-item9-chart.png'), fullPage: true });

      await card.locator('a.smart-link').click();
      const frame = page.frameLocator('iframe[name="tidemark-app"]');
      const shownName = frame.locator('.patient-banner__name');
      await shownName.waitFor({ state: 'visible' });
      expect(((await shownName.textContent()) ?? '').trim()).toBe(patientName);
      // Tidemark shows its own item-9 banner for the same patient.
      await frame.getByRole('alert').filter({ hasText: 'PHQ-9 item 9' }).first().waitFor({ state: 'visible' });
      const appFrame = page.frames().find((f) => f.name() === 'tidemark-app');
      expect(new URL(appFrame?.url() ?? 'about:blank').origin).toBe(stack.appUrl);
      await page.screenshot({ path: join(ARTIFACTS, 'cds-item9-launched.png'), fullPage: true });
      expect(cspErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('improving: no card interrupts the chart', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${stack.sandboxUrl}/patient/improving`);
      await page.getByText('No decision support cards for this patient.').first().waitFor({ state: 'visible' });
      expect(await page.locator('article.card').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
