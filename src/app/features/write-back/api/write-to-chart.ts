// Write-back's network side for the app: the plan executor of src/fhir/write (transaction, conditional
// creates, or search-then-create), and `writeBundle` for a plain transaction Bundle of Tidemark
// Observations (conditional creates) as built by buildWriteBundle.
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { executePlan, type ExecuteOptions, type FhirRequest, type WriteOutcome } from '../../../../fhir/write/execute.ts';
import type { PlannedWrite } from '../../../../fhir/write/plan.ts';
import { UNKNOWN_CAPABILITIES } from '../../../../fhir/ehr/capabilities.ts';
import { chooseWriteStrategy } from '../../../../fhir/write/strategy.ts';

export {
  errorFromResponse,
  executePlan,
  findExisting,
  operationOutcomeText,
  WriteError,
  type WriteErrorKind,
  type WriteMode,
  type WriteOutcome,
  type WrittenEntry,
} from '../../../../fhir/write/execute.ts';

/** A transaction Bundle of conditional creates, written as one transaction (or one by one where refused). */
export function writeBundle(request: FhirRequest, bundle: Bundle<Observation>, opts: ExecuteOptions): Promise<WriteOutcome> {
  const writes: PlannedWrite[] = (bundle.entry ?? []).map((e) => {
    const o = e.resource!;
    return {
      role: 'result',
      identity: o.identifier?.[0]?.value ?? '',
      resourceType: 'Observation',
      resource: o,
      where: 'Observation',
      what: o.code.text ?? 'Observation',
      value: '',
      interpretation: '',
      detail: '',
      search: '',
      ...(e.request?.ifNoneExist ? { ifNoneExist: e.request.ifNoneExist } : {}),
    };
  });
  return executePlan(request, { strategy: chooseWriteStrategy(UNKNOWN_CAPABILITIES), writes }, opts);
}
