/** Assembles the sandbox's Hono app: CORS, landing page, FHIR and SMART routes, request log. */
import { FhirRouter } from '@medplum/fhir-router';
import type { Encounter, Patient } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { SandboxRepository } from './fhir-store.ts';
import { registerFhirRoutes } from './fhir-http.ts';
import { landingPage } from './pages.ts';
import type { PatientSummary } from './pages.ts';
import { PRACTITIONER_ID } from './patients/index.ts';
import { registerAuthRoutes } from './smart-auth.ts';
import type { TokenStore } from './tokens.ts';
import { createVoiceDouble } from './voice-double/index.ts';

export interface AppDeps {
  repo: SandboxRepository;
  tokens: TokenStore;
  origin: () => string;
  appLaunchUrl: string;
  consent: boolean;
  simulate: string | undefined;
  log: (line: string) => void;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const fhirBase = () => `${deps.origin()}/fhir`;
  app.use('*', requestLog(deps.log));
  app.use(
    '*',
    cors({
      origin: (origin) => origin || '*', // a local tool: any page (app, SMART launcher) may call it
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'If-None-Exist', 'If-Match', 'If-None-Match', 'Prefer', 'X-Requested-With'],
      exposeHeaders: ['Location', 'ETag', 'Last-Modified', 'Content-Location', 'WWW-Authenticate'],
      maxAge: 600,
    }),
  );
  const patients = () => patientSummaries(deps.repo);
  app.get('/', (c) => c.html(landingPage(patients(), fhirBase(), deps.appLaunchUrl)));
  app.get('/smart-style.json', (c) => c.json({ color_background: '#f6f8fa', color_highlight: '#0b5cad', font_family_base: 'system-ui' }));
  app.get('/health', (c) => c.json({ ok: true }));
  registerAuthRoutes(app, {
    tokens: deps.tokens,
    origin: deps.origin,
    fhirBase,
    appLaunchUrl: deps.appLaunchUrl,
    consent: deps.consent,
    simulate: deps.simulate,
    patients,
    latestEncounter: (id) => latestEncounter(deps.repo, id),
    practitionerId: PRACTITIONER_ID,
  });
  registerFhirRoutes(app, { repo: deps.repo, router: new FhirRouter(), tokens: deps.tokens, origin: deps.origin, fhirBase });
  app.route('/voice-double', createVoiceDouble().app); // TEST DOUBLE of the voice service (README: upstream voice mode)
  return app;
}

/** Logs method, route shape and status only: ids and query strings may identify a patient. */
function requestLog(log: (line: string) => void) {
  return async (c: { req: { method: string; path: string }; res: Response }, next: () => Promise<void>) => {
    const start = performance.now();
    await next();
    const shape = c.req.path.split('/').slice(0, 3).join('/');
    log(`${c.req.method} ${shape} ${c.res.status} ${(performance.now() - start).toFixed(1)}ms`);
  };
}

export function patientSummaries(repo: SandboxRepository): PatientSummary[] {
  return repo
    .allOfType('Patient')
    .map((p) => p as Patient)
    .map((p) => ({
      id: p.id as string,
      name: [p.name?.[0]?.prefix?.join(' '), p.name?.[0]?.given?.join(' '), p.name?.[0]?.family].filter(Boolean).join(' ') || (p.id as string),
      birthDate: p.birthDate,
      gender: p.gender,
      story: p.meta?.tag?.find((t) => t.system === 'urn:tidemark:sandbox')?.display ?? 'Loaded from SANDBOX_DATA',
    }))
    .sort((a, b) => Number(a.story.startsWith('Loaded')) - Number(b.story.startsWith('Loaded')) || a.id.localeCompare(b.id));
}

function latestEncounter(repo: SandboxRepository, patientId: string): string | undefined {
  const finished = repo
    .ofPatient(patientId, 'Encounter')
    .map((e) => e as Encounter)
    .filter((e) => e.status === 'finished' && e.period?.start)
    .sort((a, b) => (b.period?.start ?? '').localeCompare(a.period?.start ?? ''));
  return finished[0]?.id;
}
