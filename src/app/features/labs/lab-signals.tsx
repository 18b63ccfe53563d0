import type { Biomarker, BiomarkerResponse, ModuleSignal } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import { DataTable } from '../../components/data-table.tsx';
import { SignalList } from '../../components/signal-list.tsx';
import { SourceRefs } from '../../components/source-refs.tsx';
import { formatDate } from '../../lib/format.ts';

interface Reading extends Biomarker {
  observedAt?: string;
}

function allReadings(chart: ChartData): Reading[] {
  return chart.labs.flatMap((panel) => panel.results.biomarkers.map((b) => ({ ...b, observedAt: panel.observedAt })));
}

function reading(b: Reading): string {
  const v = b.value === null ? 'no value' : `${b.value}${b.unit ? ` ${b.unit}` : ''}`;
  return [
    `${b.name} ${v}`,
    b.flag && b.flag !== 'normal' ? b.flag : null,
    b.referenceRange ? `ref ${b.referenceRange}` : null,
    b.observedAt ? formatDate(b.observedAt) : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

export function LabSignals({ result, chart }: { result: BiomarkerResponse; chart: ChartData }) {
  const readings = allReadings(chart);
  const sourceData = (s: ModuleSignal) => {
    const r = s.sourceRef ? readings.find((x) => x.sourceRef === s.sourceRef) : undefined;
    return r ? <span className="source-data">From the chart: {reading(r)}. </span> : null;
  };
  return (
    <div className="labs">
      <SignalList signals={result.signals} label="Lab signals" sourceData={sourceData} />
      <details className="card__more">
        <summary>Lab readings in the chart ({readings.length})</summary>
        <DataTable columns={['Test', 'Value', 'Flag', 'Reference', 'Date', 'Source']}>
          {readings.map((b, i) => (
            <tr key={b.sourceRef ?? `${b.name}-${i}`}>
              <td>{b.name}</td>
              <td>
                {b.value === null ? '—' : String(b.value)} {b.unit}
              </td>
              <td>{b.flag ?? '—'}</td>
              <td>{b.referenceRange ?? '—'}</td>
              <td>{formatDate(b.observedAt)}</td>
              <td>
                <SourceRefs refs={[b.sourceRef]} label="" className="source-line--inline" />
              </td>
            </tr>
          ))}
        </DataTable>
      </details>
    </div>
  );
}
