import { formatDate, humanize } from '../../lib/format.ts';
import { useDataLayer } from './data-layer.tsx';
import { usePatient } from './get-patient.ts';

function age(birthDate: string, now: Date): number | null {
  const b = new Date(birthDate);
  if (Number.isNaN(b.getTime())) return null;
  let a = now.getUTCFullYear() - b.getUTCFullYear();
  const m = now.getUTCMonth() - b.getUTCMonth();
  if (m < 0 || (m === 0 && now.getUTCDate() < b.getUTCDate())) a--;
  return a;
}

/** Shown only when the EHR asks for it (tokenResponse.need_patient_banner). */
export function PatientBanner() {
  const layer = useDataLayer();
  const q = usePatient();
  if (!layer.needPatientBanner) return null;
  const p = q.data;
  return (
    <section className="patient-banner" aria-label="Patient">
      {q.isPending ? (
        <span>Loading patient…</span>
      ) : q.isError || !p ? (
        <span>Patient {layer.patientId} (details could not be read)</span>
      ) : (
        <>
          <strong className="patient-banner__name">{p.name}</strong>
          <span>
            Born {formatDate(p.birthDate)}
            {p.birthDate && age(p.birthDate, (layer.now ?? (() => new Date()))()) !== null && ` (${age(p.birthDate, (layer.now ?? (() => new Date()))())} y)`}
          </span>
          <span>{p.gender ? humanize(p.gender) : 'Gender not recorded'}</span>
          {p.mrn && <span>MRN {p.mrn}</span>}
        </>
      )}
    </section>
  );
}
