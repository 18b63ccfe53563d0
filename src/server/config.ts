// Server configuration: one typed object, loaded from the environment by `loadConfig`.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TrustedIssuer } from '../cds/client-auth.ts';
import { EMPTY_SITE_CONFIG, type SiteConfig, siteConfig } from '../fhir/write/site-config.ts';

export const ENGINE_TIMEOUT_HARD_MAX_MS = 30_000;
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** The voice routes alone take uploads this large (the voice reference's 32 MB, plus multipart overhead). */
export const VOICE_BODY_LIMIT_BYTES = 32 * 1024 * 1024 + 64 * 1024;
/** The voice reference's production base URL. */
export const VOICE_DEFAULT_URL = 'https://api.amplifierhealth.com';

export interface ServerConfig {
  port: number;
  host: string;
  /**
   * Allowed FHIR base prefixes (normalized: no trailing slash). A base is accepted when it has the
   * same origin and its path equals a prefix's path or continues it at a '/' (see matchFhirServer).
   */
  fhirServers: string[];
  /** Remote engine base URL (e.g. https://host/api/v1); undefined → embedded engines. */
  engineUrl?: string;
  /** Secret key of the remote engine; server-side only, never logged or returned. */
  engineApiKey?: string;
  /** Overall time budget for one remote engine call, retries included (≤ 30 s). */
  engineTimeoutMs: number;
  /** Extra attempts after the first on 429/5xx/network errors. */
  engineRetries: number;
  /** Requests per minute per SMART token. */
  rateLimitPerMinute: number;
  /** Requests per minute per client IP for unauthenticated traffic and token checks. */
  rateLimitIpPerMinute: number;
  redisUrl?: string;
  /** CSP frame-ancestors sources. */
  frameAncestors: string[];
  /** Extra CSP connect-src sources (the FHIR_SERVERS origins are always included). */
  cspConnectSrc: string[];
  staticDir: string;
  /** Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy. */
  trustProxy: boolean;
  bodyLimitBytes: number;
  tokenCacheSize: number;
  /** Timeout of one token check against a FHIR/auth server. */
  authTimeoutMs: number;
  logLevel: string;
  /** Public base URL of this server as EHRs call it (JWT `aud` = base + endpoint path); unset → the bound address. */
  cdsBaseUrl?: string;
  /** CDS clients (EHRs) whose signed JWTs are accepted: issuer → JWKS URL (+ optional base URL they use in `aud`). */
  cdsTrustedIssuers: TrustedIssuer[];
  /** Budget for the FHIR reads of one hook call when prefetch is missing. */
  cdsFhirTimeoutMs: number;
  /** Hook calls per minute per trusted issuer. */
  cdsRateLimitPerMinute: number;
  /** Voice service account + key (both or neither): set → upstream mode; unset → embedded analysis. Server-side only. */
  voiceAccountId?: string;
  voiceApiKey?: string;
  /** Voice service base URL (the reference's by default). */
  voiceUrl: string;
  /** Public URL of our /api/v1/voice/webhook and its signing secret (both or neither): set → webhooks, else polling. */
  voiceWebhookUrl?: string;
  voiceWebhookSecret?: string;
  /** Requests per minute the voice account's plan allows (the reference's Standard plan: 10 general, 5 analyze). */
  voiceRateGeneral: number;
  voiceRateAnalyze: number;
  /** How long a voice job (and its result) is kept server-side. */
  voiceJobTtlSeconds: number;
  /** Embedded analyses run at once (others wait as `pending`). */
  voiceConcurrency: number;
  voiceBodyLimitBytes: number;
  /** Write-back settings per FHIR server (SITE_CONFIG file), served to the launch page. */
  siteConfig: SiteConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_FRAME_ANCESTORS = ["'self'", 'http://127.0.0.1:8081', 'http://localhost:8081'];

/** The local sandbox EHR as a CDS client: its issuer and the JWKS it publishes (src/sandbox/cds-client). */
export function sandboxCdsIssuer(sandboxPort: number): TrustedIssuer {
  const origin = `http://127.0.0.1:${sandboxPort}`;
  return { iss: origin, jwksUrl: `${origin}/cds-client/jwks.json` };
}

const trustedIssuersJson = z.array(
  z.strictObject({
    iss: z.string().min(1),
    jwks: z.url({ protocol: /^https?$/ }),
    aud: z.url({ protocol: /^https?$/ }).optional(),
  }),
);

/** CDS_TRUSTED_ISSUERS: a JSON array of {"iss","jwks","aud"?}; JWKS over https unless on loopback. */
function trustedIssuers(raw: string): TrustedIssuer[] {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError('CDS_TRUSTED_ISSUERS: not JSON (expected [{"iss":"…","jwks":"https://…"}])');
  }
  const r = trustedIssuersJson.safeParse(json);
  if (!r.success) throw new ConfigError(`CDS_TRUSTED_ISSUERS: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? 'invalid'}`.trim());
  return r.data.map((i) => {
    const u = new URL(i.jwks);
    if (u.protocol !== 'https:' && !isLoopback(u.hostname)) throw new ConfigError(`CDS_TRUSTED_ISSUERS: the JWKS of ${i.iss} must be https`);
    return { iss: i.iss, jwksUrl: i.jwks, ...(i.aud ? { audBase: normalizeBaseUrl(i.aud) } : {}) };
  });
}

/** Strip a trailing slash so "https://x/fhir/" and "https://x/fhir" compare equal. */
export function normalizeBaseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * Why a FHIR base (a FHIR_SERVERS entry or an X-FHIR-Server header) is not in canonical form, or
 * null when it is. Canonical: http(s), no userinfo, query or fragment, no percent-encoding,
 * backslash, whitespace, empty, '.' or '..' path segment: the path the URL parser keeps is the
 * path that was written, so a prefix check on it cannot be steered by encoding tricks.
 */
export function fhirBaseProblem(raw: string): string | null {
  if (raw.length === 0 || raw.length > 2048) return 'empty or too long';
  if (/[\s\\%?#@]/.test(raw) || [...raw].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return 'has userinfo, a query, a fragment, percent-encoding, a backslash or whitespace';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'not http(s)';
  const written = raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/\/+$/, '');
  if (written.split('/').slice(1).some((seg) => seg === '' || seg === '.' || seg === '..')) return 'has an empty, "." or ".." path segment';
  if (written !== u.pathname.replace(/\/+$/, '')) return 'path is not in canonical form';
  return null;
}

/** origin + path without trailing slash (call after fhirBaseProblem returned null). */
function canonicalBase(raw: string): string {
  const u = new URL(raw);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/**
 * The canonical FHIR base for an X-FHIR-Server value when it falls under one of the allowed
 * prefixes (same origin; path equal to the prefix's or continuing it at a '/'), else null.
 * `https://h/v/r4` allows `https://h/v/r4/sim/abc/fhir`, never `https://h/v/r4-evil` or `https://h.evil/v/r4`.
 */
export function matchFhirServer(prefixes: readonly string[], header: string): string | null {
  if (fhirBaseProblem(header) !== null) return null;
  const base = canonicalBase(header);
  for (const p of prefixes) {
    if (base === p || base.startsWith(p.endsWith('/') ? p : `${p}/`)) return base;
  }
  return null;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\./.test(hostname);
}

function list(v: string | undefined): string[] {
  return (v ?? '')
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const bool = (v: string | undefined) => /^(1|true|yes|on)$/i.test((v ?? '').trim());

const intIn = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be an integer`)
    .min(min, `${name} must be ≥ ${min}`)
    .max(max, `${name} must be ≤ ${max}`);

function parseOr<T>(schema: z.ZodType<T>, raw: string | undefined, fallback: T): T {
  if (raw === undefined || raw.trim() === '') return fallback;
  const r = schema.safeParse(raw.trim());
  if (!r.success) throw new ConfigError(r.error.issues[0]?.message ?? 'invalid configuration');
  return r.data;
}

function httpUrl(name: string, raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name}: not a URL: ${raw}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${name}: must be http(s): ${raw}`);
  return u;
}

/** Defaults for tests and programmatic use; `overrides` win. */
export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    port: 8080,
    host: '127.0.0.1',
    fhirServers: ['http://127.0.0.1:8081/fhir'],
    engineTimeoutMs: 10_000,
    engineRetries: 2,
    rateLimitPerMinute: 600,
    rateLimitIpPerMinute: 600,
    frameAncestors: DEFAULT_FRAME_ANCESTORS,
    cspConnectSrc: [],
    staticDir: 'dist',
    trustProxy: false,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    tokenCacheSize: 10_000,
    authTimeoutMs: 5_000,
    logLevel: 'info',
    cdsTrustedIssuers: [sandboxCdsIssuer(8081)],
    cdsFhirTimeoutMs: 8_000,
    cdsRateLimitPerMinute: 6_000,
    voiceUrl: VOICE_DEFAULT_URL,
    voiceRateGeneral: 10,
    voiceRateAnalyze: 5,
    voiceJobTtlSeconds: 3600,
    voiceConcurrency: 2,
    voiceBodyLimitBytes: VOICE_BODY_LIMIT_BYTES,
    siteConfig: EMPTY_SITE_CONFIG,
    ...overrides,
    ...(overrides.fhirServers ? { fhirServers: overrides.fhirServers.map((u) => (fhirBaseProblem(u) === null ? canonicalBase(u) : normalizeBaseUrl(u))) } : {}),
    ...(overrides.engineTimeoutMs !== undefined
      ? { engineTimeoutMs: Math.min(overrides.engineTimeoutMs, ENGINE_TIMEOUT_HARD_MAX_MS) }
      : {}),
  };
}

