// The voice sample in real Chromium: a fake capture device plays espeak-ng speech into the
// microphone; the clinician records, analyses, reads quality → features → levels → the dMSE card,
// and saves to the chart. The saved Observation is then read back from the sandbox FHIR server.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchToken } from '../sandbox/helpers.ts';
import { speak } from '../voice/audio.ts';
import { ARTIFACTS, launchBrowser, startStack, type Stack } from './harness.ts';

let stack: Stack;
let browser: Browser;
const PATIENT = 'relapse';

beforeAll(async () => {
  const speech = speak(150, undefined, 'fake-microphone.wav');
  [stack, browser] = await Promise.all([
    startStack(),
    launchBrowser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${speech}`, '--autoplay-policy=no-user-gesture-required']),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function launched(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${stack.sandboxUrl}/ehr-launch?patient=${PATIENT}`);
  await page.locator('.summary__lead').waitFor({ state: 'visible' });
  return page;
}

describe('voice sample in Chromium with a fake microphone', () => {
  it('records ≥15 s, goes through quality, features and the dMSE card, and is saved to the chart', async () => {
    const page = await launched();
    const panel = page.locator('[data-feature="voice"]');
    await panel.scrollIntoViewIfNeeded();
    await expect(panel.getByText('Describe your last week', { exact: false })).toBeTruthy();
    await panel.getByRole('button', { name: 'Record' }).click();
    const stop = panel.getByRole('button', { name: 'Stop recording' });
    await stop.waitFor();
    // The minimum is enforced and shown: Stop stays disabled until 15 s.
    expect(await stop.isDisabled()).toBe(true);
    await expect.poll(() => panel.getByText(/minimum 15 s/).count()).toBe(1);
    const level = await panel.locator('meter').evaluate((m) => (m as HTMLMeterElement).value);
    expect(level).toBeGreaterThanOrEqual(0);
    await page.waitForFunction(() => !(document.querySelector('[data-feature="voice"] button.button') as HTMLButtonElement)?.disabled, undefined, { timeout: 25_000 });
    await page.waitForTimeout(3000); // about 19 s in all
    await stop.click();
    await panel.getByText(/^Recorded 0:1\d\./).waitFor();
    await panel.getByRole('button', { name: 'Analyse recording' }).click();

    // Quality first, then features, then levels with the quality beside them.
    const result = panel.locator('.voice__result');
    await result.waitFor({ timeout: 60_000 });
    const order = await result.evaluate((el) => [...el.querySelectorAll('.voice__quality, .voice__features, .voice__levels, .voice__dmse')].map((e) => e.className.split(' ')[0]));
    expect(order).toEqual(['voice__quality', 'voice__features', 'voice__levels', 'voice__dmse']);
    await expect.poll(() => result.locator('#voice-quality-title').textContent()).toContain('Recording quality');
    const rate = Number(await result.locator('[data-feature="speech_rate"] td').first().textContent().then((t) => t!.split(' ')[0]));
    expect(rate).toBeGreaterThan(2);
    expect(rate).toBeLessThan(7);
    expect(await result.getByTestId('levels-quality').textContent()).toMatch(/^Recording quality:/);
    expect(await result.locator('.voice__level-list').textContent()).toContain('inconclusive');

    // dMSE card: the speech rate converted to words/min and interpreted by the engine.
    const dmse = result.locator('.voice__dmse');
    await dmse.locator('.card__headline').waitFor();
    const wpm = Number(/≈\s*(\d+) words\/min/.exec((await dmse.getByTestId('wpm-conversion').textContent()) ?? '')![1]);
    expect(wpm).toBeCloseTo((rate * 60) / 1.4, -1);
    expect(await dmse.getByText(/Speech rate: \d/).count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'voice-panel.png'), fullPage: true });

    // Save through the usual flow: preview, Write, written.
    await result.getByRole('button', { name: 'Save to chart' }).click();
    const write = result.getByRole('button', { name: /^Write \d+ Observations? to the chart$/ });
    await write.click();
    await result.getByRole('heading', { name: 'Written to the chart' }).waitFor();
    await result.getByText(/^Saved to the chart: 2 created\.$/).waitFor();
    expect(await result.getByRole('button', { name: /Saving/ }).count()).toBe(0);
    await panel.screenshot({ path: join(ARTIFACTS, 'voice-saved.png') });

    // The voice Observation is in the chart: coded, UCUM components, quality beside the levels.
    const token = await launchToken({ url: stack.sandboxUrl, fhirBase: stack.fhirBase, startupMs: 0, close: async () => undefined }, PATIENT, 'patient/Observation.rs');
    const res = await fetch(`${stack.fhirBase}/Observation?${new URLSearchParams({ patient: PATIENT, code: 'urn:tidemark:engine|voice_sample' })}`, {
      headers: { authorization: `Bearer ${token.access_token}`, accept: 'application/fhir+json' },
    });
    const bundle = (await res.json()) as { entry?: { resource: { component?: { code: { coding: { code: string }[] }; valueQuantity?: { system?: string; code?: string } }[] } }[] };
    expect(bundle.entry?.length).toBe(1);
    const comps = bundle.entry![0]!.resource.component ?? [];
    const speech = comps.find((c) => c.code.coding[0]!.code === 'voice.speech_rate');
    expect(speech?.valueQuantity).toMatchObject({ system: 'http://unitsofmeasure.org', code: '{syllables}/s' });
    expect(comps.some((c) => c.code.coding[0]!.code === 'voice.voice_percentage')).toBe(true);
    await page.context().close();

    // Next launch: the chart's saved sample gives the dMSE card (in "Results in detail") its speech rate.
    const again = await launched();
    const card = again.locator('.cards').getByLabel('Digital MSE signals');
    await card.waitFor();
    const text = (await card.textContent()) ?? '';
    const charted = /Speech rate: ([\d.]+) wpm/.exec(text);
    expect(charted, text).not.toBeNull();
    expect(Math.abs(Number(charted![1]) - wpm)).toBeLessThanOrEqual(1);
    await again.context().close();
  });
});
