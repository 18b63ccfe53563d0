// The voice part of the proxy: builds the service (embedded or upstream; memory or Redis jobs) from config.
import { Redis } from 'ioredis';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { MemoryJobStore, RedisJobStore, type JobStore, type RedisJobClient } from './job-store.ts';
import { VoiceService } from './service.ts';
import { VoiceUpstream, type UpstreamOptions } from './upstream.ts';

export { MemoryJobStore, RedisJobStore, type JobStore } from './job-store.ts';
export { signBody, verifySignature, VoiceService, type VoiceCaller, type VoiceOut } from './service.ts';
export { VoiceUpstream } from './upstream.ts';

export interface VoiceDeps {
  store?: JobStore;
  /** fetch for the patient-access check against the FHIR server (tests). */
  fhirFetch?: typeof fetch;
  /** Upstream retry timing (tests shorten it). */
  upstream?: Pick<UpstreamOptions, 'retryBaseMs' | 'maxRetries' | 'budgetMs'>;
}

export function createVoiceService(config: ServerConfig, logger: Logger, deps: VoiceDeps = {}): VoiceService {
  const store =
    deps.store ??
    (config.redisUrl
      ? new RedisJobStore(new Redis(config.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 2000 }) as unknown as RedisJobClient)
      : new MemoryJobStore());
  const upstream =
    config.voiceAccountId && config.voiceApiKey
      ? new VoiceUpstream({
          baseUrl: config.voiceUrl,
          accountId: config.voiceAccountId,
          apiKey: config.voiceApiKey,
          ratePerMinute: { general: config.voiceRateGeneral, analyze: config.voiceRateAnalyze },
          webhook: config.voiceWebhookUrl && config.voiceWebhookSecret ? { url: config.voiceWebhookUrl, secret: config.voiceWebhookSecret } : undefined,
          ...deps.upstream,
        })
      : undefined;
  return new VoiceService({ config, logger, store, upstream, fetch: deps.fhirFetch });
}
