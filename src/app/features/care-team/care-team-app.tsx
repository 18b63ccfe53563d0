// Tidemark without a patient in context (provider launch, or standalone with user scopes): the
// care-team panel; choosing a patient opens the single-patient view for that patient, read with the
// same session (user scopes). The chosen patient is kept in the URL (?patient=<id>), so Back returns
// to the panel; the server's access rules decide what the session may read, never the URL.
import { useCallback, useEffect, useState } from 'react';
import { App } from '../../app.tsx';
import { AppProviders } from '../../app-providers.tsx';
import type { DataLayer, FhirFetchJson } from '../launch-session/data-layer.tsx';
import { usePanel } from './api/use-panel.ts';
import { CareTeamPanel, type PanelView } from './components/care-team-panel.tsx';
import { DEFAULT_FILTERS } from './panel-model.ts';

export interface CareTeamAppProps {
  fhir: FhirFetchJson;
  groupId: string;
  /** The single-patient data layer for a chosen patient (same session). */
  layerFor: (patientId: string) => DataLayer;
  now?: () => Date;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function patientFromUrl(href: string): string | null {
  const id = new URL(href).searchParams.get('patient');
  return id && ID.test(id) ? id : null;
}

const systemNow = () => new Date();

export function CareTeamApp({ fhir, groupId, layerFor, now = systemNow }: CareTeamAppProps) {
  const [patientId, setPatientId] = useState(() => patientFromUrl(window.location.href));
  const [view, setView] = useState<PanelView>({ filters: DEFAULT_FILTERS, sort: 'priority' });
  const panel = usePanel(fhir, groupId, now);
  useEffect(() => {
    const onPop = () => setPatientId(patientFromUrl(window.location.href));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((id: string | null) => {
    const url = new URL(window.location.href);
    if (id) url.searchParams.set('patient', id);
    else url.searchParams.delete('patient');
    window.history.pushState(null, '', url);
    setPatientId(id);
  }, []);

  if (patientId) {
    return (
      <div className="care-team-patient">
        <nav className="care-team__back" aria-label="Care team">
          <button type="button" className="button" onClick={() => go(null)}>
            ← Back to the care-team panel
          </button>
        </nav>
        <AppProviders key={patientId} layer={layerFor(patientId)}>
          <App />
        </AppProviders>
      </div>
    );
  }
  return (
    <div className="app">
      <header className="app-header">
        <p className="app-header__brand">
          Tidemark <span className="muted">· care team</span>
        </p>
      </header>
      <main className="app-main" id="main">
        <h1 className="visually-hidden">Tidemark care-team panel</h1>
        <CareTeamPanel panel={panel} view={view} onView={setView} onOpen={go} nowMs={now().getTime()} groupId={groupId} />
      </main>
      <footer className="app-footer">
        <p>Tidemark is decision support for clinician review — not a diagnosis.</p>
      </footer>
    </div>
  );
}
