// Runs the whole stack as a tester would (`npm start`'s two processes, on free ports) and drives it
// with real headless Chromium (Debian's /usr/bin/chromium through playwright-core).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const ARTIFACTS = join(process.cwd(), 'test/artifacts');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

export interface Stack {
  appUrl: string;
  sandboxUrl: string;
  fhirBase: string;
  dataDir: string;
  restartSandbox(): Promise<void>;
  close(): Promise<void>;
}

function startProcess(entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

/**
 * Starts sandbox + app/proxy server (the built app in dist/ must exist: `npm test` builds it first).
 * `extraEnv` may depend on the URLs chosen (e.g. a SITE_CONFIG naming the sandbox's FHIR base).
 */
export async function startStack(
  extraEnv: Record<string, string> | ((urls: { appUrl: string; sandboxUrl: string; fhirBase: string }) => Record<string, string>) = {},
): Promise<Stack> {
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const appUrl = `http://127.0.0.1:${port}`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const fhirBase = `${sandboxUrl}/fhir`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tidemark-e2e-'));
  const env = {
    PORT: String(port),
    SANDBOX_PORT: String(sandboxPort),
    APP_URL: appUrl,
    FHIR_SERVERS: fhirBase,
    SANDBOX_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...(typeof extraEnv === 'function' ? extraEnv({ appUrl, sandboxUrl, fhirBase }) : extraEnv),
  };
  let sandbox = startProcess('src/sandbox/main.ts', { ...env, SANDBOX_RESET: '1' });
  const server = startProcess('src/server/main.ts', env);
  await Promise.all([waitForHttp(`${fhirBase}/metadata`, sandbox), waitForHttp(`${appUrl}/api/v1/ping`, server)]);
  return {
    appUrl,
    sandboxUrl,
    fhirBase,
    dataDir,
    async restartSandbox() {
      await stopProcess(sandbox);
      sandbox = startProcess('src/sandbox/main.ts', env);
      await waitForHttp(`${fhirBase}/metadata`, sandbox);
    },
    async close() {
      await Promise.all([stopProcess(sandbox), stopProcess(server)]);
    },
  };
}

/** `extraArgs`: e.g. the fake capture device flags of the voice suite. */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
