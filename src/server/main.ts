// CLI entry: `npx tsx src/server/main.ts` (env: see README "Server configuration").
import { ConfigError, loadConfig } from './config.ts';
import { startServer } from './index.ts';
import { createLogger } from './logger.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`tidemark-server: configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, { logger });
  logger.info(
    {
      url: server.url,
      backend: server.app.tidemark.backend.kind,
      fhirServers: config.fhirServers,
      rateLimit: config.redisUrl ? 'redis' : 'memory',
      staticDir: config.staticDir,
    },
    'listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server
      .close(10_000)
      .then(() => {
        logger.info('stopped');
        logger.flush();
        setTimeout(() => process.exit(0), 50).unref();
      })
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('tidemark-server: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
