// A real HTTP proxy in front of the sandbox that the population tests use to break writes on purpose:
// refuse one patient's writes, fail a batch once, slow every write. It records what was POSTed.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PostedEntry {
  patient: string;
  identifier: string;
}

export interface FaultRule {
  /** Answer with this status instead of forwarding (a FHIR OperationOutcome body). */
  status: number;
  /** Only for POSTs whose body names one of these patients. */
  patients: string[];
  /** How many times the rule fires (Infinity: always). */
  times: number;
}

export interface FaultProxy {
  fhirBase: string;
  rules: FaultRule[];
  /** Delay added to every POST (ms). */
  writeDelayMs: number;
  posted: PostedEntry[];
  /** Bulk export kick-offs seen. */
  kickoffs: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const origin = new URL(target).origin;
  const state: Omit<FaultProxy, 'fhirBase' | 'close'> = { rules: [], writeDelayMs: 0, posted: [], kickoffs: 0 };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.method === 'GET' && /\/\$export(\?|$)/.test(req.url ?? '')) state.kickoffs++;
    if (req.method === 'POST') {
      const text = body.toString('utf8');
      for (const e of entriesOf(text)) state.posted.push(e);
      const rule = state.rules.find((r) => r.times > 0 && r.patients.some((p) => text.includes(`"Patient/${p}"`)));
      if (state.writeDelayMs > 0) await new Promise((r) => setTimeout(r, state.writeDelayMs));
      if (rule) {
        rule.times--;
        res.writeHead(rule.status, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: rule.status >= 500 ? 'transient' : 'invalid', diagnostics: `injected ${rule.status}` }] }));
        return;
      }
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers.set(k, v);
    const upstream = await fetch(`${origin}${req.url}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(body) });
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (k !== 'content-encoding' && k !== 'content-length' && k !== 'transfer-encoding') out[k] = v;
    });
    res.writeHead(upstream.status, out);
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxy = state as FaultProxy;
  proxy.fhirBase = `http://127.0.0.1:${port}${new URL(target).pathname}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function entriesOf(text: string): PostedEntry[] {
  try {
    const b = JSON.parse(text) as { resourceType?: string; entry?: Array<{ resource?: Obs }> } & Obs;
    const list: Obs[] = b.resourceType === 'Bundle' ? (b.entry ?? []).map((e) => e.resource ?? {}) : [b];
    return list.map((o) => ({ patient: o.subject?.reference?.replace(/^Patient\//, '') ?? '', identifier: o.identifier?.[0]?.value ?? '' }));
  } catch {
    return [];
  }
}

type Obs = { subject?: { reference?: string }; identifier?: Array<{ value?: string }> };
