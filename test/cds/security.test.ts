// CDS Hooks client authentication, tested by attack over HTTP: every forged, stale, replayed or
// misdirected JWT gets 401, while the same call with a good JWT gets 200 (so each test can fail).
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_SELECT_ID } from '../../src/cds/services.ts';
import { daysAgo, phq9Total } from '../fhir/fixtures.ts';
import { listen } from '../server/helpers.ts';
import { type CdsStack, PV, patientViewBody, prefetchOf, startCdsStack, testIssuer } from './helpers.ts';

let s: CdsStack;
const body = () => patientViewBody('p1', { prefetch: prefetchOf([phq9Total('a', 4, daysAgo(3))]) });
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

beforeAll(async () => {
  // No FHIR reads here: the sandbox is not started (keeps the suite light on a shared machine).
  s = await startCdsStack({ sandbox: false });
}, 60_000); // starting a sandbox + server takes long on a loaded machine
afterAll(() => s.close());

async function expect401(token: string | null, path = PV): Promise<Response> {
  const res = await s.post(path, body(), token);
  expect(res.status).toBe(401);
  const json = (await res.json()) as { ok: boolean; error: { code: string } };
  expect(json.ok).toBe(false);
  expect(['unauthorized', 'invalid_token']).toContain(json.error.code);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  return res;
}

describe('a good JWT is accepted (the control for every attack below)', () => {
  it('ES384, aud = the endpoint URL → 200', async () => {
    const res = await s.post(PV, body());
    expect(res.status).toBe(200);
  });
  it('RS384 and aud given as an array → 200', async () => {
    const res = await s.post(PV, body(), await s.issuer.mint({ alg: 'RS384', aud: [`${s.url}${PV}`, 'https://other.example'] }));
    expect(res.status).toBe(200);
  });
});

describe('attacks → 401', () => {
  it('missing Authorization', async () => {
    const res = await expect401(null);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('not a JWT', () => expect401('not-a-jwt'));

  it('alg none (unsigned token with valid claims)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: s.issuer.iss, aud: `${s.url}${PV}`, exp: now + 300, iat: now, jti: randomUUID() };
    await expect401(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`);
  });

  it('HS256 signed with the issuer public key as the HMAC secret (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(s.issuer.publicJwk));
    const jwt = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: s.issuer.publicJwk.kid as string })
      .setIssuer(s.issuer.iss)
      .setAudience(`${s.url}${PV}`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    await expect401(jwt);
  });

  it('bad signature: signed by another key under the issuer kid', async () => {
    await expect401(await s.issuer.mint({ aud: `${s.url}${PV}`, foreignKey: true }));
  });

  it('tampered payload: aud swapped after signing', async () => {
    const jwt = await s.issuer.mint({ aud: `${s.url}/cds-services/${ORDER_SELECT_ID}` });
    const [h, p, sig] = jwt.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.aud = `${s.url}${PV}`;
    await expect401(`${h}.${b64(claims)}.${sig}`);
  });

  it('wrong aud: another service, the discovery URL, another host', async () => {
    for (const aud of [`${s.url}/cds-services/${ORDER_SELECT_ID}`, `${s.url}/cds-services`, `https://evil.example${PV}`]) {
      await expect401(await s.issuer.mint({ aud }));
    }
  });

  it('expired, and exp missing', async () => {
    await expect401(await s.issuer.mint({ aud: `${s.url}${PV}`, expIn: -120, iatAgo: 420 }));
    await expect401(await s.issuer.mint({ aud: `${s.url}${PV}`, omit: ['exp'] }));
  });

  it('lifetime longer than an hour, iat in the future, iat far in the past', async () => {
    await expect401(await s.issuer.mint({ aud: `${s.url}${PV}`, expIn: 7200 }));
    await expect401(await s.issuer.mint({ aud: `${s.url}${PV}`, iatAgo: -600 }));
    await expect401(await s.issuer.mint({ aud: `${s.url}${PV}`, iatAgo: 2 * 3600, expIn: 60 }));
  });

  it('jti missing', async () => {
    await expect401(await s.issuer.mint({ aud: `${s.url}${PV}`, omit: ['jti'] }));
  });

  it('replayed jti: the first call passes, the same token again is refused', async () => {
    const jwt = await s.issuer.mint({ aud: `${s.url}${PV}` });
    expect((await s.post(PV, body(), jwt)).status).toBe(200);
    await expect401(jwt);
    // A new token reusing the jti is a replay too.
    const jti = randomUUID();
    expect((await s.post(PV, body(), await s.issuer.mint({ aud: `${s.url}${PV}`, jti }))).status).toBe(200);
    await expect401(await s.issuer.mint({ aud: `${s.url}${PV}`, jti }));
  });

  it('unknown issuer: a well-signed token from an EHR nobody configured', async () => {
    const stranger = await testIssuer('https://stranger.example');
    try {
      await expect401(await stranger.mint({ aud: `${s.url}${PV}` }));
      // …and claiming a trusted iss while signing with its own key fails on the signature.
      await expect401(await stranger.mint({ aud: `${s.url}${PV}`, iss: s.issuer.iss }));
      expect(stranger.jwksHits()).toBe(0);
    } finally {
      await stranger.close();
    }
  });

  it('jku pointing at an attacker JWKS is refused without fetching it', async () => {
    let fetched = 0;
    const evil = await listen((_req, res) => {
      fetched++;
      res.end('{"keys":[]}');
    });
    try {
      await expect401(await s.issuer.mint({ aud: `${s.url}${PV}`, jku: `${evil.url}/jwks.json` }));
      expect(fetched).toBe(0);
    } finally {
      await evil.close();
    }
  });

  it('discovery needs a JWT too (aud = …/cds-services)', async () => {
    const url = `${s.url}/cds-services`;
    expect((await fetch(url)).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${await s.issuer.mint({ aud: url })}` } });
    expect(ok.status).toBe(200);
  });
});

describe('logs', () => {
  it('tokens never reach the logs; failures are logged by reason', async () => {
    const jwt = await s.issuer.mint({ aud: `${s.url}${PV}`, foreignKey: true });
    await s.post(PV, body(), jwt);
    const fhirToken = `fhir-${randomUUID()}`;
    await s.post(PV, patientViewBody('p1', { prefetch: prefetchOf([]), fhirServer: s.sandbox.fhirBase, fhirAuthorization: { access_token: fhirToken, token_type: 'Bearer', expires_in: 60, scope: 'patient/*.rs', subject: 'x' } }));
    const text = s.logs.text();
    expect(text).not.toContain(jwt.split('.')[2]!);
    expect(text).not.toContain(fhirToken);
    expect(text).toContain('"authFailure":"signature"');
  });
});
