import { queryOptions, useQuery } from '@tanstack/react-query';
import { patientUrl } from './early-reads.ts';
import { useDataLayer, type DataLayer } from './data-layer.tsx';

export interface PatientSummary {
  id: string;
  /** The id the server returned in the resource itself (null when it gave none). */
  resourceId: string | null;
  name: string;
  birthDate: string | null;
  gender: string | null;
  mrn: string | null;
}

interface HumanName {
  use?: string;
  text?: string;
  family?: string;
  given?: string[];
  prefix?: string[];
}

export function summarizePatient(resource: unknown, fallbackId: string): PatientSummary {
  const p = (typeof resource === 'object' && resource !== null ? resource : {}) as {
    id?: string;
    name?: HumanName[];
    birthDate?: string;
    gender?: string;
    identifier?: { type?: { coding?: { code?: string }[] }; value?: string }[];
  };
  const names = p.name ?? [];
  const n = names.find((x) => x.use === 'official') ?? names.find((x) => x.use !== 'old') ?? names[0];
  const name = n ? (n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ')) : '';
  const mrn = p.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? null;
  return {
    id: p.id ?? fallbackId,
    resourceId: typeof p.id === 'string' ? p.id : null,
    name: name || 'Name not recorded',
    birthDate: p.birthDate ?? null,
    gender: p.gender ?? null,
    mrn,
  };
}

export function patientQueryOptions(layer: DataLayer) {
  return queryOptions({
    queryKey: ['patient', layer.serverUrl, layer.patientId],
    queryFn: async () =>
      summarizePatient(layer.patient ?? (await layer.fhir(patientUrl(layer.patientId))), layer.patientId),
    staleTime: Infinity,
  });
}

export function usePatient() {
  return useQuery(patientQueryOptions(useDataLayer()));
}
