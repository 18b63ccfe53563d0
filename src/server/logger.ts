// Structured logs (pino JSON). One line per request; never bodies, tokens, headers or patient data.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tidemark-server' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Defence in depth: should anything ever pass these keys, they are removed.
      redact: {
        paths: ['authorization', 'token', 'apiKey', 'engineApiKey', 'headers', 'body', '*.authorization', '*.token', '*.apiKey'],
        remove: true,
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

/** Error class and stack frames only: the message may quote inputs (possibly patient data). */
export function errorForLog(err: unknown): { errorName: string; errorStack?: string } {
  if (!(err instanceof Error)) return { errorName: typeof err };
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 8).map((l) => l.trim());
  return { errorName: err.name, errorStack: frames.join(' | ') };
}
