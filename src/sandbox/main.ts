/**
 * CLI: `tsx src/sandbox/main.ts [--reset] [--consent]`. Environment: see config.ts and the README
 * (SANDBOX_PORT, SANDBOX_DATA, SANDBOX_PROFILE, SANDBOX_LATENCY_MS, SANDBOX_CDS_SERVICES, …).
 */
import { loadSandboxConfig } from './config.ts';
import { startSandbox } from './index.ts';

const sandbox = await startSandbox(loadSandboxConfig(process.env, process.argv.slice(2)));

console.log(`[sandbox] EHR landing page ${sandbox.url}/  ·  FHIR base ${sandbox.fhirBase}`);

const stop = async () => {
  await sandbox.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
