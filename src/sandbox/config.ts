/**
 * The sandbox process's configuration: its environment, parsed once with zod into `SandboxOptions`
 * (frozen). Nothing else in the sandbox reads `process.env`. A bad value stops the start with a message
 * naming the variable.
 */
import { z } from 'zod';
import type { SandboxOptions } from './options.ts';
import { PROFILE_NAMES } from './profiles/index.ts';

const flag = z.enum(['1', '0', 'true', 'false', 'yes', 'no', '']).transform((v) => ['1', 'true', 'yes'].includes(v));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const Env = z.object({
  SANDBOX_PORT: opt(int(0, 65535)),
  SANDBOX_HOST: opt(z.string()),
  SANDBOX_DIR: opt(z.string()),
  SANDBOX_DATA: opt(z.string()),
  SANDBOX_RESET: opt(flag),
  SANDBOX_CONSENT: opt(flag),
  SANDBOX_SIMULATE: opt(z.enum(['invalid_client', 'access_denied', 'expired_token'])),
  SANDBOX_TOKEN_LIFETIME: opt(int(1, 86_400)),
  SANDBOX_REFRESH_LIFETIME: opt(int(1, 365 * 86_400)),
  SANDBOX_PROFILE: opt(z.enum(PROFILE_NAMES as [string, ...string[]])),
  SANDBOX_LATENCY_MS: opt(int(0, 60_000)),
  SANDBOX_EPIC_FLOWSHEETS: opt(z.string()),
  SANDBOX_AUTH_ORIGINS: opt(z.string()),
  SANDBOX_INTROSPECTION_CLIENTS: opt(z.string().regex(/^[^:,\s]+:[^,\s]+(,[^:,\s]+:[^,\s]+)*$/, 'expected id:secret[,id:secret…]')),
  APP_URL: opt(z.url()),
  PORT: opt(int(0, 65535)),
  SANDBOX_POPULATION: opt(int(0, 100_000)),
  SANDBOX_CLIENTS: opt(z.string()),
  POPULATION_KEY_DIR: opt(z.string()),
  SANDBOX_DEV_CLIENT: opt(flag),
  SANDBOX_BULK_TTL: opt(int(1, 7 * 86_400)),
  SANDBOX_BULK_DELAY_MS: opt(int(0, 600_000)),
  SANDBOX_CDS_SERVICES: opt(z.string()),
});

export function loadSandboxConfig(env: NodeJS.ProcessEnv, args: readonly string[] = []): Readonly<SandboxOptions> {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`sandbox configuration: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return Object.freeze({
    port: e.SANDBOX_PORT ?? 8081,
    host: e.SANDBOX_HOST ?? '127.0.0.1',
    dataDir: e.SANDBOX_DIR ?? './.data/sandbox',
    sandboxDataDir: e.SANDBOX_DATA,
    reset: args.includes('--reset') || e.SANDBOX_RESET === true,
    consent: args.includes('--consent') || e.SANDBOX_CONSENT === true,
    simulate: e.SANDBOX_SIMULATE,
    tokenLifetimeSeconds: e.SANDBOX_TOKEN_LIFETIME,
    refreshLifetimeSeconds: e.SANDBOX_REFRESH_LIFETIME,
    profile: (e.SANDBOX_PROFILE ?? 'open') as SandboxOptions['profile'],
    latencyMs: e.SANDBOX_LATENCY_MS ?? 0,
    epicFlowsheets: e.SANDBOX_EPIC_FLOWSHEETS,
    authOrigins: list(e.SANDBOX_AUTH_ORIGINS),
    ...(e.SANDBOX_INTROSPECTION_CLIENTS
      ? { resourceServers: Object.fromEntries(list(e.SANDBOX_INTROSPECTION_CLIENTS).map((pair) => pair.split(':', 2) as [string, string])) }
      : {}),
    appLaunchUrl: e.APP_URL ?? `http://127.0.0.1:${e.PORT ?? 8080}`,
    population: e.SANDBOX_POPULATION ?? 0,
    ...(e.SANDBOX_CLIENTS ? { clientsFile: e.SANDBOX_CLIENTS } : {}),
    devKeyDir: e.SANDBOX_DEV_CLIENT === false ? false : (e.POPULATION_KEY_DIR ?? undefined),
    ...(e.SANDBOX_BULK_TTL ? { bulkTtlSeconds: e.SANDBOX_BULK_TTL } : {}),
    bulkStartDelayMs: e.SANDBOX_BULK_DELAY_MS ?? 0,
    ...(e.SANDBOX_CDS_SERVICES ? { cdsServices: list(e.SANDBOX_CDS_SERVICES) } : {}),
  } satisfies SandboxOptions);
}
