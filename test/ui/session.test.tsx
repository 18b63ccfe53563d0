// The SMART session: refreshed before expiry where a refresh token exists (at most once a minute),
// a warning and a relaunch where none does; the token's patient must be the patient shown.
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DataLayerProvider } from '../../src/app/features/launch-session/data-layer.tsx';
import { relaunchUrl } from '../../src/app/features/launch-session/from-fhir-client.ts';
import { SessionBanner } from '../../src/app/features/launch-session/session-banner.tsx';
import { MIN_REFRESH_INTERVAL_MS, SessionController } from '../../src/app/features/launch-session/session.ts';
import { ALL_ENGINES_OK, FHIR_BASE, fhirHandlers, patient, proxyHandlers, TYPICAL_CHART } from './fixtures.ts';
import { renderApp, testDataLayer } from './render-app.tsx';

/** A fake clock with timers, driven by hand. */
function clock(start = 1_000_000) {
  let now = start;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn, id: nextId++ };
      timers.push(t);
      return t.id;
    },
    clearTimer: (id: unknown) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    /** Advances time, firing due timers in order. */
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > end) break;
        timers.shift();
        now = t.at;
        t.fn();
        await Promise.resolve();
        await Promise.resolve();
        await Promise.resolve();
      }
      now = end;
    },
  };
}

describe('SessionController', () => {
  it('Oracle-like 570 s token with a refresh token: refreshed a minute before expiry, never twice within a minute', async () => {
    const c = clock();
    const refresh = vi.fn(async () => c.now() + 570_000);
    const s = new SessionController({ expiresAt: c.now() + 570_000, canRefresh: true, refresh, ...c });
    await c.advance(509_000);
    expect(refresh).not.toHaveBeenCalled();
    await c.advance(1_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(s.getSnapshot()).toMatchObject({ phase: 'active', refreshError: null });
    // forced refreshes in between are held back to one a minute
    await s.refreshNow();
    await s.refreshNow();
    expect(refresh).toHaveBeenCalledTimes(1);
    await c.advance(510_000);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('a short-lived token still refreshes at most once a minute (it may run out in between)', async () => {
    const c = clock();
    const refresh = vi.fn(async () => c.now() + 30_000);
    const s = new SessionController({ expiresAt: c.now() + 30_000, canRefresh: true, refresh, ...c });
    await c.advance(30_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    await c.advance(45_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    await c.advance(20_000);
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(refresh.mock.invocationCallOrder.length).toBe(2);
    expect(MIN_REFRESH_INTERVAL_MS).toBe(60_000);
    s.stop();
  });

  it('no refresh token (Epic public client): active, then expiring two minutes before, then expired', async () => {
    const c = clock();
    const refresh = vi.fn(async () => null);
    const s = new SessionController({ expiresAt: c.now() + 3_600_000, canRefresh: false, refresh, ...c });
    expect(s.getSnapshot().phase).toBe('active');
    await c.advance(3_600_000 - 121_000);
    expect(s.getSnapshot().phase).toBe('active');
    await c.advance(2_000);
    expect(s.getSnapshot().phase).toBe('expiring');
    await c.advance(120_000);
    expect(s.getSnapshot().phase).toBe('expired');
    expect(refresh).not.toHaveBeenCalled();
  });

  it('a failed refresh is said, and the session then runs out like one without a refresh token', async () => {
    const c = clock();
    const s = new SessionController({ expiresAt: c.now() + 600_000, canRefresh: true, refresh: async () => Promise.reject(new Error('invalid_grant')), ...c });
    await c.advance(540_000);
    expect(s.getSnapshot()).toMatchObject({ refreshError: 'invalid_grant', phase: 'expiring' });
    await c.advance(60_000);
    expect(s.getSnapshot().phase).toBe('expired');
  });
});

describe('the session banner', () => {
  it('warns before expiry, says why, and offers a relaunch that keeps what is on screen', async () => {
    const c = clock(Date.now());
    const session = new SessionController({ expiresAt: c.now() + 600_000, canRefresh: false, refresh: async () => null, ...c });
    const relaunch = vi.fn();
    render(
      <DataLayerProvider value={testDataLayer({ session, relaunch })}>
        <SessionBanner />
      </DataLayerProvider>,
    );
    expect(screen.queryByRole('status', { name: 'EHR session' })).not.toBeInTheDocument();
    await act(() => c.advance(481_000));
    const banner = screen.getByRole('status', { name: 'EHR session' });
    expect(banner).toHaveTextContent(/ends in about 2 minutes/);
    expect(banner).toHaveTextContent('This EHR does not let Tidemark renew it.');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Relaunch now' }));
    expect(relaunch).toHaveBeenCalledTimes(1);
    await act(() => c.advance(120_000));
    expect(screen.getByRole('status', { name: 'EHR session' })).toHaveTextContent('Your EHR session has ended.');
    session.stop();
  });

  it('the relaunch goes to the launch page for the same FHIR server', () => {
    expect(relaunchUrl('https://ehr.example/fhir/r4', 'https://app.example')).toBe('https://app.example/launch/?iss=https%3A%2F%2Fehr.example%2Ffhir%2Fr4');
  });
});

describe('the token’s patient is the patient shown', () => {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it('a Patient read that returns someone else stops the page before any result is shown', async () => {
    server.use(http.get(`${FHIR_BASE}/Patient/:id`, () => HttpResponse.json(patient({ id: 'someone-else' }))), ...fhirHandlers(TYPICAL_CHART), ...proxyHandlers(ALL_ENGINES_OK));
    renderApp();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This is not the patient the EHR authorized');
    expect(alert).toHaveTextContent('Patient/someone-else');
    expect(screen.queryByRole('region', { name: 'Summary' })).not.toBeInTheDocument();
  });
});
