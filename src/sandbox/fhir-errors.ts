/** FHIR errors: a status with an OperationOutcome, thrown by the interactions and answered by fhir-http. */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Refusal } from './profiles/index.ts';

export class FhirError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'processing',
    readonly vendorCode?: Refusal['vendorCode'],
  ) {
    super(message);
  }

  static of(refusal: Refusal): FhirError {
    return new FhirError(refusal.status, refusal.message, refusal.code, refusal.vendorCode);
  }

  outcome(): OperationOutcome {
    return outcome(this.message, this.code, 'error', this.vendorCode);
  }
}

export function outcome(message: string, code = 'processing', severity: 'error' | 'warning' | 'information' = 'error', vendorCode?: Refusal['vendorCode']): OperationOutcome {
  const details = vendorCode ? { coding: [vendorCode], text: message } : { text: message };
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics: message, details }] } as OperationOutcome;
}

export const forbidden = (message: string) => new FhirError(403, message, 'forbidden');
export const badRequest = (message: string, code = 'invalid') => new FhirError(400, message, code);
export const notFound = (message: string) => new FhirError(404, message, 'not-found');

/** `200 OK`-style status line for Bundle entry responses. */
export function statusLine(status: number): string {
  const text: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 412: 'Precondition Failed', 422: 'Unprocessable Entity' };
  return `${status} ${text[status] ?? ''}`.trim();
}
