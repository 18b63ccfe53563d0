// "Voice sample": record the patient (or upload a WAV/FLAC/MP3), send it for analysis, follow the
// job, then show quality → features → condition levels → the digital-MSE card, and save to chart.
// Decision support for review by qualified staff; the audio is sent once and kept nowhere.
import { useId, useState } from 'react';
import { VOICE_LIMITS, type VoiceJob } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import { voiceResultParts } from '../../../fhir/write/voice.ts';
import { ErrorState } from '../../components/states.tsx';
import type { EngineRuns } from '../scores/api/run-engine.ts';
import { useSubmitVoiceSample, useVoiceJob } from './api/voice-api.ts';
import { MAX_SECONDS, MIN_SECONDS, useRecorder } from './recorder/use-recorder.ts';
import { VoiceDmse } from './voice-dmse.tsx';
import { ConditionLevels, FeatureTable, QualityVerdict } from './voice-result.tsx';
import './voice.css';

const TARGETS = [
  { value: 'use_case:behavioral-health', label: 'Behavioral health (bundle)' },
  { value: 'condition:depression', label: 'Depression only' },
  { value: 'condition:anxiety', label: 'Anxiety only' },
];

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

export function VoiceSamplePanel({ chart, runs }: { chart: ChartData; runs: EngineRuns }) {
  const recorder = useRecorder();
  const submit = useSubmitVoiceSample();
  const job = useVoiceJob(submit.data);
  const [target, setTarget] = useState(TARGETS[0]!.value);
  const [fileError, setFileError] = useState<string | null>(null);
  const ids = { target: useId(), file: useId() };
  const r = recorder.state;
  const busy = submit.isPending || r.phase === 'recording' || r.phase === 'starting';

  const send = (audio: Blob, fileName: string) => {
    setFileError(null);
    submit.mutate({ audio, fileName, target });
  };
  const onFile = (f: File | undefined) => {
    if (!f) return;
    if (!/\.(wav|flac|mp3)$/i.test(f.name)) return setFileError('Choose a WAV, FLAC or MP3 file.');
    if (f.size > VOICE_LIMITS.maxBytes) return setFileError('The file is over 32 MB: trim it or export it as MP3 or FLAC.');
    send(f, f.name);
  };
  const startOver = () => {
    submit.reset();
    recorder.reset();
  };

  return (
    <section className="panel voice" aria-labelledby="voice-title" data-feature="voice">
      <h2 id="voice-title" className="section-title">
        Voice sample
      </h2>
      <details className="voice__instructions" open={!submit.data}>
        <summary>How to record</summary>
        <ul>
          <li>A quiet room: doors closed, no fan, no music; the microphone 20–30 cm from the patient’s mouth.</li>
          <li>
            Natural speech for at least {MIN_SECONDS} seconds (one to two minutes is better): read a short passage aloud, or answer “Describe your
            last week.”
          </li>
          <li>Only the patient speaks. The recording is analysed once and is not stored.</li>
        </ul>
      </details>

      {!submit.data && (
        <div className="voice__capture">
          <label htmlFor={ids.target}>Analyse for</label>{' '}
          <select id={ids.target} value={target} onChange={(e) => setTarget(e.target.value)} disabled={busy}>
            {TARGETS.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
          <div className="voice__recorder">
            {r.phase === 'recording' ? (
              <>
                <button type="button" className="button" onClick={recorder.stop} disabled={r.seconds < MIN_SECONDS}>
                  Stop recording
                </button>
                <span className="voice__timer" role="timer" aria-live="off">
                  {clock(r.seconds)}
                </span>
                <span className="muted">{r.seconds < MIN_SECONDS ? `minimum ${MIN_SECONDS} s — keep talking` : `up to ${MAX_SECONDS / 60} min`}</span>
                <meter className="voice__meter" aria-label="Input level" min={0} max={1} low={0.05} high={0.9} optimum={0.3} value={Math.min(1, r.level)} />
                {r.level > 0.98 && <span className="voice__caution">Too loud: move the microphone away.</span>}
              </>
            ) : (
              <button type="button" className="button" onClick={() => void recorder.start()} disabled={busy}>
                {r.phase === 'starting' ? 'Starting…' : r.phase === 'recorded' ? 'Record again' : 'Record'}
              </button>
            )}
            <span className="muted">or</span>
            <label htmlFor={ids.file} className="button button--secondary">
              Upload WAV, FLAC or MP3
            </label>
            <input id={ids.file} className="visually-hidden" type="file" accept=".wav,.flac,.mp3,audio/wav,audio/flac,audio/mpeg" onChange={(e) => onFile(e.target.files?.[0])} disabled={busy} />
          </div>
          {r.phase === 'recorded' && (
            <p>
              Recorded {clock(r.seconds)}.{' '}
              <button type="button" className="button" onClick={() => send(r.wav, 'voice-sample.wav')} disabled={submit.isPending}>
                Analyse recording
              </button>
            </p>
          )}
          {r.phase === 'error' && <ErrorState title="Cannot record" message={r.message} />}
          {fileError && <ErrorState title="Cannot use this file" message={fileError} />}
        </div>
      )}

      {submit.isPending && <p role="status">Uploading the sample…</p>}
      {submit.isError && (
        <ErrorState title="The sample was not accepted" message={submit.error.message} onRetry={startOver} />
      )}
      {job.data && <JobView job={job.data} error={job.error} chart={chart} runs={runs} onRestart={startOver} />}
      <p className="voice__disclaimer muted">
        Decision support for review by qualified staff: acoustic measures of one sample, not a diagnosis. Condition levels are shown only with the
        recording-quality verdict beside them.
      </p>
    </section>
  );
}

function JobView({ job, error, chart, runs, onRestart }: { job: VoiceJob; error: Error | null; chart: ChartData; runs: EngineRuns; onRestart: () => void }) {
  const parts = voiceResultParts(job);
  const by = job.analysed_by === 'upstream' ? 'the voice service' : 'Tidemark’s embedded analysis (no condition model)';
  if (job.status === 'pending' || job.status === 'running') {
    const pct = typeof job.progress === 'number' ? job.progress : undefined;
    return (
      <div className="voice__status" role="status" aria-busy="true">
        <p>
          {job.status === 'pending' ? 'Waiting to be analysed' : 'Analysing'} {Math.round(job.audio_duration_seconds)} s of audio with {by}…
          {pct !== undefined && ` ${pct} %`}
        </p>
        <progress max={100} value={pct} aria-label="Analysis progress" />
        {error && <p className="muted">Checking again… ({error.message})</p>}
      </div>
    );
  }
  if (job.status === 'failed' || !parts) {
    return <ErrorState title="The analysis failed" message="The sample could not be analysed. Record or upload it again." onRetry={onRestart} />;
  }
  const rate = parts.features.find((f) => f.feature === 'speech_rate')?.value;
  return (
    <div className="voice__result" data-job={job.job_id}>
      <p className="muted">
        {Math.round(job.audio_duration_seconds)} s sample, analysed by {by}.{' '}
        <button type="button" className="button button--secondary" onClick={onRestart}>
          New sample
        </button>
      </p>
      <QualityVerdict quality={parts.quality} />
      <FeatureTable features={parts.features} />
      <ConditionLevels signals={parts.signals} quality={parts.quality} />
      <VoiceDmse job={job} syllablesPerSecond={rate} chart={chart} runs={runs} />
    </div>
  );
}
