// The CLI entry: starts from the environment, serves, shuts down cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect, it } from 'vitest';

it('src/server/main.ts listens on PORT=0 and exits 0 on SIGTERM after in-flight requests', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ENGINE_URL: '', ENGINE_API_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => {
      lines.push(l);
      try {
        const j = JSON.parse(l);
        if (j.msg === 'listening') resolve(j.url);
      } catch {
        /* not JSON */
      }
    });
    child.once('exit', (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
    setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 20_000);
  });
  const res = await fetch(`${url}/api/v1/ping`);
  expect(res.status).toBe(200);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  expect(await exit).toBe(0);
  expect(lines.some((l) => l.includes('"stopped"'))).toBe(true);
  expect(lines.some((l) => l.includes('"route":"/api/v1/ping"'))).toBe(true);
}, 30_000);

it('exits 2 with a clear message on a bad configuration', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: { ...process.env, PORT: 'nope' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  expect(code).toBe(2);
  expect(stderr).toMatch(/configuration error: PORT/);
}, 30_000);
