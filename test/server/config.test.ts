import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, matchFhirServer } from '../../src/server/config.ts';

describe('loadConfig', () => {
  it('defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      fhirServers: ['http://127.0.0.1:8081/fhir'],
      engineTimeoutMs: 10_000,
      rateLimitPerMinute: 600,
      staticDir: 'dist',
      trustProxy: false,
      bodyLimitBytes: 1024 * 1024,
    });
    expect(c.engineUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.frameAncestors).toEqual(["'self'", 'http://127.0.0.1:8081', 'http://localhost:8081']);
  });

  it('reads the environment; SANDBOX_PORT moves the default FHIR server; trailing slashes are dropped', () => {
    expect(loadConfig({ SANDBOX_PORT: '9999' }).fhirServers).toEqual(['http://127.0.0.1:9999/fhir']);
    const c = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      FHIR_SERVERS: 'https://a.example/fhir/, https://b.example/r4',
      ENGINE_URL: 'https://engine.example/api/v1/',
      ENGINE_API_KEY: 'k',
      ENGINE_TIMEOUT_MS: '2500',
      RATE_LIMIT_PER_MINUTE: '30',
      REDIS_URL: 'redis://127.0.0.1:6379',
      FRAME_ANCESTORS: "'self' https://ehr.example",
      CSP_CONNECT_SRC: 'https://auth.example',
      STATIC_DIR: '/srv/app',
      TRUST_PROXY: 'true',
    });
    expect(c).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      fhirServers: ['https://a.example/fhir', 'https://b.example/r4'],
      engineUrl: 'https://engine.example/api/v1',
      engineTimeoutMs: 2500,
      rateLimitPerMinute: 30,
      redisUrl: 'redis://127.0.0.1:6379',
      frameAncestors: ["'self'", 'https://ehr.example'],
      cspConnectSrc: ['https://auth.example'],
      staticDir: '/srv/app',
      trustProxy: true,
    });
  });

  it('ENGINE_TIMEOUT_MS is capped at the 30 s hard limit', () => {
    expect(loadConfig({ ENGINE_TIMEOUT_MS: '120000' }).engineTimeoutMs).toBe(30_000);
  });

  it('clear errors for bad values', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ ENGINE_URL: 'https://e.example' })).toThrow(/ENGINE_API_KEY/);
    expect(() => loadConfig({ ENGINE_API_KEY: 'k' })).toThrow(/ENGINE_URL/);
    expect(() => loadConfig({ ENGINE_URL: 'http://e.example', ENGINE_API_KEY: 'k' })).toThrow(/https/);
    expect(loadConfig({ ENGINE_URL: 'http://127.0.0.1:9000', ENGINE_API_KEY: 'k' }).engineUrl).toBe('http://127.0.0.1:9000');
    expect(() => loadConfig({ FHIR_SERVERS: 'ftp://x' })).toThrow(/FHIR_SERVERS/);
    expect(() => loadConfig({ FRAME_ANCESTORS: "https://a;script-src *" })).toThrow(/CSP/);
    // The key never shows up in a config error.
    try {
      loadConfig({ ENGINE_URL: 'http://e.example', ENGINE_API_KEY: 'sekrit' });
    } catch (err) {
      expect(String(err)).not.toContain('sekrit');
    }
  });
});

