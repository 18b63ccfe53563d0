// Says when the EHR session is about to end or has ended and offers a relaunch; what is on screen
// stays (results keep showing; entered PHQ-9s are kept in this tab for the relaunch). Silent while
// the session is fine or is being renewed with its refresh token.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useDataLayer } from './data-layer.tsx';
import type { SessionController, SessionSnapshot } from './session.ts';

const NEVER: SessionSnapshot = { phase: 'active', expiresAt: null, canRefresh: false, refreshError: null };
const noop = () => () => undefined;

function useSession(session: SessionController | undefined): SessionSnapshot {
  return useSyncExternalStore(session?.subscribe ?? noop, session?.getSnapshot ?? (() => NEVER), session?.getSnapshot ?? (() => NEVER));
}

/** Minutes left, rounded up, refreshed every 15 s while the warning shows. */
function useMinutesLeft(expiresAt: number | null, active: boolean, clock: () => number): number | null {
  const [, tick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => tick((n) => n + 1), 15_000);
    return () => clearInterval(t);
  }, [active]);
  return expiresAt === null ? null : Math.max(0, Math.ceil((expiresAt - clock()) / 60_000));
}

export function SessionBanner() {
  const layer = useDataLayer();
  const s = useSession(layer.session);
  const warn = s.phase === 'expiring' || s.phase === 'expired';
  const minutes = useMinutesLeft(s.expiresAt, warn, layer.session?.now ?? Date.now);
  if (!warn) return null;
  const why = s.refreshError
    ? `Tidemark could not renew it (${s.refreshError}).`
    : s.canRefresh
      ? ''
      : 'This EHR does not let Tidemark renew it.';
  return (
    <section className="session-banner" role="status" aria-live="polite" aria-label="EHR session">
      <p>
        {s.phase === 'expired' ? (
          <strong>Your EHR session has ended.</strong>
        ) : (
          <strong>
            Your EHR session ends in about {minutes} minute{minutes === 1 ? '' : 's'}.
          </strong>
        )}{' '}
        {why} What is on screen stays here{s.phase === 'expired' ? ', but Tidemark can no longer read from or save to the chart' : ''}. Relaunch to keep
        working with the chart; a PHQ-9 you entered and have not saved is kept for the same patient.
      </p>
      {layer.relaunch && (
        <button type="button" className="button" onClick={layer.relaunch}>
          Relaunch now
        </button>
      )}
    </section>
  );
}
