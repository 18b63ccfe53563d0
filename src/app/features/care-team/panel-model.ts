// The care-team panel's data, pure: what the population run wrote to the chart (relapse results with
// their change note, safety findings) joined to the Group's members → one row per patient, then
// filters and sorting. Item-9 positives always lead, whatever the sort.
import { PANEL_PARAMS } from './panel-params.ts';

export interface PatientInfo {
  id: string;
  name: string;
  birthDate: string | null;
  gender: string | null;
}

/** One relapse result Tidemark wrote (Observation code urn:tidemark:engine|relapse_risk). */
export interface StoredRelapse {
  ref: string;
  at: string;
  atMs: number;
  score: number | null;
  level: string | null;
  headline: string | null;
  /** The engine's change explanation kept on the result (second note), when `previous` was sent. */
  change: string | null;
  /** input.daysSinceLastVisit as of `at`. */
  daysSinceVisit: number | null;
}

/** One safety finding Tidemark wrote (item 9 positive, critical lab). */
export interface StoredFinding {
  kind: 'item9' | 'critical_lab';
  ref: string;
  at: string;
  atMs: number;
  text: string;
}

export interface PanelRow {
  patientId: string;
  name: string;
  birthDate: string | null;
  gender: string | null;
  latest: StoredRelapse | null;
  previous: StoredRelapse | null;
  /** Score change since the previous result (null without two scored results). */
  delta: number | null;
  levelChanged: boolean;
  direction: 'worsened' | 'improved' | 'unchanged' | null;
  /** Oldest → newest relapse scores, at most PANEL_PARAMS.trendPoints. */
  trend: number[];
  /** A positive item 9 recent enough to lead the panel (see PANEL_PARAMS.item9Days). */
  item9: StoredFinding | null;
  /** An older item-9 positive (shown with its age, not pinned). */
  item9Earlier: StoredFinding | null;
  criticalLab: StoredFinding | null;
  /** Days since the last visit today: the result's input plus the days since that result. */
  daysSinceVisit: number | null;
}

export const LEVELS = ['low', 'moderate', 'elevated', 'high'] as const;
const levelRank = (level: string | null) => (level ? (LEVELS as readonly string[]).indexOf(level) : -1);

/** Accumulates pages as they arrive (members, patients, results, findings) without recomputing them. */
export class PanelStore {
  members: Set<string> | null = null;
  readonly patients = new Map<string, PatientInfo>();
  readonly results = new Map<string, StoredRelapse[]>();
  readonly findings = new Map<string, StoredFinding[]>();
  /** Bumped on every change (React reads it to know when to derive rows again). */
  version = 0;

  setMembers(ids: Iterable<string>): void {
    this.members = new Set(ids);
    this.version++;
  }

  addPatients(list: readonly PatientInfo[]): void {
    for (const p of list) this.patients.set(p.id, p);
    this.version++;
  }

  addResults(list: ReadonlyArray<StoredRelapse & { patientId: string }>): void {
    for (const r of list) push(this.results, r.patientId, r);
    this.version++;
  }

  addFindings(list: ReadonlyArray<StoredFinding & { patientId: string }>): void {
    for (const f of list) push(this.findings, f.patientId, f);
    this.version++;
  }

