// OpenAPI 3.1 document generated from the zod contract (no hand-written copy of any schema).
import { z } from 'zod';
import { API_PREFIX, ENDPOINTS, ENGINE_NAMES, errorEnvelope, HTTP_STATUS, voiceAnalyzeFields, voiceJob, type ErrorCode } from '../contract/index.ts';

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const ERROR_DESCRIPTIONS: Partial<Record<ErrorCode, string>> = {
  invalid_request: 'Body is not valid JSON, or the payload failed schema validation (issues[] lists each problem).',
  unauthorized: 'Missing or malformed Authorization header, or missing X-FHIR-Server.',
  invalid_token: 'The SMART access token was rejected by its FHIR server.',
  forbidden: 'X-FHIR-Server is not one of the FHIR servers this deployment accepts.',
  not_found: 'No such API route.',
  method_not_allowed: 'Wrong HTTP method for the endpoint (see the Allow header).',
  payload_too_large: 'Body over 1 MB.',
  unsupported_media_type: 'Content-Type is not application/json.',
  rate_limited: 'Too many requests for this token (or client address); see Retry-After.',
  server_error: 'Unexpected error processing the request.',
  upstream_error: 'The remote engine (or the FHIR server checking the token) failed or answered off-contract.',
  upstream_timeout: 'The remote engine did not answer within the configured timeout.',
  audio_too_short: 'The recording is under 15 seconds.',
  audio_too_long: 'The recording is over 20 minutes.',
  unsupported_format: 'The audio is not WAV, FLAC or MP3.',
  audio_poor_quality: 'The voice service judged the recording conditions below what analysis needs.',
  payment_required: 'The voice service account has no credits left.',
};

const VOICE_ERRORS: ErrorCode[] = [
  'invalid_request',
  'audio_too_short',
  'audio_too_long',
  'unsupported_format',
  'unauthorized',
  'invalid_token',
  'payment_required',
  'forbidden',
  'payload_too_large',
  'unsupported_media_type',
  'audio_poor_quality',
  'rate_limited',
  'server_error',
  'upstream_error',
  'upstream_timeout',
];

const ENGINE_ERRORS: ErrorCode[] = [
  'invalid_request',
  'unauthorized',
  'invalid_token',
  'forbidden',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'server_error',
  'upstream_error',
  'upstream_timeout',
];

const rateHeaders = {
  'X-Request-Id': { description: 'Request id (also in the body).', schema: { type: 'string', pattern: '^req_[0-9a-f]{20}$' } },
  'X-RateLimit-Limit': { description: 'Requests allowed per window.', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Requests left in the window.', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Unix time (seconds) when the window resets.', schema: { type: 'integer' } },
};

function errorResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of codes) byStatus.set(HTTP_STATUS[c], [...(byStatus.get(HTTP_STATUS[c]) ?? []), c]);
  const out: Record<string, unknown> = {};
  for (const [status, cs] of byStatus) {
    out[String(status)] = {
      description: cs.map((c) => `\`${c}\`: ${ERROR_DESCRIPTIONS[c] ?? c}`).join(' '),
      headers: status === 429 ? { ...rateHeaders, 'Retry-After': { schema: { type: 'integer' } } } : rateHeaders,
      content: { 'application/json': { schema: ref('ErrorEnvelope') } },
    };
  }
  return out;
}

function addVoicePaths(schemas: Record<string, unknown>, paths: Record<string, unknown>): void {
  schemas.VoiceJob = schemaOf(voiceJob, 'output');
  schemas.VoiceJobEnvelope = {
    type: 'object',
    properties: { ok: { const: true }, requestId: { type: 'string', pattern: '^req_[0-9a-f]{20}$' }, data: ref('VoiceJob') },
    required: ['ok', 'requestId', 'data'],
  };
  const fields = schemaOf(voiceAnalyzeFields, 'input') as { properties?: Record<string, unknown> };
  const ok = (description: string) => ({ description, headers: rateHeaders, content: { 'application/json': { schema: ref('VoiceJobEnvelope') } } });
  paths[`${API_PREFIX}/voice/analyze`] = {
    post: {
      operationId: 'voiceAnalyze',
      summary: 'Analyse a voice sample (15 s–20 min WAV, FLAC or MP3, ≤32 MB): returns the job at once.',
      tags: ['voice'],
      security: [{ smartToken: [], fhirServer: [] }],
      parameters: [{ name: 'X-Patient-Id', in: 'header', required: false, schema: { type: 'string' }, description: 'Patient in context, when the token’s introspection does not name it.' }],
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: { type: 'object', properties: { audio: { type: 'string', format: 'binary' }, ...fields.properties }, required: ['audio'] },
          },
        },
      },
      responses: { '200': ok('The voice job (status pending or running).'), ...errorResponses(VOICE_ERRORS) },
    },
  };
  paths[`${API_PREFIX}/voice/jobs/{job_id}`] = {
    get: {
      operationId: 'voiceJob',
      summary: 'A voice job of the caller’s patient on the caller’s FHIR server (poll every 2–5 s).',
      tags: ['voice'],
      security: [{ smartToken: [], fhirServer: [] }],
      parameters: [{ name: 'job_id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': ok('The voice job.'), ...errorResponses(['unauthorized', 'invalid_token', 'forbidden', 'not_found', 'rate_limited', 'server_error']) },
    },
  };
  paths[`${API_PREFIX}/voice/webhook`] = {
    post: {
      operationId: 'voiceWebhook',
      summary: 'Completion webhook of the voice service (upstream mode): X-Webhook-Signature = HMAC-SHA256 of the body; each job_id processed once.',
      tags: ['voice'],
      security: [],
      requestBody: { required: true, content: { 'application/json': { schema: ref('VoiceJob') } } },
      responses: { '200': { description: 'Received (a replay is acknowledged, not processed again).' }, ...errorResponses(['invalid_request', 'unauthorized', 'not_found', 'rate_limited']) },
    },
  };
}

