// Tidemark inside each kind of EHR (issues 10 and 11), in real headless Chromium against the
// sandbox's vendor profiles (SANDBOX_PROFILE=open|epic|cerner): launch → summary → Save to chart → relaunch, in `open`, `epic` and
// `cerner`. The right write strategy is chosen and shown, something useful lands in the chart, a second
// save adds nothing, no error is left on screen; and a PHQ-9 entered by the clinician with item 9
// positive raises the banner and is saved where the profile allows it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/fhir/write/marker.ts';
import { launchToken } from '../sandbox/helpers.ts';
import { axeViolations, describeViolations } from './axe.ts';
import { ARTIFACTS, launchBrowser, startStack, type Stack } from './harness.ts';

type Profile = 'open' | 'epic' | 'cerner';
type Json = Record<string, unknown> & { id?: string; resourceType?: string };

/** The Epic site's flowsheet rows for the sandbox (its default epic-flowsheets.json builds these two rows). */
const epicSite = (fhirBase: string) => ({
  servers: [
    {
      fhirBase,
      flowsheetRows: {
        'phq9-total': { system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679', code: '1570000101', display: 'Tidemark PHQ-9 total' },
        'relapse-risk': { system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679', code: '1570000102', display: 'Tidemark relapse risk' },
      },
    },
  ],
});

const STRATEGY_LABEL: Record<Profile, RegExp> = {
  open: /Each result is written as a coded Observation\./,
  epic: /Mapped numeric results go to flowsheet rows; everything, with its confidence and sources, into one clinical note\./,
  cerner: /Everything goes into one clinical note \(DocumentReference\)\./,
};
const WRITE_BUTTON: Record<Profile, RegExp> = {
  open: /^Write \d+ Observations to the chart$/,
  epic: /^Write 1 flowsheet value and the clinical note to the chart$/,
  cerner: /^Write the clinical note to the chart$/,
};
/** Scopes to read back what was written, in the profile's syntax (Epic speaks v1 only). */
const READ_SCOPE: Record<Profile, string> = {
  open: 'patient/Observation.rs patient/QuestionnaireResponse.rs patient/DocumentReference.rs',
  epic: 'patient/Observation.read patient/DocumentReference.read',
  cerner: 'patient/Observation.rs patient/DocumentReference.rs',
};

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

async function launch(stack: Stack, patient: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${stack.sandboxUrl}/ehr-launch?patient=${patient}`);
  await page.locator('.summary__lead').waitFor({ state: 'visible' });
  return page;
}

/** Every engine finished and every lazy chart rendered. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
}

/** No error left anywhere on the page: no error state, no failed panel, no alert but the safety banner. */
async function noErrorOnScreen(page: Page): Promise<void> {
  expect(await page.locator('.error-state, [data-boundary="failed"], .text-error').count()).toBe(0);
  const alerts = await page.getByRole('alert').allTextContents();
  expect(alerts.filter((a) => !/item 9 positive/i.test(a))).toEqual([]);
}

async function saveToChart(page: Page, profile: Profile): Promise<void> {
  const save = page.getByRole('button', { name: 'Save to chart' });
  await expect.poll(() => save.isEnabled(), { timeout: 30_000 }).toBe(true);
  await save.click();
  const preview = page.getByRole('region', { name: /^Preview/ });
  await preview.waitFor();
  expect(await preview.getByTestId('write-strategy').textContent()).toMatch(STRATEGY_LABEL[profile]);
  const write = preview.getByRole('button', { name: WRITE_BUTTON[profile] });
  await write.click();
  await page.getByRole('heading', { name: 'Written to the chart', exact: true }).waitFor();
}

/** What the chart holds for the patient, read with a token of the profile's own kind. */
async function chartHolds(stack: Stack, profile: Profile, patient: string): Promise<{ observations: Json[]; notes: Json[]; responses: Json[] }> {
  const token = (await launchToken({ url: stack.sandboxUrl, fhirBase: stack.fhirBase, startupMs: 0, close: async () => undefined }, patient, READ_SCOPE[profile])).access_token;
  const all = async (url: string | undefined): Promise<Json[]> => {
    const out: Json[] = [];
    while (url) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
      if (res.status !== 200) return out; // a type the profile does not serve
      const b = (await res.json()) as { entry?: { resource: Json }[]; link?: { relation: string; url: string }[] };
      out.push(...(b.entry ?? []).map((e) => e.resource));
      url = b.link?.find((l) => l.relation === 'next')?.url;
    }
    return out;
  };
  const q = (type: string, params: Record<string, string>) => `${stack.fhirBase}/${type}?${new URLSearchParams({ patient, ...params })}`;
  const ours = (r: Json) => JSON.stringify(r).includes('urn:tidemark:result');
  return {
    observations: (await all(q('Observation', { category: 'vital-signs' }))).concat(await all(q('Observation', { code: 'urn:tidemark:engine|relapse_risk' }))).filter(ours),
    notes: (await all(q('DocumentReference', { type: 'http://loinc.org|11506-3' }))).filter(ours),
    responses: profile === 'open' ? (await all(q('QuestionnaireResponse', {}))).filter(ours) : [],
  };
}

const noteText = (n: Json) => fromBase64((n.content as { attachment: { data: string } }[])[0]!.attachment.data);

for (const profile of ['open', 'epic', 'cerner'] as const) {
  describe(`SANDBOX_PROFILE=${profile}`, () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack(({ fhirBase }): Record<string, string> => {
        if (profile !== 'epic') return { SANDBOX_PROFILE: profile };
        const file = join(mkdtempSync(join(tmpdir(), 'tidemark-site-')), 'site.json');
        writeFileSync(file, JSON.stringify(epicSite(fhirBase)));
        return { SANDBOX_PROFILE: profile, SITE_CONFIG: file };
      });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('launch → summary → save → relaunch: the right strategy, something useful in the chart, a second save adds nothing, no error left', async () => {
      const page = await launch(stack, 'relapse');
      await settled(page);
      await saveToChart(page, profile);
      const written = page.locator('.write-back__written li');
      expect(await written.count()).toBeGreaterThan(0);
      expect(await page.locator('.write-back__written li[data-outcome="created"]').count()).toBe(await written.count());
      await noErrorOnScreen(page);
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, `${profile}-saved.png`), fullPage: true });
      await page.context().close();

      const first = await chartHolds(stack, profile, 'relapse');
      if (profile === 'open') {
        expect(first.observations.length).toBeGreaterThan(0);
        expect(first.notes).toEqual([]);
      } else {
        expect(first.notes).toHaveLength(1);
        const text = noteText(first.notes[0]!);
        expect(text).toMatch(/Relapse risk: .+, \d+ of 100/);
        expect(text).toMatch(/Confidence: (high|moderate|low)/);
        expect(text).toContain('PHQ-9 total');
        expect(first.observations).toHaveLength(profile === 'epic' ? 1 : 0); // the relapse score on its flowsheet row
      }

      // Relaunch: already in the chart, and saving again adds nothing.
      const again = await launch(stack, 'relapse');
      await settled(again);
      const status = again.locator('[data-feature="write-back"] [role="status"]');
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/^Already in the chart/);
      await saveToChart(again, profile);
      expect(await again.locator('.write-back__written li[data-outcome="created"]').count()).toBe(0);
      expect(await again.locator('.write-back__written li[data-outcome="existed"]').count()).toBeGreaterThan(0);
      await noErrorOnScreen(again);
      await again.context().close();
      const second = await chartHolds(stack, profile, 'relapse');
      expect({ o: second.observations.length, n: second.notes.length }).toEqual({ o: first.observations.length, n: first.notes.length });
    });

    it('the launch asks for what this EHR speaks: SMART v2 only where advertised, one scope per resource, the strategy’s creates', async () => {
      const page = await newPage();
      const authorize = page.waitForRequest((r) => r.url().includes('/auth/authorize'));
      await page.goto(`${stack.sandboxUrl}/ehr-launch?patient=relapse`);
      const scope = new URL((await authorize).url()).searchParams.get('scope')!.split(' ');
      await page.locator('.summary__lead').waitFor({ state: 'visible' });
      expect(scope.some((s) => s.includes('*'))).toBe(false);
      if (profile === 'epic') {
        // Epic's sandbox advertises permission-v1 only: v1 scopes, the note and the mapped flowsheet rows.
        expect(scope).toEqual(expect.arrayContaining(['patient/Observation.read', 'patient/DocumentReference.write', 'patient/Observation.write']));
        expect(scope.some((s) => /\.(rs|c)$/.test(s))).toBe(false);
      } else if (profile === 'cerner') {
        expect(scope).toEqual(expect.arrayContaining(['patient/Observation.rs', 'patient/DocumentReference.c']));
        expect(scope).not.toContain('patient/MedicationStatement.rs'); // not served by this profile
      } else {
        expect(scope).toEqual(expect.arrayContaining(['patient/Observation.rs', 'patient/Observation.c', 'patient/QuestionnaireResponse.c']));
      }
      await page.context().close();
    });

    if (profile === 'cerner') {
      it('the five-year chart, read in short pages of at most 200, reaches the summary', async () => {
        const page = await launch(stack, 'longterm');
        expect(((await page.locator('.summary__lead').textContent()) ?? '').length).toBeGreaterThan(10);
        await noErrorOnScreen(page);
        await page.context().close();
      });
    }

    it('a PHQ-9 entered with item 9 positive raises the banner and is saved where the profile allows it', async () => {
      const page = await launch(stack, 'sparse');
      await page.getByRole('button', { name: 'Enter today’s PHQ-9' }).click();
      const form = page.locator('[data-feature="phq9-entry"]');
      const answers = [1, 2, 1, 1, 0, 1, 1, 0, 1];
      for (let i = 0; i < 9; i++) await form.getByRole('group').nth(i).getByRole('radio').nth(answers[i]!).check();
      await form.getByRole('button', { name: 'Score this PHQ-9' }).click();
      const banner = page.getByRole('alert').filter({ hasText: /item 9 positive/i });
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/Several days/);
      await settled(page);
      const save = page.getByRole('button', { name: 'Save to chart' });
      await expect.poll(() => save.isEnabled(), { timeout: 30_000 }).toBe(true);
      await save.click();
      const preview = page.getByRole('region', { name: /^Preview/ });
      await preview.getByRole('button', { name: /^Write / }).click();
      await page.getByRole('heading', { name: 'Written to the chart', exact: true }).waitFor();
      await expect.poll(() => page.getByRole('list', { name: 'PHQ-9 entered in Tidemark' }).textContent()).toMatch(/Saved to the chart/);
      await noErrorOnScreen(page);
      await page.screenshot({ path: join(ARTIFACTS, `${profile}-entered-phq9.png`), fullPage: true });
      await page.context().close();

      const held = await chartHolds(stack, profile, 'sparse');
      if (profile === 'open') {
        expect(held.responses).toHaveLength(1); // a QuestionnaireResponse with the nine answers
      } else {
        expect(noteText(held.notes[0]!)).toContain('Item 9 (thoughts that you would be better off dead, or of hurting yourself): Several days (1) — POSITIVE.');
        if (profile === 'epic') expect(held.observations.some((o) => (o.valueString as string) === '8')).toBe(true); // the total on its row
      }
    });
  });
}
