// Reads an Observation Tidemark wrote earlier back into a StoredResult (the `previous` of the
// next request, and a point of the relapse-risk trend). Pure; used by read/ for history.
import type { EngineName } from '../../contract/index.ts';
import type { StoredResult } from '../chart.ts';
import type { FhirObservation } from '../read/schemas.ts';
import { readDate } from '../read/values.ts';
import { TIDEMARK_ENGINE, TIDEMARK_RESULT, engineForCode, inputNameFromCode } from '../terminology.ts';

/** True when the Observation is one of ours (identifier urn:tidemark:result or code urn:tidemark:engine). */
export function isTidemarkObservation(o: FhirObservation): boolean {
  return (
    (o.identifier ?? []).some((i) => i.system === TIDEMARK_RESULT) ||
    (o.code.coding ?? []).some((c) => c.system === TIDEMARK_ENGINE)
  );
}

export function engineOfObservation(o: FhirObservation): EngineName | undefined {
  for (const c of o.code.coding ?? []) {
    if (c.system === TIDEMARK_ENGINE && c.code) {
      const e = engineForCode(c.code);
      if (e) return e;
    }
  }
  return undefined;
}

/** null when the Observation is not an engine result we can use (e.g. a signal or the PHQ-9 severity). */
export function readStoredResult(o: FhirObservation): StoredResult | null {
  const engine = engineOfObservation(o);
  if (!engine) return null;
  if (o.status === 'entered-in-error' || o.status === 'cancelled') return null;
  const date = readDate(o.effectiveDateTime ?? o.effectiveInstant ?? o.issued);
  if (!date.ok) return null;
  const score =
    typeof o.valueInteger === 'number'
      ? o.valueInteger
      : typeof o.valueDecimal === 'number'
        ? o.valueDecimal
        : typeof o.valueQuantity?.value === 'number'
          ? o.valueQuantity.value
          : null;
  const status =
    o.interpretation?.[0]?.text ??
    o.valueCodeableConcept?.coding?.find((c) => c.system === TIDEMARK_ENGINE)?.code ??
    o.valueCodeableConcept?.text ??
    o.valueString ??
    'unknown';
  const inputs: StoredResult['inputs'] = {};
  for (const comp of o.component ?? []) {
    const code = comp.code.coding?.find((c) => c.system === TIDEMARK_ENGINE)?.code;
    const name = code ? inputNameFromCode(code) : undefined;
    if (!name) continue;
    if (typeof comp.valueInteger === 'number') inputs[name] = comp.valueInteger;
    else if (typeof comp.valueDecimal === 'number') inputs[name] = comp.valueDecimal;
    else if (typeof comp.valueQuantity?.value === 'number') inputs[name] = comp.valueQuantity.value;
    else if (typeof comp.valueBoolean === 'boolean') inputs[name] = comp.valueBoolean;
    else if (typeof comp.valueString === 'string') inputs[name] = comp.valueString;
    else if (comp.dataAbsentReason) inputs[name] = null;
  }
  const stored: StoredResult = { engine, score, status, computedAt: date.iso, inputs, sourceRef: `Observation/${o.id}` };
  const identifier = resultIdentifierOf(o);
  if (identifier) stored.identifier = identifier;
  return stored;
}

/** The write identity (urn:tidemark:result identifier value) of an Observation, when it has one. */
export function resultIdentifierOf(o: Pick<FhirObservation, 'identifier'>): string | undefined {
  return (o.identifier ?? []).find((i) => i.system === TIDEMARK_RESULT && typeof i.value === 'string' && i.value.length > 0)?.value;
}
