// /api/v1/voice/* in embedded mode over real HTTP: the token gate, the 32 MB limit (other routes keep
// 1 MB), the error codes, and who may see a job — tried by attack: another patient, another FHIR
// server, guessed ids, a claimed patient the token cannot read. Logs carry no audio, token or patient.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { successEnvelope, voiceJob } from '../../src/contract/index.ts';
import { bytes, noise, speak, wavBytes } from '../voice/audio.ts';
import { rawRequest, startTest } from './helpers.ts';
import { fakeFhirServers, getJob, headersFor, upload, waitDone } from './voice-helpers.ts';

let fhir: Awaited<ReturnType<typeof fakeFhirServers>>;
let srv: Awaited<ReturnType<typeof startTest>>;
let speech: Uint8Array;
const MARKER = 'AUDIO-MARKER-7c1e9f0'; // even length: RIFF chunks of odd size carry a pad byte

/** The speech WAV with a LIST chunk holding MARKER before the samples (it must never reach a log). */
function marked(wav: Uint8Array): Uint8Array {
  const text = Buffer.from(`INFOICMT${String.fromCharCode(MARKER.length, 0, 0, 0)}${MARKER}`, 'latin1');
  const list = Buffer.concat([Buffer.from('LIST'), Buffer.alloc(4), text]);
  list.writeUInt32LE(text.length, 4);
  const head = Buffer.from(wav.subarray(0, 36));
  const out = Buffer.concat([head, list, Buffer.from(wav.subarray(36))]);
  out.writeUInt32LE(out.length - 8, 4);
  return new Uint8Array(out);
}

beforeAll(async () => {
  fhir = await fakeFhirServers();
  srv = await startTest({ fhirServers: [fhir.base('a'), fhir.base('b'), fhir.base('r')] });
  speech = marked(bytes(speak(150, undefined, 'routes-150.wav')));
});

afterAll(async () => {
  await srv?.close();
  await fhir?.close();
});

const A1 = () => headersFor(fhir.base('a'), 'a1');

