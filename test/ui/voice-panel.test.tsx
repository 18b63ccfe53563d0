// The Voice sample panel in jsdom: microphone refused, no microphone, no media API; a file of the
// wrong type or size; a proxy error shown in plain words. (Recording itself: test/e2e/voice.test.ts.)
import { QueryClient } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppProviders } from '../../src/app/app-providers.tsx';
import { VoiceSamplePanel } from '../../src/app/features/voice/index.ts';
import type { EngineRuns } from '../../src/app/features/scores/api/run-engine.ts';
import type { ChartData } from '../../src/fhir/chart.ts';
import { testDataLayer } from './render-app.tsx';

const chart = { history: {} } as unknown as ChartData;
const runs = { dmse: { request: undefined } } as unknown as EngineRuns;

function renderPanel(fetchImpl?: typeof fetch) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <AppProviders layer={testDataLayer(fetchImpl ? { fetch: fetchImpl } : {})} queryClient={queryClient}>
      <VoiceSamplePanel chart={chart} runs={runs} />
    </AppProviders>,
  );
}

function mediaDevices(getUserMedia: (() => Promise<MediaStream>) | undefined) {
  Object.defineProperty(navigator, 'mediaDevices', { value: getUserMedia ? { getUserMedia } : undefined, configurable: true });
}

afterEach(() => mediaDevices(undefined));

describe('Voice sample panel', () => {
  it('shows the recording instructions and the 15-second minimum', () => {
    renderPanel();
    expect(screen.getByRole('heading', { name: 'Voice sample' })).toBeInTheDocument();
    expect(screen.getByText(/Describe your last week/)).toBeInTheDocument();
    expect(screen.getByText(/at least 15 seconds/)).toBeInTheDocument();
  });

  it('microphone permission denied → says so and offers the upload', async () => {
    mediaDevices(() => Promise.reject(Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' })));
    renderPanel();
    await userEvent.click(screen.getByRole('button', { name: 'Record' }));
    expect(await screen.findByText(/Microphone access was denied/)).toBeInTheDocument();
    expect(screen.getByText(/upload a recording instead/)).toBeInTheDocument();
  });

  it('no microphone → says so', async () => {
    mediaDevices(() => Promise.reject(Object.assign(new Error('Requested device not found'), { name: 'NotFoundError' })));
    renderPanel();
    await userEvent.click(screen.getByRole('button', { name: 'Record' }));
    expect(await screen.findByText(/No working microphone was found/)).toBeInTheDocument();
  });

  it('no media API at all (insecure page or a frame without microphone permission) → says so', async () => {
    mediaDevices(undefined);
    renderPanel();
    await userEvent.click(screen.getByRole('button', { name: 'Record' }));
    expect(await screen.findByText(/cannot use the microphone/)).toBeInTheDocument();
  });

  it('a file that is not WAV/FLAC/MP3 is refused before upload; a proxy error is shown in its words', async () => {
    const fetchSpy = vi.fn(async () =>
      Response.json({ ok: false, requestId: 'req_00000000000000000000', error: { code: 'audio_too_short', message: 'The recording lasts 8 s; at least 15 s of audio are needed.' } }, { status: 400 }),
    );
    renderPanel(fetchSpy as unknown as typeof fetch);
    const input = screen.getByLabelText('Upload WAV, FLAC or MP3');
    await userEvent.upload(input, new File(['x'], 'notes.txt', { type: 'text/plain' }), { applyAccept: false });
    expect(await screen.findByText('Choose a WAV, FLAC or MP3 file.')).toBeInTheDocument();
    expect(fetchSpy).not.toHaveBeenCalled();
    await userEvent.upload(input, new File([new Uint8Array(100)], 'short.wav', { type: 'audio/wav' }));
    expect(await screen.findByText(/at least 15 s of audio are needed/)).toBeInTheDocument();
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://app.test/api/v1/voice/analyze');
    expect((init.headers as Record<string, string>)['X-Patient-Id']).toBeTruthy();
  });
});
