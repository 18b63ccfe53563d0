// The population run's one typed config: flags over environment over defaults (the sandbox that
// `npm start` runs, Group `care-team`), parsed once with zod and frozen. Nothing else reads process.env.
import { parseArgs } from 'node:util';
import { z } from 'zod';

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);
const isoInstant = z.string().refine((s) => !Number.isNaN(Date.parse(s)) && /T.*(Z|[+-]\d{2}:\d{2})$/.test(s), 'an ISO instant with a timezone');
const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), 'an http(s) URL').transform((u) => u.replace(/\/+$/, ''));

export const populationConfigSchema = z
  .object({
    /** FHIR base of the EHR (Bulk Data + write-back). */
    fhirBase: httpUrl,
    /** Group whose members are scored (`Group/<id>/$export`). */
    groupId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id'),
    /** SMART Backend Services client id registered with the EHR. */
    clientId: z.string().min(1).max(200),
    /** PEM private key (private_key_jwt); default: the dev key the sandbox trusts. */
    keyPath: z.string().min(1).optional(),
    /** Token endpoint; default: from the server's SMART discovery document. */
    tokenEndpoint: httpUrl.optional(),
    /** The app's write-back site configuration (SITE_CONFIG JSON): strategy and flowsheet rows per server. */
    siteConfig: z.string().min(1).optional(),
    /**
     * `_since` of the export: an ISO instant, `auto` (the last successful run's transactionTime) or
     * `full` (no `_since`: score everyone).
     */
    since: z.union([z.literal('auto'), z.literal('full'), isoInstant]),
    /** Clock of the scoring (engines' injected `now`); default: the run's start. */
    asOf: isoInstant.optional(),
    /** Worker threads on this machine; default: every core. */
    concurrency: positiveInt(256),
    /** Patients per unit of work (one worker task or one BullMQ job). */
    batchSize: positiveInt(1000),
    /** Set: the run is a BullMQ queue on this Redis. */
    redisUrl: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional(),
    /** Attempts of a BullMQ job before it is dead-lettered; the back-off doubles from backoffMs. */
    attempts: positiveInt(20),
    backoffMs: z.coerce.number().int().min(0).max(600_000),
    /** Run directories live here (one per run: shards, checkpoint, feed, summary). */
    runsDir: z.string().min(1),
    /** `latest` or a run id: finish that run instead of starting a new one. */
    resume: z.string().regex(/^(latest|[0-9TZ\-a-z]{6,64})$/).optional(),
    /** false: score only (benchmarks, dry runs); nothing is written to the chart. */
    write: z.boolean(),
    /** Progress bar on a terminal; structured logs otherwise. */
    progress: z.enum(['auto', 'bar', 'log', 'none']),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  })
  .strict();

export type PopulationConfig = Readonly<z.infer<typeof populationConfigSchema>>;

export class PopulationConfigError extends Error {
  override name = 'PopulationConfigError';
}

const FLAGS = {
  'fhir-base': { type: 'string' },
  group: { type: 'string' },
  'client-id': { type: 'string' },
  key: { type: 'string' },
  'token-endpoint': { type: 'string' },
  'site-config': { type: 'string' },
  since: { type: 'string' },
  full: { type: 'boolean' },
  'as-of': { type: 'string' },
  concurrency: { type: 'string' },
  'batch-size': { type: 'string' },
  'redis-url': { type: 'string' },
  'runs-dir': { type: 'string' },
  resume: { type: 'string' },
  'no-write': { type: 'boolean' },
  progress: { type: 'string' },
  help: { type: 'boolean' },
} as const;

export const USAGE = `npm run score-population -- [options]   (env in brackets)
  --fhir-base URL        FHIR base of the EHR [POPULATION_FHIR_BASE] (default: the local sandbox)
  --group ID             Group to export [POPULATION_GROUP] (default: care-team)
  --client-id ID         Backend Services client id [POPULATION_CLIENT_ID] (default: tidemark-population)
  --key PATH             PEM private key for private_key_jwt [POPULATION_KEY] (default: the dev key)
  --token-endpoint URL   [POPULATION_TOKEN_ENDPOINT] (default: SMART discovery)
  --site-config PATH     the app's write-back settings per server [SITE_CONFIG] (default: none; strategy from capabilities)
  --since ISO|auto|full  incremental export [POPULATION_SINCE] (default: auto = last successful run)
  --full                 same as --since full
  --as-of ISO            scoring clock [POPULATION_AS_OF] (default: now)
  --concurrency N        worker threads [POPULATION_CONCURRENCY] (default: every core)
  --batch-size N         patients per task/job [POPULATION_BATCH_SIZE] (default: 100)
  --redis-url URL        enqueue on BullMQ [REDIS_URL]; run \`npm run population-worker\` to consume
  --runs-dir DIR         [POPULATION_DIR] (default: .data/population/runs)
  --resume latest|ID     finish an interrupted run
  --no-write             score only, write nothing
  --progress auto|bar|log|none`;

type Env = Record<string, string | undefined>;

/** argv (without node and script) + env → frozen config; throws PopulationConfigError with every problem. */
export function loadPopulationConfig(argv: readonly string[], env: Env, cores: number): PopulationConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new PopulationConfigError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) throw new PopulationConfigError(USAGE);
  const str = (flag: string, name: string) => (values[flag] as string | undefined) ?? blank(env[name]);
  const sandboxBase = `http://127.0.0.1:${blank(env.SANDBOX_PORT) ?? '8081'}/fhir`;
  const raw = {
    fhirBase: str('fhir-base', 'POPULATION_FHIR_BASE') ?? sandboxBase,
    groupId: str('group', 'POPULATION_GROUP') ?? 'care-team',
    clientId: str('client-id', 'POPULATION_CLIENT_ID') ?? 'tidemark-population',
    keyPath: str('key', 'POPULATION_KEY'),
    tokenEndpoint: str('token-endpoint', 'POPULATION_TOKEN_ENDPOINT'),
    siteConfig: str('site-config', 'SITE_CONFIG'),
    since: values.full ? 'full' : (str('since', 'POPULATION_SINCE') ?? 'auto'),
    asOf: str('as-of', 'POPULATION_AS_OF'),
    concurrency: str('concurrency', 'POPULATION_CONCURRENCY') ?? String(Math.max(1, cores)),
    batchSize: str('batch-size', 'POPULATION_BATCH_SIZE') ?? '100',
    redisUrl: str('redis-url', 'REDIS_URL'),
    attempts: blank(env.POPULATION_ATTEMPTS) ?? '3',
    backoffMs: blank(env.POPULATION_BACKOFF_MS) ?? '1000',
    runsDir: str('runs-dir', 'POPULATION_DIR') ?? '.data/population/runs',
    resume: values.resume as string | undefined,
    write: values['no-write'] ? false : blank(env.POPULATION_WRITE) !== '0',
    progress: str('progress', 'POPULATION_PROGRESS') ?? 'auto',
    logLevel: blank(env.LOG_LEVEL) ?? 'info',
  };
  const parsed = populationConfigSchema.safeParse(dropUndefined(raw));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new PopulationConfigError(`Invalid population-run configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

function blank(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
