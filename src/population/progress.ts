// Progress of a population run: a bar with rate and ETA on a terminal (cli-progress), structured pino
// logs otherwise. Counts and timings only: never a patient id, a name or a clinical value.
import { SingleBar } from 'cli-progress';
import { pino, type Logger } from 'pino';

export function createRunLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tidemark-population' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['token', 'accessToken', 'authorization', '*.token', '*.accessToken', 'patientId', '*.patientId'], remove: true },
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

export interface Progress {
  start(total: number, done: number): void;
  tick(n: number): void;
  stop(): void;
}

export function createProgress(mode: 'auto' | 'bar' | 'log' | 'none', log: Logger, isTty = Boolean(process.stderr.isTTY)): Progress {
  if (mode === 'none') return { start() {}, tick() {}, stop() {} };
  if (mode === 'bar' || (mode === 'auto' && isTty)) return barProgress();
  return logProgress(log);
}

function barProgress(): Progress {
  const bar = new SingleBar({
    format: 'scoring |{bar}| {value}/{total} patients · {rate}/s · ETA {eta_formatted}',
    hideCursor: true,
    etaBuffer: 50,
    stream: process.stderr,
  });
  let t0 = 0;
  let base = 0;
  let value = 0;
  return {
    start(total, done) {
      t0 = performance.now();
      base = done;
      value = done;
      bar.start(total, done, { rate: '0' });
    },
    tick(n) {
      value += n;
      const rate = (value - base) / Math.max(0.001, (performance.now() - t0) / 1000);
      bar.update(value, { rate: rate.toFixed(0) });
    },
    stop: () => bar.stop(),
  };
}

/** One log line at most every 2 s: done, total, rate, ETA. */
function logProgress(log: Logger): Progress {
  let total = 0;
  let done = 0;
  let base = 0;
  let t0 = 0;
  let last = 0;
  const emit = (final: boolean) => {
    const secs = Math.max(0.001, (performance.now() - t0) / 1000);
    const rate = (done - base) / secs;
    log.info({ event: final ? 'scoring-finished' : 'progress', done, total, ratePerSec: Math.round(rate), etaSec: rate > 0 ? Math.round((total - done) / rate) : null }, 'population scoring');
  };
  return {
    start(t, d) {
      total = t;
      done = d;
      base = d;
      t0 = performance.now();
      last = t0;
    },
    tick(n) {
      done += n;
      if (performance.now() - last >= 2000) {
        last = performance.now();
        emit(false);
      }
    },
    stop: () => emit(true),
  };
}
