// One-line, human reading of a FHIR resource for the source panel.
interface Coding { code?: string; display?: string; system?: string }
interface Concept { text?: string; coding?: Coding[] }
type R = Record<string, unknown> & { resourceType?: string; status?: string };

function concept(c: unknown): string | undefined {
  const cc = c as Concept | undefined;
  return cc?.text ?? cc?.coding?.find((x) => x.display)?.display ?? cc?.coding?.[0]?.code;
}

function value(r: R): string | undefined {
  const q = r.valueQuantity as { value?: number; unit?: string } | undefined;
  if (q?.value !== undefined) return `${q.value}${q.unit ? ` ${q.unit}` : ''}`;
  if (typeof r.valueInteger === 'number') return String(r.valueInteger);
  if (typeof r.valueString === 'string') return r.valueString;
  if (r.valueCodeableConcept) return concept(r.valueCodeableConcept);
  return undefined;
}

export function describeResource(resource: unknown): string {
  if (typeof resource !== 'object' || resource === null) return 'Not a FHIR resource';
  const r = resource as R;
  const parts: string[] = [`${r.resourceType ?? 'Resource'}/${String(r.id ?? '?')}`];
  const code = concept(r.code) ?? concept(r.medicationCodeableConcept);
  if (code) parts.push(code);
  const v = value(r);
  if (v) parts.push(`= ${v}`);
  const when =
    (r.effectiveDateTime as string | undefined) ??
    (r.authoredOn as string | undefined) ??
    (r.authored as string | undefined) ??
    (r.issued as string | undefined) ??
    ((r.period as { start?: string } | undefined)?.start);
  if (when) parts.push(`on ${when}`);
  if (r.status) parts.push(`(status ${r.status})`);
  return parts.join(' ');
}