describe('voice routes: token gate and errors', () => {
  it('no token → 401 unauthorized; a token the server rejects → 401 invalid_token; an unlisted server → 403', async () => {
    expect((await upload(srv.url, {}, speech)).body.error?.code).toBe('unauthorized');
    expect((await upload(srv.url, headersFor(fhir.base('a'), 'nope'), speech)).body.error?.code).toBe('invalid_token');
    expect((await upload(srv.url, headersFor('http://127.0.0.1:1/fhir', 'a1'), speech)).status).toBe(403);
    expect((await getJob(srv.url, {}, randomUUID())).status).toBe(401);
  });

  it('an 8-second recording → 400 audio_too_short; bytes that are no audio → unsupported_format', async () => {
    const short = await upload(srv.url, A1(), wavBytes(noise(8 * 16_000, 0.05), 16_000));
    expect(short.status).toBe(400);
    expect(short.body.error?.code).toBe('audio_too_short');
    const junk = await upload(srv.url, A1(), new TextEncoder().encode('OggS not supported here, sorry'.repeat(100)));
    expect(junk.body.error?.code).toBe('unsupported_format');
  });

  it('fields are validated: exactly one of use_case/condition, known values, nothing else (no webhook_url from a browser)', async () => {
    const cases: Record<string, string>[] = [{}, { use_case: 'behavioral-health', condition: 'depression' }, { use_case: 'mind-reading' }, { use_case: 'wellness', webhook_url: 'http://evil/' }];
    for (const fields of cases) {
      const r = await upload(srv.url, A1(), speech, fields);
      expect(r.status, JSON.stringify(fields)).toBe(400);
      expect(r.body.error?.code).toBe('invalid_request');
    }
    expect((await upload(srv.url, A1(), null)).body.error?.code).toBe('invalid_request');
    const json = await fetch(`${srv.url}/api/v1/voice/analyze`, { method: 'POST', headers: { ...A1(), 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
  });
});

describe('voice routes in the OpenAPI document', () => {
  it('lists the three routes, the voice job schema and the new error codes', async () => {
    const doc = (await (await fetch(`${srv.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/voice/analyze', '/api/v1/voice/jobs/{job_id}', '/api/v1/voice/webhook']));
    const text = JSON.stringify(doc.components.schemas.VoiceJob);
    for (const k of ['audio_quality', 'vocal_features', 'inconclusive', 'insufficient_speech']) expect(text).toContain(k);
    const errors = JSON.stringify(doc.components.schemas.ErrorEnvelope);
    for (const c of ['audio_too_short', 'audio_too_long', 'unsupported_format', 'audio_poor_quality', 'payment_required']) expect(errors).toContain(c);
  });
});

describe('voice routes: body limits', () => {
  it('the voice route takes a 20 MB upload; the engine routes still refuse 2 MB', async () => {
    const big = wavBytes(new Float32Array(10 * 60 * 16_000), 16_000); // 10 min of silence, 19.2 MB
    expect(big.length).toBeGreaterThan(19_000_000);
    const r = await upload(srv.url, A1(), big);
    expect(r.status).toBe(200);
    expect(r.body.data.audio_duration_seconds).toBe(600);
    const engine = await rawRequest(`${srv.url}/api/v1/dmse/analyze`, {
      headers: { ...A1(), 'content-type': 'application/json' },
      chunks: [`{"speechRateWpm": 120, "pad": "${'x'.repeat(2 * 1024 * 1024)}"}`],
    });
    expect(engine.status).toBe(413);
    await srv.app.tidemark.voice.idle();
  });

  it('a 33 MB upload is refused with 413 even without Content-Length (counted as it streams)', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 1);
    const r = await rawRequest(`${srv.url}/api/v1/voice/analyze`, {
      headers: { ...A1(), 'content-type': 'multipart/form-data; boundary=xyz', 'transfer-encoding': 'chunked' },
      chunks: Array.from({ length: 34 }, () => chunk),
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('payload_too_large');
  });
});

describe('voice routes: a job from upload to result', () => {
  let jobId = '';

  it('returns the job in the reference shape at once, then the measured result', async () => {
    const r = await upload(srv.url, A1(), speech);
    expect(r.status).toBe(200);
    const job = successEnvelope(voiceJob).parse(r.body).data;
    expect(['pending', 'running']).toContain(job.status);
    expect(job).toMatchObject({ job_type: 'use_case', use_case: 'behavioral-health', condition: null, api_version: 'v2', analysed_by: 'embedded', audio_content_type: 'audio/wav' });
    jobId = job.job_id;
    const done = await waitDone(srv.url, A1(), jobId);
    const final = successEnvelope(voiceJob).parse(done.body).data;
    expect(final.status).toBe('done');
    if (final.job_type !== 'use_case' || !final.result) throw new Error('no use-case result');
    expect(final.result.audio_quality.issues).toEqual([]);
    const rate = final.result.summary.description.vocal_features.find((f) => f.feature === 'speech_rate');
    expect(rate?.unit).toBe('syllables/s');
    expect(rate?.value).toBeGreaterThan(3);
    // No validated model: every level is inconclusive, with the reason, and no score is invented.
    expect(final.result.signals.length).toBeGreaterThan(0);
    for (const s of final.result.signals) expect(s).toMatchObject({ level: 'inconclusive', score: null, flagged: false, reason: expect.stringContaining('validated model') });
    expect(final.result.summary.overall_level).toBe('inconclusive');
  });

  it('the same patient on the same server sees it with a refreshed token', async () => {
    expect((await getJob(srv.url, headersFor(fhir.base('a'), 'a1refreshed'), jobId)).status).toBe(200);
  });

  it('attack: another patient’s token, the same patient on another FHIR server, and guessed ids all get the same 404', async () => {
    const other = await getJob(srv.url, headersFor(fhir.base('a'), 'a2'), jobId);
    const otherServer = await getJob(srv.url, headersFor(fhir.base('b'), 'b1'), jobId);
    const guessed = await getJob(srv.url, A1(), randomUUID());
    const traversal = await getJob(srv.url, A1(), `../${jobId}`);
    for (const r of [other, otherServer, guessed, traversal]) {
      expect(r.status).toBe(404);
      expect(r.body.error).toEqual({ code: 'not_found', message: 'No such voice job for this patient.' });
    }
  });

  it('attack: a token without a patient must name one it can read (X-Patient-Id checked against the FHIR server)', async () => {
    const r = headersFor(fhir.base('r'), 'r1');
    expect((await upload(srv.url, r, speech)).status).toBe(403); // no patient at all
    expect((await upload(srv.url, { ...r, 'x-patient-id': 'pat-voice-two' }, speech)).status).toBe(403); // cannot read her
    const ok = await upload(srv.url, { ...r, 'x-patient-id': 'pat-voice-one' }, speech, { condition: 'depression' });
    expect(ok.status).toBe(200);
    expect(ok.body.data.job_type).toBe('condition');
    // A patient-scoped token cannot claim another patient.
    expect((await getJob(srv.url, { ...A1(), 'x-patient-id': 'pat-voice-two' }, jobId)).status).toBe(403);
    // The same patient id on server r is not the same owner as on server a.
    expect((await getJob(srv.url, { ...r, 'x-patient-id': 'pat-voice-one' }, jobId)).status).toBe(404);
    await srv.app.tidemark.voice.idle();
  });

  it('logs carry no audio, no token and no patient id', async () => {
    await srv.app.tidemark.voice.idle();
    const text = srv.logs.text();
    expect(text).toContain('voice job created');
    for (const secret of [MARKER, 'RIFF', 'pat-voice-one', 'pat-voice-two', 'Bearer a1', '"a1"']) expect(text.includes(secret), secret).toBe(false);
    for (const line of srv.logs.lines) expect(line.length).toBeLessThan(2000);
  });
});