/** Reads the environment (see README "Server configuration"); throws ConfigError with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const sandboxPort = parseOr(intIn('SANDBOX_PORT', 1, 65535), env.SANDBOX_PORT, 8081);
  const fhirServers = list(env.FHIR_SERVERS);
  if (fhirServers.length === 0) fhirServers.push(`http://127.0.0.1:${sandboxPort}/fhir`);
  for (const s of fhirServers) {
    const problem = fhirBaseProblem(s);
    if (problem) throw new ConfigError(`FHIR_SERVERS: ${s}: ${problem}`);
  }

  const engineUrl = env.ENGINE_URL?.trim() || undefined;
  const engineApiKey = env.ENGINE_API_KEY?.trim() || undefined;
  if (engineUrl && !engineApiKey) throw new ConfigError('ENGINE_URL is set but ENGINE_API_KEY is not');
  if (engineApiKey && !engineUrl) throw new ConfigError('ENGINE_API_KEY is set but ENGINE_URL is not');
  if (engineUrl) {
    const u = httpUrl('ENGINE_URL', engineUrl);
    if (u.protocol === 'http:' && !isLoopback(u.hostname) && !bool(env.ENGINE_ALLOW_INSECURE)) {
      throw new ConfigError('ENGINE_URL must be https (the API key would travel in clear); set ENGINE_ALLOW_INSECURE=1 to override');
    }
  }

  const frameAncestors = env.FRAME_ANCESTORS?.trim()
    ? list(env.FRAME_ANCESTORS)
    : ["'self'", `http://127.0.0.1:${sandboxPort}`, `http://localhost:${sandboxPort}`];
  for (const src of [...frameAncestors, ...list(env.CSP_CONNECT_SRC)]) {
    if (/[;,'"\s]/.test(src.replace(/^'(self|none)'$/, 'self'))) throw new ConfigError(`invalid CSP source: ${src}`);
  }

  const voice = loadVoiceConfig(env);

  const site = loadSiteConfig(env.SITE_CONFIG?.trim() || undefined);
  const timeout = parseOr(intIn('ENGINE_TIMEOUT_MS', 1, Number.MAX_SAFE_INTEGER), env.ENGINE_TIMEOUT_MS, 10_000);
  const port = parseOr(intIn('PORT', 0, 65535), env.PORT, 8080);
  const cdsBase = env.CDS_BASE_URL?.trim();
  if (cdsBase) httpUrl('CDS_BASE_URL', cdsBase);
  return defaultConfig({
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    fhirServers,
    engineUrl: engineUrl ? normalizeBaseUrl(engineUrl) : undefined,
    engineApiKey,
    engineTimeoutMs: Math.min(timeout, ENGINE_TIMEOUT_HARD_MAX_MS),
    engineRetries: parseOr(intIn('ENGINE_RETRIES', 0, 10), env.ENGINE_RETRIES, 2),
    rateLimitPerMinute: parseOr(intIn('RATE_LIMIT_PER_MINUTE', 1, 10_000_000), env.RATE_LIMIT_PER_MINUTE, 600),
    rateLimitIpPerMinute: parseOr(
      intIn('RATE_LIMIT_IP_PER_MINUTE', 1, 10_000_000),
      env.RATE_LIMIT_IP_PER_MINUTE,
      600,
    ),
    redisUrl: env.REDIS_URL?.trim() || undefined,
    frameAncestors,
    cspConnectSrc: list(env.CSP_CONNECT_SRC),
    staticDir: env.STATIC_DIR?.trim() || 'dist',
    trustProxy: bool(env.TRUST_PROXY),
    tokenCacheSize: parseOr(intIn('TOKEN_CACHE_SIZE', 1, 10_000_000), env.TOKEN_CACHE_SIZE, 10_000),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    cdsBaseUrl: cdsBase ? normalizeBaseUrl(cdsBase) : port !== 0 ? `http://127.0.0.1:${port}` : undefined,
    cdsTrustedIssuers: env.CDS_TRUSTED_ISSUERS?.trim() ? trustedIssuers(env.CDS_TRUSTED_ISSUERS) : [sandboxCdsIssuer(sandboxPort)],
    cdsFhirTimeoutMs: parseOr(intIn('CDS_FHIR_TIMEOUT_MS', 100, 30_000), env.CDS_FHIR_TIMEOUT_MS, 8_000),
    cdsRateLimitPerMinute: parseOr(intIn('CDS_RATE_LIMIT_PER_MINUTE', 1, 10_000_000), env.CDS_RATE_LIMIT_PER_MINUTE, 6_000),
    ...voice,
    siteConfig: site,
  });
}

const voiceEnv = z.object({
  VOICE_ACCOUNT_ID: z.string().trim().min(1).max(200).optional(),
  VOICE_API_KEY: z.string().trim().min(1).max(500).optional(),
  VOICE_URL: z.string().trim().optional(),
  VOICE_WEBHOOK_URL: z.string().trim().optional(),
  VOICE_WEBHOOK_SECRET: z.string().trim().min(16, 'VOICE_WEBHOOK_SECRET must be at least 16 characters').optional(),
  VOICE_RATE_GENERAL_PER_MINUTE: intIn('VOICE_RATE_GENERAL_PER_MINUTE', 1, 100_000).optional(),
  VOICE_RATE_ANALYZE_PER_MINUTE: intIn('VOICE_RATE_ANALYZE_PER_MINUTE', 1, 100_000).optional(),
  VOICE_JOB_TTL_SECONDS: intIn('VOICE_JOB_TTL_SECONDS', 60, 7 * 86_400).optional(),
  VOICE_CONCURRENCY: intIn('VOICE_CONCURRENCY', 1, 16).optional(),
});

type VoiceConfig = Pick<
  ServerConfig,
  'voiceAccountId' | 'voiceApiKey' | 'voiceUrl' | 'voiceWebhookUrl' | 'voiceWebhookSecret' | 'voiceRateGeneral' | 'voiceRateAnalyze' | 'voiceJobTtlSeconds' | 'voiceConcurrency'
>;

function loadVoiceConfig(env: NodeJS.ProcessEnv): VoiceConfig {
  const blankless = Object.fromEntries(Object.keys(voiceEnv.shape).map((k) => [k, env[k]?.trim() ? env[k] : undefined]));
  const r = voiceEnv.safeParse(blankless);
  if (!r.success) throw new ConfigError(r.error.issues[0]?.message ?? 'invalid voice configuration');
  const v = r.data;
  if (!!v.VOICE_ACCOUNT_ID !== !!v.VOICE_API_KEY) throw new ConfigError('VOICE_ACCOUNT_ID and VOICE_API_KEY must be set together (or neither)');
  if (!!v.VOICE_WEBHOOK_URL !== !!v.VOICE_WEBHOOK_SECRET) throw new ConfigError('VOICE_WEBHOOK_URL and VOICE_WEBHOOK_SECRET must be set together (or neither)');
  const voiceUrl = normalizeBaseUrl(v.VOICE_URL || VOICE_DEFAULT_URL);
  const u = httpUrl('VOICE_URL', voiceUrl);
  if (u.protocol === 'http:' && !isLoopback(u.hostname) && !bool(env.VOICE_ALLOW_INSECURE)) {
    throw new ConfigError('VOICE_URL must be https (the API key would travel in clear); set VOICE_ALLOW_INSECURE=1 to override');
  }
  if (v.VOICE_WEBHOOK_URL) httpUrl('VOICE_WEBHOOK_URL', v.VOICE_WEBHOOK_URL);
  return {
    voiceAccountId: v.VOICE_ACCOUNT_ID,
    voiceApiKey: v.VOICE_API_KEY,
    voiceUrl,
    voiceWebhookUrl: v.VOICE_WEBHOOK_URL,
    voiceWebhookSecret: v.VOICE_WEBHOOK_SECRET,
    voiceRateGeneral: v.VOICE_RATE_GENERAL_PER_MINUTE ?? 10,
    voiceRateAnalyze: v.VOICE_RATE_ANALYZE_PER_MINUTE ?? 5,
    voiceJobTtlSeconds: v.VOICE_JOB_TTL_SECONDS ?? 3600,
    voiceConcurrency: v.VOICE_CONCURRENCY ?? 2,
  };
}

/** SITE_CONFIG: a JSON file of write-back settings per FHIR server (see README); absent → defaults. */
function loadSiteConfig(file: string | undefined): SiteConfig {
  if (!file) return EMPTY_SITE_CONFIG;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`SITE_CONFIG: cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = siteConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`SITE_CONFIG: ${file}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
