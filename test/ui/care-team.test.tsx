// The care-team panel in jsdom, reading an injected FHIR server that holds what a population run
// wrote (results built by src/fhir/write from real engine output): rows, item 9 first, filters, a
// part that cannot be read, and opening a patient.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CareTeamApp } from '../../src/app/features/care-team/index.ts';
import type { DataLayer } from '../../src/app/features/launch-session/data-layer.tsx';
import { runEngine } from '../../src/engines/index.ts';
import { buildResultObservation } from '../../src/fhir/write/index.ts';

const NOW = new Date('2026-06-30T12:00:00Z');

function relapseObs(patient: string, id: string, daysAgo: number, phq9: number[], previous?: { score: number; status: string; computedAt: string }) {
  const now = new Date(NOW.getTime() - daysAgo * 86_400_000);
  const request = {
    assessments: phq9.map((score, i) => ({ instrumentId: 'phq9', instrumentName: 'PHQ-9', score, maxScore: 27, createdAt: new Date(now.getTime() - (phq9.length - i) * 14 * 86_400_000).toISOString() })),
    hasActiveMedication: true,
    daysSinceLastVisit: 20,
    ...(previous ? { previous } : {}),
  };
  return { ...buildResultObservation({ patientId: patient, engine: 'relapse', request, response: runEngine('relapse', request, { now }) }, id), id };
}

const SERVER: Record<string, unknown> = {
  'Group/care-team': { resourceType: 'Group', member: ['a', 'b', 'c'].map((id) => ({ entity: { reference: `Patient/${id}` } })) },
};
const searchset = (resources: unknown[]) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) });
const patients = searchset([
  { resourceType: 'Patient', id: 'a', name: [{ given: ['Ada'], family: 'Rising' }] },
  { resourceType: 'Patient', id: 'b', name: [{ given: ['Ben'], family: 'Steady' }] },
  { resourceType: 'Patient', id: 'c', name: [{ given: ['Cleo'], family: 'Itemnine' }] },
]);
const results = searchset([
  relapseObs('a', 'a1', 1, [3, 4, 18, 24], { score: 20, status: 'low', computedAt: '2026-06-28T12:00:00Z' }),
  relapseObs('a', 'a2', 2, [3, 4, 5]),
  relapseObs('b', 'b1', 1, [5, 5, 5]),
  relapseObs('c', 'c1', 1, [2, 3]),
]);
const findings = searchset([
  { resourceType: 'Observation', id: 'f1', status: 'final', subject: { reference: 'Patient/c' }, effectiveDateTime: '2026-06-28T09:00:00Z', code: { coding: [{ system: 'urn:tidemark:engine', code: 'safety_phq9_item9' }] }, note: [{ text: 'PHQ-9 item 9: answered 1 of 3' }] },
]);

function fhirServer(fail: string[] = []) {
  return async (url: string) => {
    const path = url.split('?')[0]!;
    if (fail.includes(path)) throw new Error(`403 Forbidden for ${path}`);
    if (path === 'Patient') return patients;
    if (path === 'Observation') return url.includes('relapse_risk') ? results : findings;
    if (SERVER[path]) return SERVER[path];
    throw new Error(`404 ${path}`);
  };
}

const layerFor = (patientId: string): DataLayer => ({
  fhir: async () => {
    throw new Error('not in this test');
  },
  patientId,
  serverUrl: 'http://fhir.test/fhir',
  accessToken: async () => 'token',
  needPatientBanner: true,
});

// jsdom lays nothing out: give the virtualised list's scroller a height so rows render.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1000 });
});
afterAll(() => {
  // Back to jsdom's own (inherited from Element.prototype).
  delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
  delete (HTMLElement.prototype as { clientWidth?: number }).clientWidth;
});

function bodyRows() {
  return within(screen.getByRole('table', { name: 'Care-team panel' })).getAllByRole('row').slice(1);
}

describe('care-team panel', () => {
  it('lists the Group with the item-9 positive first, then by risk, with the change and its explanation', async () => {
    render(<CareTeamApp fhir={fhirServer()} groupId="care-team" layerFor={layerFor} now={() => NOW} />);
    await waitFor(() => expect(bodyRows()).toHaveLength(3), { timeout: 15_000 });
    await waitFor(() => expect(within(bodyRows()[0]!).getByRole('link').textContent).toBe('Cleo Itemnine'), { timeout: 15_000 });
    expect(within(bodyRows()[0]!).getByText(/Item 9 positive/)).toBeInTheDocument();
    const ada = bodyRows().find((r) => within(r).queryByRole('link', { name: 'Ada Rising' }))!;
    expect(ada.textContent).toMatch(/▲/);
    expect(ada.textContent).toMatch(/Change since/);
    expect(screen.getByRole('status').textContent).toMatch(/3 patients · 3 with a relapse result · 1 with a recent positive PHQ-9 item 9/);
  });

  it('filters keep the item-9 positive; a part that cannot be read is named and the rest shows', async () => {
    render(<CareTeamApp fhir={fhirServer(['Group/care-team'])} groupId="care-team" layerFor={layerFor} now={() => NOW} />);
    await waitFor(() => expect(bodyRows()).toHaveLength(3), { timeout: 15_000 });
    expect(screen.getByRole('alert').textContent).toMatch(/Could not read the care-team Group.*showing every patient/);
    await userEvent.click(screen.getByRole('checkbox', { name: 'Changed since previous run' }));
    await waitFor(() => expect(bodyRows().map((r) => within(r).getByRole('link').textContent)).toEqual(['Cleo Itemnine', 'Ada Rising']), { timeout: 15_000 });
  });

  it('choosing a patient opens the single-patient view and Back returns to the panel', async () => {
    render(<CareTeamApp fhir={fhirServer()} groupId="care-team" layerFor={layerFor} now={() => NOW} />);
    await waitFor(() => expect(bodyRows()).toHaveLength(3), { timeout: 15_000 });
    fireEvent.click(screen.getByRole('link', { name: 'Ben Steady' }));
    expect(new URL(window.location.href).searchParams.get('patient')).toBe('b');
    await userEvent.click(await screen.findByRole('button', { name: /Back to the care-team panel/ }));
    expect(new URL(window.location.href).searchParams.get('patient')).toBeNull();
    await waitFor(() => expect(bodyRows()).toHaveLength(3), { timeout: 15_000 });
  });
});
