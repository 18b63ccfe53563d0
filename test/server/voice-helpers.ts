// Voice route test plumbing: fake FHIR servers whose introspection names the patient, uploads,
// polling; freePort (the webhook URL must be known before the server starts) from the e2e harness.
import { listen } from './helpers.ts';

export { freePort } from '../e2e/harness.ts';

/** Tokens → patient, per FHIR server path (/a/fhir, /b/fhir with introspection; /r/fhir without). */
export const TOKENS = {
  a1: { server: 'a', patient: 'pat-voice-one' },
  a1refreshed: { server: 'a', patient: 'pat-voice-one' },
  a2: { server: 'a', patient: 'pat-voice-two' },
  b1: { server: 'b', patient: 'pat-voice-one' },
  user: { server: 'a', patient: undefined },
  r1: { server: 'r', patient: undefined },
} as const;
export type TokenName = keyof typeof TOKENS;
/** Patients the no-introspection server lets token r1 read. */
const READABLE_ON_R = new Set(['pat-voice-one']);

export async function fakeFhirServers() {
  const srv = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const m = /^\/(a|b|r)\/(fhir|auth)(\/.*)$/.exec(url.pathname);
    if (!m) return send(404, {});
    const [, server, kind, rest] = m;
    const auth = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (kind === 'fhir' && rest === '/.well-known/smart-configuration') {
      return send(200, server === 'r' ? {} : { introspection_endpoint: `${srv.url}/${server}/auth/introspect` });
    }
    if (kind === 'auth' && rest === '/introspect') {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const token = new URLSearchParams(Buffer.concat(parts).toString()).get('token') ?? '';
        const t = TOKENS[token as TokenName];
        if (!t || t.server !== server) return send(200, { active: false });
        send(200, { active: true, exp: Math.floor(Date.now() / 1000) + 3600, ...(t.patient ? { patient: t.patient } : {}) });
      });
      return;
    }
    const t = TOKENS[auth as TokenName];
    if (!t || t.server !== server) return send(401, { resourceType: 'OperationOutcome' });
    if (rest === '/Patient') return send(200, { resourceType: 'Bundle', type: 'searchset', entry: [] });
    const p = /^\/Patient\/([^/]+)$/.exec(rest ?? '');
    if (p) return READABLE_ON_R.has(decodeURIComponent(p[1]!)) ? send(200, { resourceType: 'Patient', id: p[1] }) : send(403, {});
    send(404, {});
  });
  return { ...srv, base: (s: 'a' | 'b' | 'r') => `${srv.url}/${s}/fhir` };
}

export function headersFor(fhirBase: string, token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'x-fhir-server': fhirBase, ...extra };
}

export async function upload(
  url: string,
  headers: Record<string, string>,
  audio: Uint8Array | null,
  fields: Record<string, string> = { use_case: 'behavioral-health' },
  type = 'audio/wav',
) {
  const form = new FormData();
  if (audio) form.set('audio', new Blob([audio as Uint8Array<ArrayBuffer>], { type }), 'sample.wav');
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await fetch(`${url}/api/v1/voice/analyze`, { method: 'POST', headers, body: form });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { ok: boolean; data?: any; error?: { code: string; message: string } } };
}

export async function getJob(url: string, headers: Record<string, string>, id: string) {
  const res = await fetch(`${url}/api/v1/voice/jobs/${encodeURIComponent(id)}`, { headers });
  return { status: res.status, body: (await res.json()) as { ok: boolean; data?: any; error?: { code: string; message: string } } };
}

/** Polls until the job is done or failed (or the time is up). */
export async function waitDone(url: string, headers: Record<string, string>, id: string, timeoutMs = 20_000, everyMs = 200) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await getJob(url, headers, id);
    if (r.status !== 200 || ['done', 'failed'].includes(r.body.data.status) || Date.now() > until) return r;
    await new Promise((res) => setTimeout(res, everyMs));
  }
}