  /** Members of the Group (or, before it is read, every patient seen so far). */
  rows(nowMs: number): PanelRow[] {
    const ids = this.members ?? new Set([...this.patients.keys(), ...this.results.keys()]);
    const out: PanelRow[] = [];
    for (const id of ids) out.push(buildRow(id, this.patients.get(id), this.results.get(id) ?? [], this.findings.get(id) ?? [], nowMs));
    return out;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const DAY_MS = 86_400_000;

export function buildRow(id: string, info: PatientInfo | undefined, results: readonly StoredRelapse[], findings: readonly StoredFinding[], nowMs: number): PanelRow {
  // Newest first; the same result read twice (e.g. a retried page) counts once.
  const sorted = [...new Map(results.map((r) => [r.ref, r])).values()].sort((a, b) => b.atMs - a.atMs);
  const latest = sorted[0] ?? null;
  const previous = sorted[1] ?? null;
  const delta = latest?.score != null && previous?.score != null ? latest.score - previous.score : null;
  const levelChanged = !!latest && !!previous && latest.level !== previous.level;
  const rankDelta = latest && previous ? levelRank(latest.level) - levelRank(previous.level) : 0;
  const direction = !latest || !previous ? null : rankDelta > 0 || (rankDelta === 0 && (delta ?? 0) > 0) ? 'worsened' : rankDelta < 0 || (delta ?? 0) < 0 ? 'improved' : 'unchanged';
  const item9s = findings.filter((f) => f.kind === 'item9').sort((a, b) => b.atMs - a.atMs);
  const recent = item9s[0] && nowMs - item9s[0].atMs <= PANEL_PARAMS.item9Days * DAY_MS ? item9s[0] : null;
  const labs = findings.filter((f) => f.kind === 'critical_lab').sort((a, b) => b.atMs - a.atMs);
  return {
    patientId: id,
    name: info?.name ?? 'Name not available',
    birthDate: info?.birthDate ?? null,
    gender: info?.gender ?? null,
    latest,
    previous,
    delta,
    levelChanged,
    direction,
    trend: sorted
      .slice(0, PANEL_PARAMS.trendPoints)
      .reverse()
      .map((r) => r.score)
      .filter((s): s is number => s !== null),
    item9: recent,
    item9Earlier: recent ? null : (item9s[0] ?? null),
    criticalLab: labs[0] ?? null,
    daysSinceVisit: latest?.daysSinceVisit != null ? latest.daysSinceVisit + Math.max(0, Math.floor((nowMs - latest.atMs) / DAY_MS)) : null,
  };
}

export interface PanelFilters {
  /** Levels shown; empty = every level (and patients without a result). */
  levels: string[];
  /** Only patients whose result moved since the previous run (level or score). */
  changedOnly: boolean;
  /** Only patients not seen for at least this many days (null = no filter). */
  notSeenDays: number | null;
  /** Case-insensitive name or id search. */
  text: string;
}

export type SortKey = 'priority' | 'score' | 'change' | 'name' | 'notSeen';

export const DEFAULT_FILTERS: PanelFilters = { levels: [], changedOnly: false, notSeenDays: null, text: '' };

export function filterRows(rows: readonly PanelRow[], f: PanelFilters): PanelRow[] {
  const text = f.text.trim().toLowerCase();
  return rows.filter(
    (r) =>
      // A positive item 9 is never filtered away.
      r.item9 !== null ||
      ((f.levels.length === 0 || (r.latest?.level != null && f.levels.includes(r.latest.level))) &&
        (!f.changedOnly || r.levelChanged || (r.delta !== null && r.delta !== 0)) &&
        (f.notSeenDays === null || (r.daysSinceVisit !== null && r.daysSinceVisit >= f.notSeenDays)) &&
        (text === '' || r.name.toLowerCase().includes(text) || r.patientId.toLowerCase().includes(text))),
  );
}

const byName = (a: PanelRow, b: PanelRow) => a.name.localeCompare(b.name) || a.patientId.localeCompare(b.patientId);
const desc = (x: number | null, y: number | null) => (y ?? Number.NEGATIVE_INFINITY) - (x ?? Number.NEGATIVE_INFINITY);

const ORDER: Record<SortKey, (a: PanelRow, b: PanelRow) => number> = {
  priority: (a, b) =>
    Number(b.criticalLab !== null) - Number(a.criticalLab !== null) ||
    levelRank(b.latest?.level ?? null) - levelRank(a.latest?.level ?? null) ||
    Number(b.direction === 'worsened') - Number(a.direction === 'worsened') ||
    desc(a.latest?.score ?? null, b.latest?.score ?? null) ||
    byName(a, b),
  score: (a, b) => desc(a.latest?.score ?? null, b.latest?.score ?? null) || byName(a, b),
  change: (a, b) => desc(a.delta, b.delta) || byName(a, b),
  name: byName,
  notSeen: (a, b) => desc(a.daysSinceVisit, b.daysSinceVisit) || byName(a, b),
};

/** Item-9 positives first (newest first), then the chosen order. */
export function sortRows(rows: readonly PanelRow[], key: SortKey): PanelRow[] {
  return [...rows].sort((a, b) => {
    if (a.item9 && b.item9) return b.item9.atMs - a.item9.atMs || ORDER[key](a, b);
    if (a.item9 || b.item9) return a.item9 ? -1 : 1;
    return ORDER[key](a, b);
  });
}