describe('FHIR_SERVERS prefixes: exact origin, path-segment boundary, canonical form only (attacks)', () => {
  const LAUNCHER = 'https://launch.smarthealthit.org/v/r4/';
  const prefixes = loadConfig({ FHIR_SERVERS: `${LAUNCHER}, http://127.0.0.1:8081/fhir` }).fhirServers;

  it('stores canonical prefixes', () => {
    expect(prefixes).toEqual(['https://launch.smarthealthit.org/v/r4', 'http://127.0.0.1:8081/fhir']);
  });

  it.each([
    ['https://launch.smarthealthit.org/v/r4/fhir', 'https://launch.smarthealthit.org/v/r4/fhir'],
    ['https://launch.smarthealthit.org/v/r4/sim/eyJhIjoiMSJ9/fhir', 'https://launch.smarthealthit.org/v/r4/sim/eyJhIjoiMSJ9/fhir'],
    ['https://launch.smarthealthit.org/v/r4/sim/eyJhIjoiMSJ9/fhir/', 'https://launch.smarthealthit.org/v/r4/sim/eyJhIjoiMSJ9/fhir'],
    ['https://launch.smarthealthit.org/v/r4', 'https://launch.smarthealthit.org/v/r4'],
    // scheme and host are case-insensitive and the default port is implied: the same origin
    ['HTTPS://Launch.SmartHealthIT.org/v/r4/fhir', 'https://launch.smarthealthit.org/v/r4/fhir'],
    ['https://launch.smarthealthit.org:443/v/r4/fhir', 'https://launch.smarthealthit.org/v/r4/fhir'],
    ['http://127.0.0.1:8081/fhir', 'http://127.0.0.1:8081/fhir'],
  ])('accepts %s as %s', (header, base) => {
    expect(matchFhirServer(prefixes, header)).toBe(base);
  });

  it.each([
    // another host that merely starts with the allowed one
    'https://launch.smarthealthit.org.evil.com/v/r4/fhir',
    'https://evil.com/launch.smarthealthit.org/v/r4/fhir',
    // a sibling path that shares the prefix's characters but not its segment
    'https://launch.smarthealthit.org/v/r4-evil/fhir',
    'https://launch.smarthealthit.org/v/r4evil',
    'http://127.0.0.1:8081/fhirx',
    'http://127.0.0.1:8081/fhir-evil/fhir',
    // userinfo tricks
    'https://launch.smarthealthit.org@evil.com/v/r4/fhir',
    'https://user:pass@launch.smarthealthit.org/v/r4/fhir',
    'https://evil.com\\@launch.smarthealthit.org/v/r4/fhir',
    // other scheme, port or host form of the same name
    'http://launch.smarthealthit.org/v/r4/fhir',
    'https://launch.smarthealthit.org:8443/v/r4/fhir',
    'http://localhost:8081/fhir',
    'https://lаunch.smarthealthit.org/v/r4/fhir', // Cyrillic "а": another (punycode) host
    // dot segments, raw and percent-encoded, and other encodings of '/'
    'https://launch.smarthealthit.org/v/r4/../../evil/fhir',
    'https://launch.smarthealthit.org/v/r4/%2e%2e/%2e%2e/evil',
    'https://launch.smarthealthit.org/v/r4/./fhir',
    'https://launch.smarthealthit.org/v/r4%2Fevil',
    'https://launch.smarthealthit.org/v/%72%34/fhir',
    'https://launch.smarthealthit.org/v/r4\\..\\evil',
    'https://launch.smarthealthit.org/v/r4//evil',
    // case of the path is significant
    'https://launch.smarthealthit.org/V/R4/fhir',
    // query, fragment, whitespace, control characters, non-http schemes, junk
    'https://launch.smarthealthit.org/v/r4/fhir?x=1',
    'https://launch.smarthealthit.org/v/r4/fhir#x',
    'https://launch.smarthealthit.org/v/r4/fh ir',
    'https://launch.smarthealthit.org/v/r4/fhir\n',
    'javascript://launch.smarthealthit.org/v/r4/fhir',
    'launch.smarthealthit.org/v/r4/fhir',
    '',
  ])('refuses %j', (header) => {
    expect(matchFhirServer(prefixes, header)).toBeNull();
  });

  it('refuses to start on a prefix that is not canonical', () => {
    for (const bad of ['https://u@h.example/fhir', 'https://h.example/a/../fhir', 'https://h.example/fhir?x', 'https://h.example/%66hir', 'ftp://h.example/']) {
      expect(() => loadConfig({ FHIR_SERVERS: bad }), bad).toThrow(/FHIR_SERVERS/);
    }
  });
});

describe('SITE_CONFIG: write-back settings per FHIR server', () => {
  const file = (body: unknown) => {
    const p = join(mkdtempSync(join(tmpdir(), 'tidemark-site-')), 'site.json');
    writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
    return p;
  };

  it('defaults to none; reads and validates a file (flowsheet rows, strategy, note format)', () => {
    expect(loadConfig({}).siteConfig).toEqual({ servers: [] });
    const c = loadConfig({
      SITE_CONFIG: file({
        servers: [{ fhirBase: 'https://fhir.epic.example/api/FHIR/R4', flowsheetRows: { 'relapse-risk': { system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679', code: '1570000102' } } }],
      }),
    });
    expect(c.siteConfig.servers[0]).toMatchObject({ strategy: 'auto', noteFormat: 'text/plain', flowsheetRows: { 'relapse-risk': { code: '1570000102' } } });
  });

  it('refuses to start on a bad file, naming what is wrong', () => {
    expect(() => loadConfig({ SITE_CONFIG: '/nonexistent/site.json' })).toThrow(/SITE_CONFIG: cannot read/);
    expect(() => loadConfig({ SITE_CONFIG: file('{not json') })).toThrow(/SITE_CONFIG: cannot read/);
    expect(() => loadConfig({ SITE_CONFIG: file({ servers: [{ fhirBase: 'https://x.example/fhir', flowsheetRows: { 'phq9-total': { code: '1' } } }] }) })).toThrow(/SITE_CONFIG: .*servers\.0\.flowsheetRows\.phq9-total\.system/);
    expect(() => loadConfig({ SITE_CONFIG: file({ servers: [{ fhirBase: 'https://x.example/fhir', strategy: 'anything' }] }) })).toThrow(/SITE_CONFIG/);
    expect(() => loadConfig({ SITE_CONFIG: file({ servers: [{ fhirBase: 'javascript:alert(1)' }] }) })).toThrow(/SITE_CONFIG/);
  });
});
