/**
 * CLI: `tsx src/sandbox/main.ts [--reset] [--consent]`.
 * Env: SANDBOX_PORT (8081), SANDBOX_HOST (127.0.0.1), SANDBOX_DATA (extra Bundles folder),
 * SANDBOX_DIR (persisted writes, ./.data/sandbox), SANDBOX_RESET=1, SANDBOX_CONSENT=1,
 * SANDBOX_SIMULATE=invalid_client|access_denied|expired_token, SANDBOX_TOKEN_LIFETIME (s),
 * APP_URL (http://127.0.0.1:${PORT:-8080}), SANDBOX_CDS_SERVICES (comma list; ${APP_URL}/cds-services).
 */
import { startSandbox } from './index.ts';

const args = new Set(process.argv.slice(2));
const env = process.env;

const sandbox = await startSandbox({
  port: env.SANDBOX_PORT ? Number(env.SANDBOX_PORT) : 8081,
  host: env.SANDBOX_HOST ?? '127.0.0.1',
  dataDir: env.SANDBOX_DIR ?? './.data/sandbox',
  sandboxDataDir: env.SANDBOX_DATA || undefined,
  reset: args.has('--reset') || env.SANDBOX_RESET === '1',
  consent: args.has('--consent') || env.SANDBOX_CONSENT === '1',
  simulate: env.SANDBOX_SIMULATE || undefined,
  tokenLifetimeSeconds: env.SANDBOX_TOKEN_LIFETIME ? Number(env.SANDBOX_TOKEN_LIFETIME) : undefined,
  appLaunchUrl: env.APP_URL ?? `http://127.0.0.1:${env.PORT ?? '8080'}`,
  cdsServices: env.SANDBOX_CDS_SERVICES?.split(',').map((s) => s.trim()).filter(Boolean),
});

console.log(`[sandbox] EHR landing page ${sandbox.url}/  ·  FHIR base ${sandbox.fhirBase}`);

const stop = async () => {
  await sandbox.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
