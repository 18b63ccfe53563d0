// Upstream voice mode end to end against the sandbox's TEST DOUBLE of the voice service (its v2
// contract on loopback): forwarding with the account headers, signed completion webhooks (a bad
// signature refused, a replayed delivery processed once), polling without webhooks, and the
// service's errors (credits, rate limits, quality, retries) mapped to ours. The key never leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVoiceDouble } from '../../src/sandbox/voice-double/index.ts';
import { signBody } from '../../src/server/voice/index.ts';
import { bytes, speak, wavBytes } from '../voice/audio.ts';
import { startTest } from './helpers.ts';
import { fakeFhirServers, freePort, getJob, headersFor, upload, waitDone } from './voice-helpers.ts';

const ACCOUNT = 'acct-tidemark-test';
const KEY = 'vk_live_SuperSecretVoiceKey_5b1f0e9d';
const HOOK_SECRET = 'whsec_test_0123456789abcdef';

let fhir: Awaited<ReturnType<typeof fakeFhirServers>>;
let double: Awaited<ReturnType<typeof startVoiceDouble>>;
let srv: Awaited<ReturnType<typeof startTest>>;
let polling: Awaited<ReturnType<typeof startTest>>;
let speech: Uint8Array;
const H = () => headersFor(fhir.base('a'), 'a1');

beforeAll(async () => {
  fhir = await fakeFhirServers();
  double = await startVoiceDouble({ accounts: { [ACCOUNT]: { apiKey: KEY, credits: 100 } }, rate: { general: 1000, analyze: 1000 }, processingMs: 300, webhookRetryMs: 50 });
  const port = await freePort();
  const voice = { voiceAccountId: ACCOUNT, voiceApiKey: KEY, voiceUrl: double.url, voiceRateGeneral: 1000, voiceRateAnalyze: 1000 };
  srv = await startTest(
    { port, fhirServers: [fhir.base('a')], ...voice, voiceWebhookUrl: `http://127.0.0.1:${port}/api/v1/voice/webhook`, voiceWebhookSecret: HOOK_SECRET },
    { voice: { upstream: { retryBaseMs: 20, maxRetries: 2, budgetMs: 5000 } } },
  );
  polling = await startTest({ fhirServers: [fhir.base('a')], ...voice }, { voice: { upstream: { retryBaseMs: 20, maxRetries: 2, budgetMs: 5000 } } });
  speech = bytes(speak(160, undefined, 'upstream-160.wav'));
});

afterAll(async () => {
  await Promise.all([srv?.close(), polling?.close()]);
  await double?.stop();
  await fhir?.close();
});

