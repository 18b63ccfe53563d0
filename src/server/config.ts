// Server configuration: one typed object, loaded from the environment by `loadConfig`.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { EMPTY_SITE_CONFIG, type SiteConfig, siteConfig } from '../fhir/write/site-config.ts';

export const ENGINE_TIMEOUT_HARD_MAX_MS = 30_000;
export const BODY_LIMIT_BYTES = 1024 * 1024;

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
  /** Write-back settings per FHIR server (SITE_CONFIG file), served to the launch page. */
  siteConfig: SiteConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_FRAME_ANCESTORS = ["'self'", 'http://127.0.0.1:8081', 'http://localhost:8081'];

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

  const frameAncestors = env.FRAME_ANCESTORS?.trim() ? list(env.FRAME_ANCESTORS) : DEFAULT_FRAME_ANCESTORS;
  for (const src of [...frameAncestors, ...list(env.CSP_CONNECT_SRC)]) {
    if (/[;,'"\s]/.test(src.replace(/^'(self|none)'$/, 'self'))) throw new ConfigError(`invalid CSP source: ${src}`);
  }

  const site = loadSiteConfig(env.SITE_CONFIG?.trim() || undefined);
  const timeout = parseOr(intIn('ENGINE_TIMEOUT_MS', 1, Number.MAX_SAFE_INTEGER), env.ENGINE_TIMEOUT_MS, 10_000);
  return defaultConfig({
    port: parseOr(intIn('PORT', 0, 65535), env.PORT, 8080),
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
    siteConfig: site,
  });
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
