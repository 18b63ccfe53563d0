// MedicationRequest + MedicationStatement → Prescription, rolled up to the RxNorm ingredient.
import type { Prescription } from '../../contract/index.ts';
import { RXNORM, ingredientFor } from '../terminology.ts';
import type { CodeableConcept, FhirMedicationRequest, FhirMedicationStatement } from './schemas.ts';
import { MapContext, codesOf, dateOrExclude, textOf } from './values.ts';

function identify(cc: CodeableConcept | undefined, refDisplay: string | undefined) {
  const codes = codesOf(cc, RXNORM).concat(codesOf(cc));
  const texts = [cc?.text, ...(cc?.coding ?? []).map((c) => c.display), refDisplay].filter((t): t is string => !!t);
  const ingredient = ingredientFor(codes, texts);
  const name = ingredient?.name ?? textOf(cc) ?? refDisplay;
  const rxnorm = ingredient?.rxnorm || codesOf(cc, RXNORM)[0];
  return { name, rxnorm };
}

function statusUsable(ctx: MapContext, ref: string, status: string, what: string): boolean {
  if (status === 'entered-in-error') ctx.exclude(ref, 'entered-in-error', `${what} marked entered-in-error`);
  else if (status === 'cancelled') ctx.exclude(ref, 'cancelled', `${what} cancelled`);
  else if (status === 'draft' || status === 'not-taken') ctx.exclude(ref, 'other', `${what} has status "${status}"`);
  else return true;
  return false;
}

function optionalDate(ctx: MapContext, ref: string, what: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = dateOrExclude(ctx, ref, what, value);
  return d?.iso;
}

export function readMedicationRequest(ctx: MapContext, r: FhirMedicationRequest): Prescription | undefined {
  const ref = `MedicationRequest/${r.id}`;
  const { name, rxnorm } = identify(r.medicationCodeableConcept, r.medicationReference?.display);
  const what = `medication order ${name ?? ''}`.trim();
  if (!statusUsable(ctx, ref, r.status, what)) return undefined;
  if (!name) {
    ctx.exclude(ref, 'no-value', 'medication order names no medication (no code, text or display)');
    return undefined;
  }
  const startRaw = r.authoredOn ?? r.dispenseRequest?.validityPeriod?.start;
  const prescribedAt = optionalDate(ctx, ref, what, startRaw);
  if (startRaw !== undefined && prescribedAt === undefined) return undefined; // excluded as malformed
  const stopped = ['stopped', 'completed'].includes(r.status);
  const stoppedAt = stopped ? optionalDate(ctx, ref, what, r.dispenseRequest?.validityPeriod?.end) : undefined;
  return build(ref, name, r.status, r.dosageInstruction?.[0]?.text, prescribedAt, stoppedAt, rxnorm);
}

export function readMedicationStatement(ctx: MapContext, s: FhirMedicationStatement): Prescription | undefined {
  const ref = `MedicationStatement/${s.id}`;
  const { name, rxnorm } = identify(s.medicationCodeableConcept, s.medicationReference?.display);
  const what = `medication statement ${name ?? ''}`.trim();
  if (!statusUsable(ctx, ref, s.status, what)) return undefined;
  if (!name) {
    ctx.exclude(ref, 'no-value', 'medication statement names no medication');
    return undefined;
  }
  const startRaw = s.effectivePeriod?.start ?? s.effectiveDateTime ?? s.dateAsserted;
  const prescribedAt = optionalDate(ctx, ref, what, startRaw);
  if (startRaw !== undefined && prescribedAt === undefined) return undefined;
  const endRaw = s.effectivePeriod?.end;
  const stoppedAt = optionalDate(ctx, ref, what, endRaw);
  if (endRaw !== undefined && stoppedAt === undefined) return undefined;
  return build(ref, name, s.status, s.dosage?.[0]?.text, prescribedAt, stoppedAt, rxnorm);
}

function build(
  id: string,
  name: string,
  status: string,
  dosage: string | undefined,
  prescribedAt: string | undefined,
  stoppedAt: string | undefined,
  rxnorm: string | undefined,
): Prescription {
  return {
    id: id.slice(0, 256),
    medicationName: name.slice(0, 160),
    ...(dosage ? { dosage: dosage.slice(0, 120) } : {}),
    status: (status || 'unknown').slice(0, 40),
    ...(prescribedAt ? { prescribedAt } : {}),
    ...(stoppedAt ? { stoppedAt } : {}),
    ...(rxnorm ? { rxnorm: rxnorm.slice(0, 20) } : {}),
  };
}

const day = (iso: string | undefined) => iso?.slice(0, 10) ?? '';

/**
 * A MedicationStatement that restates a MedicationRequest (same ingredient, same start day, same
 * stop day) is the same medication charted twice: merged into the order, and counted as a duplicate.
 */
export function mergeDuplicatePrescriptions(ctx: MapContext, list: Prescription[]): Prescription[] {
  const key = (p: Prescription) => `${p.rxnorm ?? p.medicationName.toLowerCase()}|${day(p.prescribedAt)}|${day(p.stoppedAt)}`;
  const orders = new Map<string, Prescription>();
  for (const p of list) if (p.id.startsWith('MedicationRequest/') && !orders.has(key(p))) orders.set(key(p), p);
  return list.filter((p) => {
    if (!p.id.startsWith('MedicationStatement/')) return true;
    const order = orders.get(key(p));
    if (!order) return true;
    ctx.exclude(p.id, 'duplicate', `same ${order.medicationName} as ${order.id} (same start); merged`);
    return false;
  });
}

/** Oldest start first (undated last). */
export function sortPrescriptions(list: Prescription[]): Prescription[] {
  return [...list].sort((a, b) => (a.prescribedAt ?? '9999').localeCompare(b.prescribedAt ?? '9999') || a.id.localeCompare(b.id));
}