describe('upstream voice mode against the test double', () => {
  let jobId = '';

  it('forwards the upload; the signed webhook completes the job without a poll', async () => {
    const r = await upload(srv.url, H(), speech);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ status: 'running', analysed_by: 'upstream', use_case: 'behavioral-health' });
    jobId = r.body.data.job_id;
    await double.idle();
    expect(double.deliveries.filter((d) => d.jobId === jobId).map((d) => d.status)).toEqual([200]);
    expect(srv.app.tidemark.voice.stats.webhooksProcessed).toBe(1);
    const done = await getJob(srv.url, H(), jobId);
    expect(done.body.data.status).toBe('done');
    expect(done.body.data.result.summary.description.summary).toContain('TEST DOUBLE');
    expect(double.credits(ACCOUNT)).toBe(99);
  });

  it('a replayed delivery is acknowledged and processed once', async () => {
    expect(await double.redeliver(jobId)).toBe(200);
    expect(await double.redeliver(jobId)).toBe(200);
    expect(srv.app.tidemark.voice.stats.webhooksProcessed).toBe(1);
    expect(srv.app.tidemark.voice.stats.webhookReplays).toBe(2);
  });

  it('attack: a webhook with a bad, missing or re-keyed signature is refused and changes nothing', async () => {
    const forged = JSON.stringify({ ...double.deliveries[0]!, job_id: jobId, status: 'failed' });
    const body = JSON.stringify({ ...JSON.parse(double.deliveries.at(-1)!.body), status: 'failed', result: null });
    const send = (sig?: string) =>
      fetch(`${srv.url}/api/v1/voice/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...(sig ? { 'x-webhook-signature': sig } : {}) }, body });
    const good = signBody(HOOK_SECRET, body);
    const oneOff = `${good.slice(0, 63)}${good.endsWith('0') ? '1' : '0'}`;
    for (const sig of [undefined, 'nonsense', signBody('another-secret-entirely', body), signBody(HOOK_SECRET, forged), oneOff]) {
      const res = await send(sig);
      expect(res.status, String(sig)).toBe(401);
    }
    expect(srv.app.tidemark.voice.stats.webhooksRefused).toBe(5);
    expect((await getJob(srv.url, H(), jobId)).body.data.status).toBe('done');
  });

  it('without a webhook, the proxy polls the service (every 3 s) until the job is done', async () => {
    const r = await upload(polling.url, H(), speech, { condition: 'depression' });
    expect(r.status).toBe(200);
    const done = await waitDone(polling.url, H(), r.body.data.job_id, 15_000, 500);
    expect(done.body.data).toMatchObject({ status: 'done', job_type: 'condition', condition: 'depression' });
    expect(done.body.data.result.signal.model_id).toBe('depression');
  });

  it('the service’s errors map to ours: credits → 402, rate limit → 429 with Retry-After, poor quality → 422', async () => {
    double.setCredits(ACCOUNT, 0);
    const broke = await upload(srv.url, H(), speech);
    expect([broke.status, broke.body.error?.code]).toEqual([402, 'payment_required']);
    double.setCredits(ACCOUNT, 100);

    // The first Retry-After (1 s) fits the call's budget and is waited out; the second (7 s) does not.
    double.inject({ status: 429, code: 'RATE_LIMIT_EXCEEDED', retryAfter: 1 }, { status: 429, code: 'RATE_LIMIT_EXCEEDED', retryAfter: 7 });
    const limited = await upload(srv.url, H(), speech);
    expect([limited.status, limited.body.error?.code]).toEqual([429, 'rate_limited']);
    expect(Number(limited.headers.get('retry-after'))).toBe(7);

    const silent = await upload(srv.url, H(), wavBytes(new Float32Array(16_000 * 20), 16_000));
    expect([silent.status, silent.body.error?.code]).toEqual([422, 'audio_poor_quality']);
  });

  it('a 500 from the service is retried (1 s doubling in production; shortened here) and then succeeds', async () => {
    double.inject({ status: 500, code: 'PROCESSING_ERROR' });
    const r = await upload(srv.url, H(), speech);
    expect(r.status).toBe(200);
    double.inject({ status: 500, code: 'PROCESSING_ERROR' }, { status: 500, code: 'PROCESSING_ERROR' }, { status: 500, code: 'PROCESSING_ERROR' });
    const failed = await upload(srv.url, H(), speech); // 1 try + 2 retries, all 500
    expect([failed.status, failed.body.error?.code]).toEqual([502, 'upstream_error']);
    await double.idle();
  });

  it('the local sliding window stops calls the plan would refuse (no request spent)', async () => {
    const tight = await startTest({ fhirServers: [fhir.base('a')], voiceAccountId: ACCOUNT, voiceApiKey: KEY, voiceUrl: double.url, voiceRateAnalyze: 1 });
    try {
      const before = double.credits(ACCOUNT);
      expect((await upload(tight.url, H(), speech)).status).toBe(200);
      const second = await upload(tight.url, H(), speech);
      expect([second.status, second.body.error?.code]).toEqual([429, 'rate_limited']);
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(50);
      expect(double.credits(ACCOUNT)).toBe(before - 1);
    } finally {
      await double.idle();
      await tight.close();
    }
  });

  it('the account key and id never reach a response or a log line', async () => {
    const r = await upload(srv.url, H(), speech);
    const text = JSON.stringify(r.body) + JSON.stringify((await getJob(srv.url, H(), r.body.data.job_id)).body);
    for (const secret of [KEY, ACCOUNT, HOOK_SECRET]) {
      expect(text.includes(secret)).toBe(false);
      expect(srv.logs.text().includes(secret)).toBe(false);
      expect(polling.logs.text().includes(secret)).toBe(false);
    }
    await double.idle();
  });
});
