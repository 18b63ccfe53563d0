// Voice jobs in Redis (a real redis-server started here): a job created on one instance is answered
// by another; jobs expire; webhook deliveries are claimed once across instances.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../../src/server/voice/index.ts';
import { bytes, speak } from '../voice/audio.ts';
import { startTest } from './helpers.ts';
import { fakeFhirServers, freePort, getJob, headersFor, upload, waitDone } from './voice-helpers.ts';

let redis: ChildProcess;
let redisUrl = '';
let fhir: Awaited<ReturnType<typeof fakeFhirServers>>;

beforeAll(async () => {
  const port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  redisUrl = `redis://127.0.0.1:${port}`;
  const until = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (Date.now() > until) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  fhir = await fakeFhirServers();
});

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

afterAll(async () => {
  redis?.kill('SIGTERM');
  await fhir?.close();
});

describe('voice jobs in Redis', () => {
  it('instance A takes the upload, instance B answers the poll; other patients still get 404', async () => {
    const cfg = { fhirServers: [fhir.base('a')], redisUrl };
    const [a, b] = [await startTest(cfg), await startTest(cfg)];
    try {
      const H = headersFor(fhir.base('a'), 'a1');
      const r = await upload(a.url, H, bytes(speak(150, undefined, 'redis-150.wav')));
      expect(r.status).toBe(200);
      const id = r.body.data.job_id;
      await a.app.tidemark.voice.idle();
      const fromB = await waitDone(b.url, H, id);
      expect(fromB.body.data.status).toBe('done');
      expect(fromB.body.data.result.audio_quality.voice_percentage).toBeGreaterThan(50);
      expect((await getJob(b.url, headersFor(fhir.base('a'), 'a2'), id)).status).toBe(404);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a job expires after its time to live', async () => {
    const s = await startTest({ fhirServers: [fhir.base('a')], redisUrl, voiceJobTtlSeconds: 1 });
    try {
      const H = headersFor(fhir.base('a'), 'a1');
      const r = await upload(s.url, H, bytes(speak(150, undefined, 'redis-ttl.wav')));
      await s.app.tidemark.voice.idle();
      expect((await getJob(s.url, H, r.body.data.job_id)).status).toBe(200);
      await new Promise((res) => setTimeout(res, 1200));
      expect((await getJob(s.url, H, r.body.data.job_id)).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('a webhook delivery is claimed once, whichever instance receives it', async () => {
    const one = new RedisJobStore(new Redis(redisUrl));
    const two = new RedisJobStore(new Redis(redisUrl));
    try {
      const results = await Promise.all([one.claimDelivery('job-x', 10_000), two.claimDelivery('job-x', 10_000), one.claimDelivery('job-x', 10_000)]);
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
