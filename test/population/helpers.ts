// Helpers of the population-run tests: a sandbox in-process with the dev Backend Services client, a
// user token by the scripted SMART flow, and a run wired as the CLI wires it (threads, logs silenced).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadPopulationConfig, type PopulationConfig } from '../../src/population/config.ts';
import type { FeedRecord } from '../../src/population/feed.ts';
import { createProgress } from '../../src/population/progress.ts';
import { connect, runDepsOf } from '../../src/population/connect.ts';
import { ensureDevKey, PRIVATE_KEY_FILE } from '../../src/population/dev-key.ts';
import { runPopulation, type RunReport } from '../../src/population/run.ts';
import { createThreadPool, withRetries, type BatchExecutor } from '../../src/population/thread-pool.ts';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox/index.ts';
import { authorize, pkcePair, postForm, REDIRECT } from '../sandbox/helpers.ts';
import { startPopulationSandbox } from './fixture.ts';

/** Standalone launch with user scopes (no patient in context): the scripted authorization-code flow. */
export async function userToken(sb: SandboxHandle, scope: string): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const res = await authorize(sb, { scope: `openid fhirUser ${scope}`, challenge });
  const code = new URL(res.headers.get('location') as string).searchParams.get('code') as string;
  const token = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'tidemark-test' });
  if (token.status !== 200) throw new Error(`token ${token.status} ${await token.text()}`);
  return ((await token.json()) as { access_token: string }).access_token;
}

/** A sandbox for population runs: Group care-team = the eight stories (+ `population` generated), the dev key trusted. */
export async function startRunSandbox(opts: SandboxOptions = {}): Promise<{ sb: SandboxHandle; keyPath: string }> {
  const p = await startPopulationSandbox({ population: 0, ...opts });
  await ensureDevKey(p.keyDir);
  return { sb: p.sb, keyPath: join(p.keyDir, PRIVATE_KEY_FILE) };
}

export function testConfig(fhirBase: string, keyPath: string, argv: string[] = []): PopulationConfig {
  const runsDir = mkdtempSync(join(tmpdir(), 'tidemark-population-runs-'));
  return loadPopulationConfig(
    ['--fhir-base', fhirBase, '--key', keyPath, '--runs-dir', runsDir, '--progress', 'none', '--batch-size', '8', ...argv],
    { LOG_LEVEL: 'silent', POPULATION_BACKOFF_MS: '20' },
    2,
  );
}

export const silentLog = pino({ level: 'silent' });

/** A population run as `npm run score-population` makes it (Backend Services, Bulk export), threads by default. */
export async function runWith(config: PopulationConfig, executor?: BatchExecutor, log: Logger = silentLog): Promise<RunReport> {
  const conn = await connect(config);
  const own = executor ?? withRetries(createThreadPool(2), config.attempts, config.backoffMs);
  try {
    return await runPopulation({
      config,
      ...runDepsOf(conn),
      executor: own,
      mode: executor ? 'bullmq' : 'threads',
      log,
      progress: createProgress(log === silentLog ? 'none' : 'log', log),
    });
  } finally {
    if (!executor) await own.close();
  }
}

/** Lines of one searchset, following `next` links. */
async function* searchLines(url: string, token: string): AsyncGenerator<string> {
  let next: string | undefined = url;
  while (next) {
    const res = await fetch(next, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
    if (!res.ok) throw new Error(`${res.status} on search`);
    const b = (await res.json()) as { entry?: Array<{ resource: unknown }>; link?: Array<{ relation: string; url: string }> };
    for (const e of b.entry ?? []) yield JSON.stringify(e.resource);
    next = b.link?.find((l) => l.relation === 'next')?.url;
  }
}

/** Every Observation Tidemark wrote (identifier urn:tidemark:result), optionally of one engine code. */
export async function chartIdentities(sb: SandboxHandle, token: string, engineCode?: string): Promise<Array<{ patient: string; identifier: string }>> {
  const query = engineCode ? `code=${encodeURIComponent(`urn:tidemark:engine|${engineCode}`)}&_count=1000` : '_count=1000';
  const out: Array<{ patient: string; identifier: string }> = [];
  for await (const line of searchLines(`${sb.fhirBase}/Observation?${query}`, token)) {
    const o = JSON.parse(line) as { subject?: { reference?: string }; identifier?: Array<{ system?: string; value?: string }> };
    const id = o.identifier?.find((i) => i.system === 'urn:tidemark:result')?.value;
    if (id) out.push({ patient: (o.subject?.reference ?? '').replace(/^Patient\//, ''), identifier: id });
  }
  return out;
}

export function readFeed(file: string): FeedRecord[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FeedRecord);
}
