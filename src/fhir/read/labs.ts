// Laboratory Observations → LabPanels grouped by draw day (UTC), one Biomarker per reading.
import type { Biomarker, LabPanel } from '../../contract/index.ts';
import { isConvertibleUnit, recognizeAnalyte, type Analyte } from '../../clinical/index.ts';
import { V3_INTERPRETATION, analyteForLoinc } from '../terminology.ts';
import type { FhirObservation } from './schemas.ts';
import { MapContext, dateOrExclude, loincCodes, observationDate, observationUsable, readNumber, textOf } from './values.ts';

type Flag = NonNullable<Biomarker['flag']>;

export function isLaboratory(o: FhirObservation): boolean {
  return (o.category ?? []).some((c) => (c.coding ?? []).some((k) => k.code === 'laboratory'));
}

/** One of our analytes by LOINC (a percentage neutrophil differential is never read as the ANC). */
export function analyteOf(o: FhirObservation): Analyte | undefined {
  for (const code of loincCodes(o.code)) {
    if (analyteForLoinc(code)) return recognizeAnalyte(code, '', o.valueQuantity?.code ?? o.valueQuantity?.unit);
  }
  return undefined;
}

interface Reading {
  day: string;
  ms: number;
  iso: string;
  biomarker: Biomarker;
}

export class LabReader {
  private readings: Reading[] = [];
  constructor(private readonly ctx: MapContext) {}

  add(o: FhirObservation): void {
    const ref = `Observation/${o.id}`;
    const analyte = analyteOf(o);
    const name = (analyte?.name ?? textOf(o.code) ?? loincCodes(o.code)[0] ?? 'Lab result').slice(0, 120);
    const what = `lab ${name}`;
    if (!observationUsable(this.ctx, ref, o.status, what)) return;
    const date = dateOrExclude(this.ctx, ref, what, observationDate(o));
    if (!date) return;

    const n = readNumber(o);
    let value: Biomarker['value'];
    let unit: string | undefined;
    let numeric: number | undefined;
    if (n.ok) {
      // The unit as people read it (Quantity.unit) when we can convert it, else the UCUM code.
      unit = analyte && n.unitText && isConvertibleUnit(analyte, n.unitText) ? n.unitText : n.unit;
      if (n.comparator) value = `${n.comparator}${n.value}`;
      else {
        value = n.value;
        numeric = n.value;
      }
    } else if (n.reason === 'non-numeric' && !analyte) {
      // Outside our analyte sets a coded or text result is kept as text; ours must be numbers.
      value = (o.valueString ?? textOf(o.valueCodeableConcept) ?? String(o.valueBoolean)).slice(0, 120);
    } else {
      this.ctx.exclude(ref, n.reason, `${what}: ${n.detail}`);
      return;
    }
    if (analyte) {
      if (!unit) {
        this.ctx.exclude(ref, 'unknown-unit', `${what}: value ${String(value)} has no unit`);
        return;
      }
      if (!isConvertibleUnit(analyte, unit)) {
        this.ctx.exclude(ref, 'unknown-unit', `${what}: unit "${unit}" is not one we can read for ${analyte.name}`);
        return;
      }
    }

    const range = (o.referenceRange ?? [])[0];
    const rangeText = range ? (range.text ?? rangeString(range.low?.value, range.high?.value)) : undefined;
    const flag = flagFromInterpretation(o) ?? flagFromRange(numeric, range?.low?.value, range?.high?.value);
    const abnormalNoDirection = flag === undefined && interpretationCodes(o).some((c) => c === 'A');
    const biomarker: Biomarker = {
      name,
      value,
      ...(unit ? { unit: unit.slice(0, 40) } : {}),
      ...(flag ? { flag } : abnormalNoDirection ? { flag: 'high' as const, note: 'Charted as abnormal (direction not given).' } : {}),
      ...(rangeText ? { referenceRange: rangeText.slice(0, 80) } : {}),
      ...(analyte ? { loinc: analyteLoinc(o, analyte) } : loincCodes(o.code)[0] ? { loinc: loincCodes(o.code)[0]!.slice(0, 20) } : {}),
      sourceRef: ref,
    };
    this.readings.push({ day: date.iso.slice(0, 10), ms: date.ms, iso: date.iso, biomarker });
  }

  /** Panels oldest first, one per UTC day; the same analyte at the same time with the same value is merged. */
  finish(): LabPanel[] {
    const byDay = new Map<string, Reading[]>();
    for (const r of [...this.readings].sort((a, b) => a.ms - b.ms)) {
      const list = byDay.get(r.day) ?? [];
      const dup = list.find((x) => x.ms === r.ms && x.biomarker.name === r.biomarker.name && x.biomarker.value === r.biomarker.value);
      if (dup) {
        this.ctx.exclude(r.biomarker.sourceRef!, 'duplicate', `same ${r.biomarker.name} reading as ${dup.biomarker.sourceRef}; merged`);
        continue;
      }
      list.push(r);
      byDay.set(r.day, list);
    }
    return [...byDay.entries()].map(([day, list]) => ({
      id: `labs-${day}`,
      labName: 'Laboratory results',
      observedAt: list[0]!.iso,
      results: { biomarkers: list.map((r) => r.biomarker) },
    }));
  }
}

function analyteLoinc(o: FhirObservation, a: Analyte): string {
  return loincCodes(o.code).find((c) => a.loinc.includes(c)) ?? a.loinc[0]!;
}

function rangeString(low: number | undefined, high: number | undefined): string | undefined {
  if (low !== undefined && high !== undefined) return `${low}-${high}`;
  if (low !== undefined) return `>=${low}`;
  if (high !== undefined) return `<=${high}`;
  return undefined;
}

function interpretationCodes(o: FhirObservation): string[] {
  return (o.interpretation ?? []).flatMap((cc) =>
    (cc.coding ?? []).filter((c) => c.system === V3_INTERPRETATION || c.system === undefined).flatMap((c) => (c.code ? [c.code] : [])),
  );
}

/** HL7 v3 ObservationInterpretation → flag: HH/LL/AA (and HU/LU) critical, H high, L low, N normal. */
export function flagFromInterpretation(o: FhirObservation): Flag | undefined {
  const codes = interpretationCodes(o);
  if (codes.some((c) => ['HH', 'LL', 'AA', 'HU', 'LU', '>', '<'].includes(c))) return 'critical';
  if (codes.includes('H')) return 'high';
  if (codes.includes('L')) return 'low';
  if (codes.includes('N')) return 'normal';
  const text = (o.interpretation ?? []).map((cc) => cc.text ?? '').join(' ').toLowerCase();
  if (/critical|panic/.test(text)) return 'critical';
  if (/\bhigh\b/.test(text)) return 'high';
  if (/\blow\b/.test(text)) return 'low';
  if (/\bnormal\b/.test(text)) return 'normal';
  return undefined;
}

export function flagFromRange(value: number | undefined, low: number | undefined, high: number | undefined): Flag | undefined {
  if (value === undefined || (low === undefined && high === undefined)) return undefined;
  if (low !== undefined && value < low) return 'low';
  if (high !== undefined && value > high) return 'high';
  return 'normal';
}

