// API errors → the contract's error envelope.
import { HTTP_STATUS, type ErrorCode, type Issue } from '../contract/index.ts';

export const ERRORS_DOCS = '/api/v1/openapi.json';
const MAX_ISSUES = 100;
const MAX_TEXT = 300;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly opts: { issues?: Issue[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = HTTP_STATUS[code];
  }
}

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

/** Bounded issues: never echo megabytes of keys/paths back to the caller. */
export function clipIssues(issues: Issue[]): Issue[] {
  const out = issues.slice(0, MAX_ISSUES).map((i) => ({ path: clip(i.path), message: clip(i.message) }));
  if (issues.length > MAX_ISSUES) out.push({ path: '', message: `${issues.length - MAX_ISSUES} more issues omitted` });
  return out;
}

export function errorBody(requestId: string, err: ApiError): string {
  return JSON.stringify({
    ok: false,
    requestId,
    error: {
      code: err.code,
      message: err.message,
      ...(err.opts.issues ? { issues: clipIssues(err.opts.issues) } : {}),
    },
  });
}
