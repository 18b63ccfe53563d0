/**
 * Assembles the sandbox's Hono app: request log, latency (SANDBOX_LATENCY_MS), security headers,
 * CORS (any origin for FHIR and discovery, the app's origins only for /auth/*), body limits (413),
 * landing page, extension routes, SMART and FHIR routes.
 */
import type { Encounter, Patient } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { outcome } from './fhir-errors.ts';
import type { SandboxRepository } from './fhir-store.ts';
import { landingPage, pageSecurityHeaders } from './pages.ts';
import type { PatientSummary } from './pages.ts';

export interface HttpDeps {
  repo: SandboxRepository;
  log: (line: string) => void;
  latencyMs: number;
  /** Origins allowed to call /auth/* from a browser (the app's, from APP_URL, plus SANDBOX_AUTH_ORIGINS). */
  authOrigins: () => readonly string[];
  authBodyLimitBytes: number;
  fhirBodyLimitBytes: number;
  appLaunchUrl: string;
  fhirBase: () => string;
  /** Link each patient's CDS chart page from the landing page (the CDS client is on). */
  chartPages?: boolean;
}

const FHIR_CORS = {
  allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'If-None-Exist', 'If-Match', 'If-None-Match', 'Prefer', 'X-Requested-With'],
  exposeHeaders: ['Location', 'ETag', 'Last-Modified', 'Content-Location', 'WWW-Authenticate', 'X-Progress', 'Retry-After'],
  maxAge: 600,
};

/** The app with its middleware; routes are added by the caller in order (extensions, auth, FHIR). */
export function createApp(deps: HttpDeps): Hono {
  const app = new Hono();
  app.use('*', requestLog(deps.log));
  app.use('*', securityHeaders());
  if (deps.latencyMs > 0) for (const path of ['/fhir/*', '/auth/*', '/.well-known/*', '/ehr-launch']) app.use(path, latency(deps.latencyMs));
  app.use('/fhir/*', cors({ origin: (origin) => origin || '*', ...FHIR_CORS }));
  app.use('/.well-known/*', cors({ origin: '*', allowMethods: ['GET'] }));
  app.use('/auth/*', cors({ origin: (origin) => (deps.authOrigins().includes(origin) ? origin : null), allowMethods: ['GET', 'POST', 'OPTIONS'], allowHeaders: ['Authorization', 'Content-Type', 'Accept'], maxAge: 600 }));
  app.use('/auth/*', limit(deps.authBodyLimitBytes, false));
  app.use('/fhir/*', limit(deps.fhirBodyLimitBytes, true));
  const patients = () => patientSummaries(deps.repo);
  app.get('/', (c) => c.html(landingPage(patients(), deps.fhirBase(), deps.appLaunchUrl, deps.chartPages)));
  app.get('/smart-style.json', (c) => c.json({ color_background: '#f6f8fa', color_highlight: '#0b5cad', font_family_base: 'system-ui' }));
  app.get('/health', (c) => c.json({ ok: true }));
  return app;
}

/** Logs method, route shape and status only: ids and query strings may identify a patient. */
function requestLog(log: (line: string) => void): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const shape = c.req.path.split('/').slice(0, 3).join('/');
    log(`${c.req.method} ${shape} ${c.res.status} ${(performance.now() - start).toFixed(1)}ms`);
  };
}

/** SANDBOX_LATENCY_MS: every FHIR and auth response waits this long, like a hosted EHR. */
function latency(ms: number): MiddlewareHandler {
  return async (_c, next) => {
    await new Promise((r) => setTimeout(r, ms));
    await next();
  };
}

/** Every response: nosniff and no referrer; HTML pages without their own policy: no framing, nothing external. */
function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    c.res.headers.set('Referrer-Policy', 'no-referrer');
    if ((c.res.headers.get('content-type') ?? '').includes('text/html') && !c.res.headers.has('content-security-policy')) {
      for (const [k, v] of Object.entries(pageSecurityHeaders())) c.res.headers.set(k, v);
    }
  };
}

/**
 * 413 before the body is read into memory (Content-Length), or as soon as a streamed body passes the
 * limit. The rest of the body is read and dropped (at most DRAIN_BYTES, then the connection is cut), so
 * an ordinary client that is still sending gets to read the 413 instead of a reset socket.
 */
function limit(maxSize: number, fhir: boolean): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: (c: Context) => {
      drain(c.req.raw.body);
      const message = `The request body is larger than ${maxSize} bytes.`;
      if (fhir) return c.body(JSON.stringify(outcome(message, 'too-costly')), 413, { 'Content-Type': 'application/fhir+json; charset=utf-8' });
      return c.json({ error: 'invalid_request', error_description: message }, 413);
    },
  });
}

const DRAIN_BYTES = 64 * 1024 * 1024;

function drain(body: ReadableStream<Uint8Array> | null): void {
  if (!body || body.locked) return;
  const reader = body.getReader();
  let seen = 0;
  const next = (): Promise<void> =>
    reader.read().then(({ done, value }) => {
      if (done) return;
      seen += value.length;
      if (seen > DRAIN_BYTES) return reader.cancel();
      return next();
    });
  next().catch(() => undefined);
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

export function latestEncounter(repo: SandboxRepository, patientId: string): string | undefined {
  const finished = repo
    .ofPatient(patientId, 'Encounter')
    .map((e) => e as Encounter)
    .filter((e) => e.status === 'finished' && e.period?.start)
    .sort((a, b) => (b.period?.start ?? '').localeCompare(a.period?.start ?? ''));
  return finished[0]?.id;
}

