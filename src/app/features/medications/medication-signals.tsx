import type { MedicationResponse, ModuleSignal, Prescription } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import { DataTable } from '../../components/data-table.tsx';
import { SignalList } from '../../components/signal-list.tsx';
import { SourceRefs } from '../../components/source-refs.tsx';
import { formatDate } from '../../lib/format.ts';

function findPrescription(chart: ChartData, ref: string | null): Prescription | undefined {
  if (!ref) return undefined;
  return chart.prescriptions.find((p) => p.id === ref || ref.endsWith(`/${p.id}`) || p.id.endsWith(`/${ref}`));
}

function describe(p: Prescription): string {
  const dose = [p.dosage, p.frequency].filter(Boolean).join(' ');
  const dates = [p.prescribedAt && `started ${formatDate(p.prescribedAt)}`, p.stoppedAt && `stopped ${formatDate(p.stoppedAt)}`]
    .filter(Boolean)
    .join(', ');
  return [`${p.medicationName}${dose ? ` ${dose}` : ''}`, p.status, dates].filter(Boolean).join(' · ');
}

const RESPONSE_TEXT: Record<NonNullable<ModuleSignal['responseStatus']>, string> = {
  response: 'Response (≥ 50 % drop)',
  partial_response: 'Partial response (25–49 % drop)',
  non_response: 'No response yet (< 25 % drop)',
  worsening: 'Worsening',
  too_early: 'Too early to judge',
};

export function MedicationSignals({ result, chart }: { result: MedicationResponse; chart: ChartData }) {
  const sourceData = (s: ModuleSignal) => {
    const p = findPrescription(chart, s.sourceRef);
    return (
      <>
        {s.responseStatus && <span className="badge badge--unknown signal__response">{RESPONSE_TEXT[s.responseStatus]}</span>}{' '}
        {p && <span className="source-data">From the chart: {describe(p)}. </span>}
        {s.evidenceRefs && s.evidenceRefs.length > 0 && <SourceRefs refs={s.evidenceRefs} className="source-line--inline" label="Compared" />}
      </>
    );
  };
  return (
    <div className="medications">
      <SignalList signals={result.signals} label="Medication signals" sourceData={sourceData} />
      <MedicationList chart={chart} />
    </div>
  );
}

export function MedicationList({ chart }: { chart: ChartData }) {
  if (chart.prescriptions.length === 0) return <p className="empty-state">No antidepressant or mood-stabiliser prescriptions in the chart.</p>;
  return (
    <details className="card__more">
      <summary>Medications in the chart ({chart.prescriptions.length})</summary>
      <DataTable columns={['Medication', 'Dose', 'Status', 'Started', 'Stopped', 'Source']}>
        {chart.prescriptions.map((p) => (
          <tr key={p.id}>
            <td>{p.medicationName}</td>
            <td>{[p.dosage, p.frequency].filter(Boolean).join(' ') || '—'}</td>
            <td>{p.status}</td>
            <td>{formatDate(p.prescribedAt)}</td>
            <td>{formatDate(p.stoppedAt)}</td>
            <td>
              <SourceRefs refs={[p.id]} label="" className="source-line--inline" />
            </td>
          </tr>
        ))}
      </DataTable>
    </details>
  );
}
