import { z } from 'zod';

export const errorCode = z.enum([
  'invalid_request', // 400
  'audio_too_short', // 400: voice recording under 15 s
  'audio_too_long', // 400: voice recording over 20 min
  'unsupported_format', // 400: audio is not WAV, FLAC or MP3
  'unauthorized', // 401: missing or malformed Authorization
  'invalid_token', // 401: token rejected by its FHIR server
  'payment_required', // 402 (remote API only)
  'forbidden', // 403
  'not_found', // 404
  'method_not_allowed', // 405
  'payload_too_large', // 413
  'unsupported_media_type', // 415
  'audio_poor_quality', // 422: the voice service refused the recording's quality
  'rate_limited', // 429
  'server_error', // 500
  'upstream_error', // 502: the remote engine failed or answered off-contract
  'upstream_timeout', // 504
]);
export type ErrorCode = z.infer<typeof errorCode>;

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  audio_too_short: 400,
  audio_too_long: 400,
  unsupported_format: 400,
  unauthorized: 401,
  invalid_token: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  audio_poor_quality: 422,
  rate_limited: 429,
  server_error: 500,
  upstream_error: 502,
  upstream_timeout: 504,
};

export const issue = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof issue>;

export const errorEnvelope = z.object({
  ok: z.literal(false),
  requestId: z.string(),
  error: z.object({
    code: errorCode,
    message: z.string(),
    docs: z.string().optional(),
    issues: z.array(issue).optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelope>;

export function successEnvelope<T extends z.ZodType>(data: T) {
  return z.object({ ok: z.literal(true), requestId: z.string(), data });
}

/** zod issues → the contract's `issues[{path,message}]`. */
export function toIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}
