// Public API of the CDS Hooks part: the service, client authentication, schemas, service ids.
export { CdsError, CdsHooksService, type CdsServiceOptions, type HookTiming } from './service.ts';
export { ClientAuth, CdsAuthError, ALLOWED_ALGS, type TrustedIssuer, type AuthFailure } from './client-auth.ts';
export { MemoryReplayStore, RedisReplayStore, ReplayStoreFull, type ReplayStore, type RedisSetNx } from './replay-store.ts';
export { FeedbackLog, type FeedbackEntry } from './feedback.ts';
export { SERVICES, PATIENT_VIEW_ID, ORDER_SELECT_ID, PATIENT_TOKEN, prefetchTemplates } from './services.ts';
export * as cdsSchemas from './schemas.ts';
