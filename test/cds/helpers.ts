// CDS test plumbing: a test EHR issuer (its own key pair and JWKS server) that can mint good and
// deliberately broken JWTs, hook requests with prefetch built from fixtures, and a server + sandbox pair.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { PATIENT_VIEW_ID, prefetchTemplates } from '../../src/cds/services.ts';
import type { TrustedIssuer } from '../../src/cds/client-auth.ts';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { startTestSandbox } from '../sandbox/helpers.ts';
import { listen, startTest } from '../server/helpers.ts';

type Json = Record<string, unknown>;

export interface MintOptions {
  aud?: string | string[];
  iss?: string;
  /** Seconds from now. */
  expIn?: number;
  iatAgo?: number;
  jti?: string;
  alg?: 'ES384' | 'RS384';
  kid?: string;
  jku?: string;
  omit?: Array<'exp' | 'iat' | 'jti' | 'aud'>;
  /** Sign with a key the issuer never published (bad signature, same kid). */
  foreignKey?: boolean;
}

export interface TestIssuer extends TrustedIssuer {
  mint(opts?: MintOptions): Promise<string>;
  publicJwk: JWK;
  /** Rotate to a new key (new kid) while the JWKS URL stays: the service must refetch. */
  rotate(): Promise<void>;
  jwksHits(): number;
  close(): Promise<void>;
}

export async function testIssuer(iss = 'https://ehr.example.test'): Promise<TestIssuer> {
  let keys = await generateKeyPair('ES384');
  let previous: { key: CryptoKey; kid: string } | undefined;
  const rsa = await generateKeyPair('RS384');
  const foreign = await generateKeyPair('ES384');
  let kid = randomUUID();
  const rsaKid = randomUUID();
  let hits = 0;
  const jwks = async () => ({
    keys: [
      { ...(await exportJWK(keys.publicKey)), kid, alg: 'ES384', use: 'sig' },
      { ...(await exportJWK(rsa.publicKey)), kid: rsaKid, alg: 'RS384', use: 'sig' },
      // During a rotation the old key stays published, as EHRs do.
      ...(previous ? [{ ...(await exportJWK(previous.key)), kid: previous.kid, alg: 'ES384', use: 'sig' }] : []),
    ],
  });
  const srv = await listen(async (_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(await jwks()));
  });
  const jwksUrl = `${srv.url}/jwks.json`;
  const issuer: TestIssuer = {
    iss,
    jwksUrl,
    publicJwk: (await jwks()).keys[0]!,
    async mint(o: MintOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      const alg = o.alg ?? 'ES384';
      const claims: Json = {
        iss: o.iss ?? iss,
        aud: o.aud,
        exp: now + (o.expIn ?? 300),
        iat: now - (o.iatAgo ?? 0),
        jti: o.jti ?? randomUUID(),
      };
      for (const k of o.omit ?? []) delete claims[k];
      const key = o.foreignKey ? foreign.privateKey : alg === 'RS384' ? rsa.privateKey : keys.privateKey;
      return new SignJWT(claims)
        .setProtectedHeader({ alg, typ: 'JWT', kid: o.kid ?? (alg === 'RS384' ? rsaKid : kid), ...(o.jku ? { jku: o.jku } : {}) })
        .sign(key);
    },
    async rotate() {
      previous = { key: keys.publicKey, kid };
      keys = await generateKeyPair('ES384');
      kid = randomUUID();
    },
    jwksHits: () => hits,
    close: () => srv.close(),
  };
  return issuer;
}

/** The prefetch a client would send for these resources: every template key present (all data in one, the rest null). */
export function prefetchOf(resources: Json[], missing: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(prefetchTemplates());
  for (const [i, key] of keys.entries()) {
    if (missing.includes(key)) continue;
    out[key] = i === 0 && resources.length ? { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) } : null;
  }
  return out;
}

export function patientViewBody(patientId: string, extra: Json = {}): Json {
  return { hook: 'patient-view', hookInstance: randomUUID(), context: { userId: 'Practitioner/dr-1', patientId }, ...extra };
}

export function orderSelectBody(patientId: string, orders: Json[], selections?: string[], extra: Json = {}): Json {
  return {
    hook: 'order-select',
    hookInstance: randomUUID(),
    context: {
      userId: 'Practitioner/dr-1',
      patientId,
      selections: selections ?? orders.map((o) => `MedicationRequest/${o.id as string}`),
      draftOrders: { resourceType: 'Bundle', entry: orders.map((resource) => ({ resource })) },
    },
    ...extra,
  };
}

export function draftOrder(id: string, coding: { code?: string; display?: string } | null, text?: string): Json {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: {
      ...(coding ? { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', ...coding }] } : {}),
      ...(text ? { text } : {}),
    },
  };
}

export interface CdsStack {
  url: string;
  /** The real sandbox; absent with `{ sandbox: false }` (then the FHIR base is a placeholder). */
  sandbox: SandboxHandle;
  issuer: TestIssuer;
  logs: { text(): string; lines: string[] };
  server: Awaited<ReturnType<typeof startTest>>;
  /** POSTs a hook (or feedback) with a fresh JWT whose aud is the endpoint URL, unless a token is given. */
  post(path: string, body: unknown, token?: string | null): Promise<Response>;
  close(): Promise<void>;
}

/** App server (CDS on, trusting the test issuer and the sandbox) + a real sandbox as the FHIR server. */
export async function startCdsStack(opts: { now?: Date; sandbox?: boolean } = {}): Promise<CdsStack> {
  const issuer = await testIssuer();
  // The sandbox's CDS client must know the server's URL before it starts: reserve the port first.
  const probe = await listen(() => undefined);
  const port = Number(new URL(probe.url).port);
  await probe.close();
  const appUrl = `http://127.0.0.1:${port}`;
  const sandbox: SandboxHandle =
    opts.sandbox === false
      ? { url: 'http://127.0.0.1:9', fhirBase: 'http://127.0.0.1:9/fhir', startupMs: 0, close: async () => undefined }
      : await startTestSandbox({ appLaunchUrl: appUrl, ...(opts.now ? { anchor: opts.now } : {}) });
  const server = await startTest(
    {
      port,
      fhirServers: [sandbox.fhirBase],
      cdsTrustedIssuers: [
        { iss: issuer.iss, jwksUrl: issuer.jwksUrl },
        { iss: sandbox.url, jwksUrl: `${sandbox.url}/cds-client/jwks.json` },
      ],
      frameAncestors: ["'self'", sandbox.url],
    },
    opts.now ? { cdsNow: () => opts.now! } : {},
  );
  const post = async (path: string, body: unknown, token?: string | null) => {
    const url = `${server.url}${path}`;
    const jwt = token === undefined ? await issuer.mint({ aud: url }) : token;
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(jwt ? { authorization: `Bearer ${jwt}` } : {}) },
      body: JSON.stringify(body),
    });
  };
  return {
    url: server.url,
    sandbox,
    issuer,
    logs: server.logs,
    server,
    post,
    async close() {
      await server.close(500);
      await sandbox.close();
      await issuer.close();
    },
  };
}

export const PV = `/cds-services/${PATIENT_VIEW_ID}`;
