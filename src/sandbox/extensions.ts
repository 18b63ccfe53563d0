/**
 * How other parts add to the sandbox without editing its core (see /work/wt/notes/sandbox-api.md):
 * a `SandboxExtension` may register extra grant types at `POST /auth/token`, extra routes (mounted
 * after the sandbox's middleware — CORS, body limits, latency, security headers — and before the FHIR
 * catch-all, so `/fhir/Group/:id/$export` reaches them), additions to the discovery documents, a
 * seeding step, and which patients a user may see. `BUILT_IN_EXTENSIONS` is what `npm start` loads.
 */
import type { CapabilityStatement, Resource } from '@medplum/fhirtypes';
import type { Context, Hono } from 'hono';
import type { AccessPolicy, Reach } from './access.ts';
import type { SmartConfiguration } from './capability.ts';
import type { FhirEngine } from './fhir-engine.ts';
import type { SandboxRepository } from './fhir-store.ts';
import { cdsClientExtension } from './cds-client/extension.ts';
import { populationExtension } from './population/extension.ts';
import { voiceDoubleExtension } from './voice-double/extension.ts';
import type { ResolvedOptions } from './options.ts';
import type { VendorProfile } from './profiles/index.ts';
import type { Permission } from './scopes.ts';
import type { AccessGrant, TokenStore } from './tokens.ts';

/** What an extension can use. */
export interface SandboxApi {
  readonly options: ResolvedOptions;
  readonly repo: SandboxRepository;
  readonly tokens: TokenStore;
  readonly engine: FhirEngine;
  readonly profile: VendorProfile;
  /** e.g. http://127.0.0.1:8081 */
  origin(): string;
  /** e.g. http://127.0.0.1:8081/fhir */
  fhirBase(): string;
  /** The token endpoint URL (the `aud` of a private_key_jwt client assertion). */
  tokenEndpoint(): string;
  log(line: string): void;
  /** The bearer token's grant, or throws a FhirError 401 (answer it with `fhirError`). */
  authenticate(c: Context): AccessGrant;
  /** What a grant may reach for one type and permission; throws FhirError 403 when nothing. */
  reach(grant: AccessGrant, resourceType: string, permission: Permission): Reach;
  /** Issues an access token (and nothing else) and answers the token request in the standard shape. */
  tokenResponse(c: Context, grant: Omit<AccessGrant, 'expiresAt'>, extra?: Record<string, unknown>): Response;
  /** An OAuth error answer (`{ error, error_description }`, no-store). */
  oauthError(c: Context, status: 400 | 401 | 403 | 429, error: string, description: string): Response;
  /** A FHIR error answer: status + OperationOutcome (a FhirError, or any error → 500 without details). */
  fhirError(c: Context, err: unknown): Response;
  /** A FHIR JSON answer (application/fhir+json). */
  fhirJson(c: Context, status: number, body: Resource | Record<string, unknown>, headers?: Record<string, string>): Response;
  /** Resolves once every write made so far is on disk. */
  persist(): Promise<void>;
}

/** A token endpoint grant: gets the parsed form body; answers with api.tokenResponse or api.oauthError. */
export type GrantHandler = (c: Context, form: Record<string, string>, api: SandboxApi) => Response | Promise<Response>;

export interface SandboxExtension {
  name: string;
  /** Extra `grant_type`s at POST /auth/token (e.g. client_credentials). */
  grants?: Record<string, GrantHandler>;
  /** Extra routes; FHIR ones under /fhir/... are matched before the sandbox's own FHIR routes. */
  routes?(app: Hono, api: SandboxApi): void;
  /** Runs once at start, after seeding, SANDBOX_DATA and persisted writes, before listening. */
  seed?(api: SandboxApi): Promise<void> | void;
  /** Additions to /.well-known/smart-configuration (grant types, auth methods, scopes, capabilities). */
  smartConfiguration?(conf: SmartConfiguration, api: SandboxApi): void;
  /** Additions to /metadata (operations such as $export). */
  capabilityStatement?(cs: CapabilityStatement, api: SandboxApi): void;
  /** Restricts which patients a user (provider launch, user/ scopes) may see; every patient by default. */
  userMaySee?: AccessPolicy['userMaySee'];
}

/** A built-in extension is created from the resolved options (return undefined to stay off). */
export type ExtensionFactory = (options: ResolvedOptions) => SandboxExtension | undefined;

/** Loaded by every sandbox start (npm start, tests): append a factory to add a part. */
export const BUILT_IN_EXTENSIONS: ExtensionFactory[] = [populationExtension, cdsClientExtension, voiceDoubleExtension];