export function buildOpenApi(version = '0.1.0'): Record<string, unknown> {
  const schemas: Record<string, unknown> = { ErrorEnvelope: schemaOf(errorEnvelope, 'output') };
  const paths: Record<string, unknown> = {};

  for (const engine of ENGINE_NAMES) {
    const ep = ENDPOINTS[engine];
    const reqName = `${pascal(engine)}Request`;
    const resName = `${pascal(engine)}Response`;
    schemas[reqName] = schemaOf(ep.request, 'input');
    schemas[resName] = schemaOf(ep.response, 'output');
    schemas[`${resName}Envelope`] = {
      type: 'object',
      properties: {
        ok: { const: true },
        requestId: { type: 'string', pattern: '^req_[0-9a-f]{20}$' },
        data: ref(resName),
      },
      required: ['ok', 'requestId', 'data'],
    };
    paths[`${API_PREFIX}${ep.path}`] = {
      post: {
        operationId: `${engine}`,
        summary: ep.title,
        tags: ['intelligence'],
        security: [{ smartToken: [], fhirServer: [] }],
        requestBody: { required: true, content: { 'application/json': { schema: ref(reqName) } } },
        responses: {
          '200': {
            description: `${ep.title} result.`,
            headers: rateHeaders,
            content: { 'application/json': { schema: ref(`${resName}Envelope`) } },
          },
          ...errorResponses(ENGINE_ERRORS),
        },
      },
    };
  }

  addVoicePaths(schemas, paths);

  paths[`${API_PREFIX}/ping`] = {
    get: {
      operationId: 'ping',
      summary: 'Liveness check (no authentication).',
      security: [],
      responses: {
        '200': {
          description: 'The server is up.',
          headers: rateHeaders,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  ok: { const: true },
                  requestId: { type: 'string' },
                  data: {
                    type: 'object',
                    properties: { status: { const: 'ok' }, backend: { enum: ['embedded', 'upstream'] } },
                  },
                },
              },
            },
          },
        },
        ...errorResponses(['rate_limited']),
      },
    },
  };
  paths[`${API_PREFIX}/session`] = {
    get: {
      operationId: 'session',
      summary: 'Checks the SMART access token against its FHIR server (the verdict is cached for the engine calls that follow).',
      responses: {
        '200': { description: 'The token is valid for X-FHIR-Server.', content: { 'application/json': {} } },
        '401': { description: 'Missing or rejected token.', content: { 'application/json': {} } },
        '403': { description: 'X-FHIR-Server is not accepted.', content: { 'application/json': {} } },
      },
    },
  };
  paths[`${API_PREFIX}/openapi.json`] = {
    get: {
      operationId: 'openapi',
      summary: 'This document.',
      security: [],
      responses: { '200': { description: 'OpenAPI 3.1 document.', content: { 'application/json': {} } } },
    },
  };

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Tidemark Clinical Intelligence API',
      version,
      description:
        'Same-origin proxy in front of the five clinical-intelligence engines. Every call except ping and this ' +
        'document needs the SMART access token of the launching EHR and the FHIR base URL it was issued for.',
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'intelligence' }, { name: 'voice' }],
    security: [{ smartToken: [], fhirServer: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        smartToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'SMART on FHIR access token, checked against its FHIR server (introspection or an authenticated read).',
        },
        fhirServer: {
          type: 'apiKey',
          in: 'header',
          name: 'X-FHIR-Server',
          description: 'FHIR base URL the token was issued for; must be one of FHIR_SERVERS.',
        },
      },
    },
  };
}
