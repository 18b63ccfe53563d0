// The proxy's voice routes from the app: upload a sample (multipart), poll its job. Answers are
// validated against the contract; errors carry the proxy's code and plain message.
import { useMutation, useQuery } from '@tanstack/react-query';
import { API_PREFIX, errorEnvelope, successEnvelope, voiceJob, type VoiceJob } from '../../../../contract/index.ts';
import { useDataLayer, type DataLayer } from '../../launch-session/data-layer.tsx';

export class VoiceCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'VoiceCallError';
  }
}

export interface VoiceRequest {
  audio: Blob;
  fileName: string;
  /** "use_case:behavioral-health" or "condition:depression". */
  target: string;
}

async function call(layer: DataLayer, path: string, init: RequestInit): Promise<VoiceJob> {
  const doFetch = layer.fetch ?? fetch;
  let res: Response;
  try {
    const token = await layer.accessToken();
    res = await doFetch(`${layer.apiBase ?? API_PREFIX}${path}`, {
      ...init,
      headers: { Accept: 'application/json', Authorization: `Bearer ${token}`, 'X-FHIR-Server': layer.serverUrl, 'X-Patient-Id': layer.patientId },
    });
  } catch (error) {
    throw new VoiceCallError('network_error', `Could not reach the Tidemark server (${error instanceof Error ? error.message : String(error)}).`, null);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = errorEnvelope.safeParse(body);
    throw e.success ? new VoiceCallError(e.data.error.code, e.data.error.message, res.status) : new VoiceCallError('server_error', `The server answered ${res.status}.`, res.status);
  }
  const ok = successEnvelope(voiceJob).safeParse(body);
  if (!ok.success) throw new VoiceCallError('invalid_response', 'The voice job did not match the API contract.', res.status);
  return ok.data.data;
}

export function submitVoiceSample(layer: DataLayer, req: VoiceRequest): Promise<VoiceJob> {
  const [field, value] = req.target.split(':') as [string, string];
  const form = new FormData();
  form.set('audio', req.audio, req.fileName);
  form.set(field, value);
  return call(layer, '/voice/analyze', { method: 'POST', body: form });
}

export function getVoiceJob(layer: DataLayer, jobId: string): Promise<VoiceJob> {
  return call(layer, `/voice/jobs/${encodeURIComponent(jobId)}`, { method: 'GET' });
}

export function useSubmitVoiceSample() {
  const layer = useDataLayer();
  return useMutation({ mutationFn: (req: VoiceRequest) => submitVoiceSample(layer, req) });
}

/** Polls every 2 s while the job runs (the reference: 2–5 s); stops when it is done or failed. */
export function useVoiceJob(initial: VoiceJob | undefined) {
  const layer = useDataLayer();
  return useQuery({
    queryKey: ['voice-job', layer.serverUrl, layer.patientId, initial?.job_id],
    queryFn: () => getVoiceJob(layer, initial!.job_id),
    enabled: !!initial,
    initialData: initial,
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'done' || q.state.data.status === 'failed') ? false : 2000),
    retry: (n, e) => n < 2 && e instanceof VoiceCallError && (e.status === null || e.status >= 500),
  });
}
