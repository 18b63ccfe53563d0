// `npm start`: build the app, then run the sandbox EHR (:8081) and the app + proxy server (:8080)
// together. Ctrl-C (or SIGTERM) stops both. Pass --reset to start the sandbox from its seed data.
import { spawn, spawnSync } from 'node:child_process';

const env = { ...process.env };
if (process.argv.includes('--reset')) env.SANDBOX_RESET = '1';
const port = env.PORT ?? '8080';
const sandboxPort = env.SANDBOX_PORT ?? '8081';

// CDS Hooks with no configuration: the sandbox EHR calls the app server's services, and the app
// server trusts the sandbox's JWT issuer and JWKS. Anything set explicitly wins (production sets
// CDS_BASE_URL and CDS_TRUSTED_ISSUERS to its EHR's; see README "CDS Hooks").
env.CDS_BASE_URL ??= env.APP_URL ?? `http://127.0.0.1:${port}`;
env.SANDBOX_CDS_SERVICES ??= `${env.CDS_BASE_URL.replace(/\/+$/, '')}/cds-services`;
const sandboxOrigin = `http://${env.SANDBOX_HOST ?? '127.0.0.1'}:${sandboxPort}`;
env.CDS_TRUSTED_ISSUERS ??= JSON.stringify([{ iss: sandboxOrigin, jwks: `${sandboxOrigin}/cds-client/jwks.json` }]);

const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit', env });
if (build.status !== 0) process.exit(build.status ?? 1);

const children = [
  ['sandbox', 'src/sandbox/main.ts'],
  ['server', 'src/server/main.ts'],
].map(([name, entry]) => {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { stdio: 'inherit', env });
  child.on('exit', (code, signal) => {
    console.error(`${name} exited (${signal ?? code}); stopping`);
    stopAll(code ?? 1);
  });
  return child;
});

let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

console.log(
  `\nTidemark: app http://127.0.0.1:${port}/  ·  sandbox EHR http://127.0.0.1:${sandboxPort}/ (pick a patient to launch)` +
    `\n          chart with CDS Hooks cards: http://127.0.0.1:${sandboxPort}/patient/item9\n`,
);
