// Public API of the server part.
import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type ServerDeps, type TidemarkApp } from './app.ts';
import type { ServerConfig } from './config.ts';

export { createServer, type ServerDeps, type TidemarkApp, type TidemarkInternals } from './app.ts';
export { loadConfig, defaultConfig, ConfigError, type ServerConfig, ENGINE_TIMEOUT_HARD_MAX_MS } from './config.ts';
export { EmbeddedBackend, UpstreamBackend, type EngineBackend, type BackendKind } from './backend.ts';
export { TokenVerifier } from './auth.ts';
export { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit.ts';
export { createLogger } from './logger.ts';
export { buildOpenApi } from './openapi.ts';

export interface RunningServer {
  url: string;
  port: number;
  app: TidemarkApp;
  /** Stops accepting connections, lets in-flight requests finish (up to `graceMs`), closes the store. */
  close(graceMs?: number): Promise<void>;
}

export async function startServer(config: ServerConfig, deps: ServerDeps = {}): Promise<RunningServer> {
  const app = createServer(config, deps);
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    s.once('error', reject);
  });
  const http = server as Server;
  http.keepAliveTimeout = 5_000;
  http.requestTimeout = 60_000;
  http.headersTimeout = 20_000;
  const addr = http.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  app.tidemark.cds.setBaseUrl(`http://${host}:${addr.port}`);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    app,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => http.closeAllConnections(), graceMs);
          timer.unref();
          http.close(() => {
            clearTimeout(timer);
            resolve();
          });
          http.closeIdleConnections();
        });
        await app.tidemark.close();
      })();
      return closing;
    },
  };
}
