/**
 * CLI: a Bulk export with SMART Backend Services, NDJSON lines to stdout, progress and a summary on stderr.
 *   npx tsx src/population/export-cli.ts [--fhir-base URL] [--group ID | --all-patients] [--type T,T]
 *     [--since INSTANT] [--client-id ID] [--key private-jwk.json] [--scope S] [--jku URL]
 * With no flags: the local sandbox (SANDBOX_PORT), Group care-team, the dev client and its key
 * (created on first use in POPULATION_KEY_DIR). For Epic/Oracle Health pass the FHIR base, your
 * client id and your private JWK file.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BackendServicesAuth, discoverTokenEndpoint } from './backend-auth.ts';
import { bulkExport } from './bulk-client.ts';
import { DEV_CLIENT_ID, DEV_KEY_DIR, ensureDevKey } from './dev-key.ts';

const env = z
  .object({ SANDBOX_PORT: z.coerce.number().int().min(1).max(65535).default(8081), POPULATION_KEY_DIR: z.string().min(1).default(DEV_KEY_DIR) })
  .parse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')));
const { values: flags } = parseArgs({
  options: {
    'fhir-base': { type: 'string', default: `http://127.0.0.1:${env.SANDBOX_PORT}/fhir` },
    group: { type: 'string', default: 'care-team' },
    'all-patients': { type: 'boolean', default: false },
    type: { type: 'string' },
    since: { type: 'string' },
    'client-id': { type: 'string', default: DEV_CLIENT_ID },
    key: { type: 'string' },
    scope: { type: 'string', default: 'system/*.rs' },
    jku: { type: 'string' },
  },
});

const privateJwk = flags.key ? JSON.parse(readFileSync(flags.key, 'utf8')) : (await ensureDevKey(env.POPULATION_KEY_DIR)).privateJwk;
const fhirBase = flags['fhir-base'] as string;
const auth = new BackendServicesAuth({
  tokenEndpoint: await discoverTokenEndpoint(fhirBase),
  clientId: flags['client-id'] as string,
  privateJwk,
  scope: flags.scope as string,
  ...(flags.jku ? { jku: flags.jku } : {}),
});
const controller = new AbortController();
process.once('SIGINT', () => controller.abort()); // Ctrl-C cancels the server's job too

const counts: Record<string, number> = {};
const started = Date.now();
const lines = bulkExport({
  fhirBase,
  auth,
  ...(flags['all-patients'] ? {} : { group: flags.group as string }),
  ...(flags.type ? { types: flags.type.split(',') } : {}),
  ...(flags.since ? { since: flags.since } : {}),
  signal: controller.signal,
  onProgress: (p) => process.stderr.write(`export in progress: ${p ?? '…'}\n`),
  onManifest: (m) => process.stderr.write(`manifest: ${m.output.length} file(s), transactionTime ${m.transactionTime}\n`),
});
for await (const { type, line } of lines) {
  counts[type] = (counts[type] ?? 0) + 1;
  if (!process.stdout.write(`${line}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}
process.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}\n`);
