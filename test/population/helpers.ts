// Helpers of the population tests: a sandbox in-process, a user token by the scripted SMART flow, and
// a run wired to it (threads executor, logs silenced).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { capabilityAllowsTransaction } from '../../src/app/features/write-back/api/write-to-chart.ts';
import { loadPopulationConfig, type PopulationConfig } from '../../src/population/config.ts';
import type { FeedRecord } from '../../src/population/feed.ts';
import { createProgress } from '../../src/population/progress.ts';
import { runPopulation, type RunDeps, type RunReport } from '../../src/population/run.ts';
import { createThreadPool, withRetries, type BatchExecutor } from '../../src/population/thread-pool.ts';
import type { SandboxHandle } from '../../src/sandbox/index.ts';
import { authorize, pkcePair, postForm, REDIRECT } from '../sandbox/helpers.ts';

/** Standalone launch with user scopes (no patient in context): the scripted authorization-code flow. */
export async function userToken(sb: SandboxHandle, scope: string): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const res = await authorize(sb, { scope: `openid fhirUser ${scope}`, challenge });
  const code = new URL(res.headers.get('location') as string).searchParams.get('code') as string;
  const token = await postForm(`${sb.url}/auth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'tidemark-test' });
  if (token.status !== 200) throw new Error(`token ${token.status} ${await token.text()}`);
  return ((await token.json()) as { access_token: string }).access_token;
}

export function testConfig(sb: SandboxHandle, argv: string[] = []): PopulationConfig {
  const runsDir = mkdtempSync(join(tmpdir(), 'tidemark-population-'));
  return loadPopulationConfig(['--fhir-base', sb.fhirBase, '--runs-dir', runsDir, '--progress', 'none', '--batch-size', '8', ...argv], { LOG_LEVEL: 'silent', POPULATION_BACKOFF_MS: '20' }, 2);
}

export const silentLog = pino({ level: 'silent' });

export interface TestRunOptions {
  config: PopulationConfig;
  token: string;
  startExport: RunDeps['startExport'];
  executor?: BatchExecutor;
  fetchTransactions?: boolean;
}

export async function runWith(o: TestRunOptions): Promise<RunReport> {
  const executor = o.executor ?? withRetries(createThreadPool(2), o.config.attempts, o.config.backoffMs);
  try {
    return await runPopulation({
      config: o.config,
      startExport: o.startExport,
      readJson: async (url) => {
        const res = await fetch(url.startsWith('http') ? url : `${o.config.fhirBase}/${url}`, { headers: { authorization: `Bearer ${o.token}`, accept: 'application/fhir+json' } });
        if (!res.ok) throw new Error(`${res.status} on read`);
        return res.json();
      },
      accessToken: async () => o.token,
      transactions: async () => {
        const res = await fetch(`${o.config.fhirBase}/metadata`, { headers: { accept: 'application/fhir+json' } });
        return capabilityAllowsTransaction(await res.json());
      },
      executor,
      mode: 'threads',
      log: silentLog,
      progress: createProgress('none', silentLog),
    });
  } finally {
    if (!o.executor) await executor.close();
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

/**
 * Test stand-in for a Bulk export until the sandbox's `$export` lands: the same NDJSON, type by type,
 * from paged searches (types in reverse order, to show the pipeline takes any order).
 */
export function searchExport(sb: SandboxHandle, token: string): RunDeps['startExport'] {
  return async function* ({ types, since }) {
    const transactionTime = new Date().toISOString();
    const query = new URLSearchParams({ _count: '1000', ...(since ? { _lastUpdated: `ge${since}` } : {}) });
    for (const type of [...types].reverse()) {
      for await (const line of searchLines(`${sb.fhirBase}/${type}?${query}`, token)) yield { type, line };
    }
    return { transactionTime };
  };
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
