/** SMART Backend Services over HTTP: client_credentials with private_key_jwt, and every way it must refuse. */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendServicesAuth } from '../../src/population/backend-auth.ts';
import { DEV_CLIENT_ID, ensureDevKey, PRIVATE_KEY_FILE, PUBLIC_JWKS_FILE } from '../../src/population/dev-key.ts';
import type { SigningKey } from '../../src/population/dev-key.ts';
import { devClientFor } from '../../src/sandbox/population/dev-client.ts';
import { ASSERTION_TYPE, keyPair, signAssertion, startPopulationSandbox, tempDir, tokenRequest, writeJson } from '../population/fixture.ts';
import type { PopulationSandbox } from '../population/fixture.ts';
import { authorize, fhirPost, pkcePair, startTestSandbox } from './helpers.ts';

let p: PopulationSandbox;
let jwksServer: Server;
let jwksHits = 0;
let rs: Awaited<ReturnType<typeof keyPair>>;
let remote: Awaited<ReturnType<typeof keyPair>>;
let devKey: SigningKey;

beforeAll(async () => {
  rs = await keyPair('RS384', 'rs-1');
  remote = await keyPair('ES384', 'remote-1');
  jwksServer = createServer((_req, res) => {
    jwksHits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [remote.publicJwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  const dir = tempDir();
  const clientsFile = writeJson(join(dir, 'clients.json'), {
    clients: [
      { client_id: 'rs-client', scope: 'system/Patient.rs system/Observation.rs', jwks: { keys: [rs.publicJwk] } },
      { client_id: 'uri-client', scope: 'system/*.rs', jwks_uri: jwksUri },
    ],
  });
  p = await startPopulationSandbox({ population: 0, clientsFile }, dir);
}, 60_000);

afterAll(async () => {
  await p.sb.close();
  await new Promise((resolve) => jwksServer.close(resolve));
});

const grant = (assertion: string, scope = 'system/*.rs', extra: Record<string, string> = {}) =>
  tokenRequest(p.tokenEndpoint, { grant_type: 'client_credentials', scope, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...extra });

async function refused(res: Response, error = 'invalid_client', status = 401): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as { error: string; error_description: string; access_token?: string };
  expect(body.error).toBe(error);
  expect(body.access_token).toBeUndefined();
  return body.error_description;
}

describe('development key', () => {
  it('is created on first use (0600 private key in a 0700 folder) and trusted by the running sandbox without a restart', async () => {
    expect(existsSync(join(p.keyDir, PRIVATE_KEY_FILE))).toBe(false);
    const before = await signAssertion({ jwk: (await keyPair('ES384', 'k')).privateJwk }, { clientId: DEV_CLIENT_ID, aud: p.tokenEndpoint });
    expect(await refused(await grant(before))).toMatch(/no public keys/);

    devKey = await ensureDevKey(p.keyDir);
    expect(statSync(join(p.keyDir, PRIVATE_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(p.keyDir).mode & 0o777).toBe(0o700);
    expect(devKey.publicJwks.keys[0]).not.toHaveProperty('d');
    expect(JSON.parse(readFileSync(join(p.keyDir, PUBLIC_JWKS_FILE), 'utf8'))).toEqual(devKey.publicJwks);
    expect((await ensureDevKey(p.keyDir)).privateJwk).toEqual(devKey.privateJwk); // stable across runs

    const res = await grant(await signAssertion({ jwk: devKey.privateJwk }, { clientId: DEV_CLIENT_ID, aud: p.tokenEndpoint }), 'system/*.rs system/Observation.c');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'system/*.rs system/Observation.c' });
    expect(body.expires_in as number).toBeLessThanOrEqual(300);
    expect(body.refresh_token).toBeUndefined();
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('exists only on a loopback sandbox with the open profile and the dev key folder on', () => {
    expect(devClientFor('.data/population', '127.0.0.1', 'open')?.clientId).toBe(DEV_CLIENT_ID);
    expect(devClientFor('.data/population', '0.0.0.0', 'open')).toBeUndefined();
    expect(devClientFor('.data/population', '192.168.1.20', 'open')).toBeUndefined();
    expect(devClientFor(false, '127.0.0.1', 'open')).toBeUndefined();
    expect(devClientFor('.data/population', '127.0.0.1', 'epic')).toBeUndefined();
    expect(devClientFor('.data/population', '127.0.0.1', 'cerner')).toBeUndefined();
  });

  it('is unknown to a sandbox started with SANDBOX_DEV_CLIENT=0', async () => {
    const off = await startTestSandbox({ devKeyDir: false, population: 0 });
    try {
      const key = await ensureDevKey(p.keyDir);
      const assertion = await signAssertion({ jwk: key.privateJwk }, { clientId: DEV_CLIENT_ID, aud: `${off.url}/auth/token` });
      const res = await tokenRequest(`${off.url}/auth/token`, { grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion });
      expect(await refused(res)).toMatch(/Unknown client/);
    } finally {
      await off.close();
    }
  });
});

describe('client_credentials grant', () => {
  const dev = (input: Partial<Parameters<typeof signAssertion>[0]> = {}) =>
    signAssertion({ jwk: devKey.privateJwk, ...input }, { clientId: DEV_CLIENT_ID, aud: p.tokenEndpoint });

  it('issues an RS384 client from an inline JWKS a token limited to its registered scopes', async () => {
    const assertion = await signAssertion({ jwk: rs.privateJwk }, { clientId: 'rs-client', aud: p.tokenEndpoint });
    const res = await grant(assertion, 'system/Observation.rs');
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { access_token: string }).access_token;
    const obs = await fetch(`${p.sb.fhirBase}/Observation?patient=relapse&_count=5`, { headers: { authorization: `Bearer ${token}` } });
    expect(obs.status).toBe(200);
    const write = await fhirPost(p.sb, token, 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/sparse' } });
    expect(write.status).toBe(403);
  });

  it('fetches a jwks_uri once and serves later tokens from its cache', async () => {
    const before = jwksHits;
    for (let i = 0; i < 3; i++) {
      const res = await grant(await signAssertion({ jwk: remote.privateJwk }, { clientId: 'uri-client', aud: p.tokenEndpoint }));
      expect(res.status).toBe(200);
    }
    expect(jwksHits - before).toBe(1);
  });

  it('accepts a jku equal to the registered JWKS URL and refuses any other', async () => {
    const registered = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    const withJku = (jku: string) =>
      new BackendServicesAuth({ tokenEndpoint: p.tokenEndpoint, clientId: 'uri-client', privateJwk: remote.privateJwk, scope: 'system/*.rs', jku }).assertion();
    expect((await grant(await withJku(registered))).status).toBe(200);
    expect(await refused(await grant(await withJku('https://attacker.example/jwks.json')))).toMatch(/jku/);
    const devWithJku = await new BackendServicesAuth({ tokenEndpoint: p.tokenEndpoint, clientId: DEV_CLIENT_ID, privateJwk: devKey.privateJwk, scope: 'system/*.rs', jku: registered }).assertion();
    expect(await refused(await grant(devWithJku))).toMatch(/jku/);
  });

  it('lets a system token with system/Observation.c write for any patient', async () => {
    const res = await grant(await dev(), 'system/Observation.c system/Patient.rs');
    const token = ((await res.json()) as { access_token: string }).access_token;
    const write = await fhirPost(p.sb, token, 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'population result' }, subject: { reference: 'Patient/relapse' } });
    expect(write.status).toBe(201);
  });

  it('refuses a bad signature (another key under the registered kid)', async () => {
    const other = await keyPair('ES384', devKey.privateJwk.kid);
    expect(await refused(await grant(await dev({ jwk: other.privateJwk })))).toMatch(/signature/);
  });

  it('refuses a wrong aud', async () => {
    expect(await refused(await grant(await dev({ aud: `${p.sb.fhirBase}` })))).toMatch(/aud must be the token endpoint/);
  });

  it('refuses an expired assertion', async () => {
    expect(await refused(await grant(await dev({ exp: -120 })))).toMatch(/expired/);
  });

  it('refuses an exp more than five minutes ahead', async () => {
    expect(await refused(await grant(await dev({ exp: 3600 })))).toMatch(/five minutes/);
  });

  it('refuses a replayed jti, even for a fresh signature', async () => {
    const jti = crypto.randomUUID();
    const first = await dev({ jti });
    expect((await grant(first)).status).toBe(200);
    expect(await refused(await grant(first))).toMatch(/already used/);
    expect(await refused(await grant(await dev({ jti })))).toMatch(/already used/);
  });

  it('refuses an unregistered client', async () => {
    const assertion = await signAssertion({ jwk: devKey.privateJwk }, { clientId: 'nobody', aud: p.tokenEndpoint });
    expect(await refused(await grant(assertion))).toMatch(/Unknown client/);
  });

  it('refuses an unknown kid', async () => {
    expect(await refused(await grant(await dev({ kid: 'not-registered' })))).toMatch(/kid/);
  });

  it('refuses algorithms other than RS384/ES384 (RS256, HS256, none)', async () => {
    const rs256 = await signAssertion({ jwk: rs.privateJwk, alg: 'RS256' }, { clientId: 'rs-client', aud: p.tokenEndpoint });
    expect(await refused(await grant(rs256))).toMatch(/alg RS256 is not allowed/);
    const hs = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'HS256', kid: devKey.privateJwk.kid })
      .setIssuer(DEV_CLIENT_ID)
      .setSubject(DEV_CLIENT_ID)
      .setAudience(p.tokenEndpoint)
      .setExpirationTime('2m')
      .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!!'));
    expect(await refused(await grant(hs))).toMatch(/alg HS256/);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: devKey.privateJwk.kid })).toString('base64url')}.${hs.split('.')[1]}.`;
    expect(await refused(await grant(none))).toMatch(/alg none/);
  });

  it('refuses iss different from sub, and a client_id that is not the assertion’s', async () => {
    expect(await refused(await grant(await dev({ sub: 'someone-else' })))).toMatch(/iss and sub/);
    expect(await refused(await grant(await dev(), 'system/*.rs', { client_id: 'rs-client' }))).toMatch(/client_id does not match/);
  });

  it('refuses a missing or wrong client_assertion_type and a missing assertion', async () => {
    const assertion = await dev();
    const base = { grant_type: 'client_credentials', scope: 'system/*.rs' };
    await refused(await tokenRequest(p.tokenEndpoint, { ...base, client_assertion: assertion }));
    await refused(await tokenRequest(p.tokenEndpoint, { ...base, client_assertion_type: 'urn:other', client_assertion: assertion }));
    await refused(await tokenRequest(p.tokenEndpoint, { ...base, client_assertion_type: ASSERTION_TYPE }));
  });

  it('refuses scopes beyond the registration with invalid_scope', async () => {
    const rsAssertion = () => signAssertion({ jwk: rs.privateJwk }, { clientId: 'rs-client', aud: p.tokenEndpoint });
    expect(await refused(await grant(await rsAssertion(), 'system/Encounter.rs'), 'invalid_scope', 400)).toMatch(/system\/Encounter.rs/);
    expect(await refused(await grant(await rsAssertion(), 'system/*.rs'), 'invalid_scope', 400)).toMatch(/system\/\*.rs/);
    expect(await refused(await grant(await dev(), 'system/Observation.u'), 'invalid_scope', 400)).toMatch(/Observation.u/);
    expect(await refused(await grant(await dev(), 'patient/*.rs'), 'invalid_scope', 400)).toMatch(/patient/);
    await refused(await grant(await dev(), ''), 'invalid_scope', 400);
  });
});

describe('vendor profiles', () => {
  it('grant system scopes in the syntax the profile grants: Epic v1 only, Oracle Health no wildcards; no dev client', async () => {
    const dir = tempDir();
    const clientsFile = writeJson(join(dir, 'clients.json'), { clients: [{ client_id: 'rs-client', scope: 'system/*.rs', jwks: { keys: [rs.publicJwk] } }] });
    for (const [profile, ok, notGranted, advertised] of [
      ['epic', 'system/Patient.read system/Observation.read', 'system/Patient.rs', ['system/*.read', 'system/Observation.write']],
      ['cerner', 'system/Patient.rs system/Observation.read', 'system/*.rs', ['system/Patient.rs', 'system/Observation.c']],
    ] as const) {
      const vendor = await startPopulationSandbox({ population: 0, clientsFile, profile }, dir);
      try {
        const ask = async (scope: string, clientId = 'rs-client', jwk = rs.privateJwk) =>
          tokenRequest(vendor.tokenEndpoint, {
            grant_type: 'client_credentials',
            scope,
            client_assertion_type: ASSERTION_TYPE,
            client_assertion: await signAssertion({ jwk }, { clientId, aud: vendor.tokenEndpoint }),
          });
        const granted = await ask(ok);
        expect(granted.status, profile).toBe(200);
        expect(await refused(await ask(notGranted), 'invalid_scope', 400)).toMatch(/does not grant/);
        expect(await refused(await ask('system/*.rs', DEV_CLIENT_ID, devKey.privateJwk))).toMatch(/Unknown client/);
        const conf = (await (await fetch(`${vendor.sb.fhirBase}/.well-known/smart-configuration`)).json()) as { scopes_supported: string[] };
        expect(conf.scopes_supported).toEqual(expect.arrayContaining([...advertised]));
        expect(conf.scopes_supported).not.toContain(notGranted);
        const token = ((await granted.json()) as { access_token: string }).access_token;
        const kick = await fetch(`${vendor.sb.fhirBase}/Group/care-team/$export?_type=Patient`, { headers: { authorization: `Bearer ${token}`, prefer: 'respond-async' } });
        expect(kick.status, profile).toBe(202);
      } finally {
        await vendor.sb.close();
      }
    }
  });
});

describe('discovery', () => {
  it('advertises Backend Services in the SMART configuration', async () => {
    const config = (await (await fetch(`${p.sb.fhirBase}/.well-known/smart-configuration`)).json()) as Record<string, string[]>;
    expect(config.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(config.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS384', 'ES384']);
    expect(config.grant_types_supported).toContain('client_credentials');
    expect(config.scopes_supported).toEqual(expect.arrayContaining(['system/*.rs', 'system/Observation.c', 'system/DocumentReference.c']));
    expect(config.capabilities).toContain('client-confidential-asymmetric');
  });

  it('does not let the authorization-code flow stand in for a backend client', async () => {
    // A public app (any client_id, even the backend client's) asking for system/ scopes is refused.
    const { challenge } = pkcePair();
    const res = await authorize(p.sb, { scope: 'launch/patient openid system/*.rs', challenge, extra: { client_id: DEV_CLIENT_ID } });
    const location = new URL(res.headers.get('location') ?? `${p.sb.url}/`);
    expect(location.searchParams.get('code')).toBeNull();
    expect(location.searchParams.get('error')).toBe('invalid_scope');
  });
});
