// Medication courses: one course per ingredient. Back-to-back orders and refills of the same drug are
// one course; only a start, a dose change, a stop or a restart is a change (a refill is not).
import { doseAmount, doseOf, psychotropicOf, type Psychotropic } from './medications.ts';

export interface OrderLike {
  id: string;
  medicationName: string;
  rxnorm?: string;
  dosage?: string;
  status: string;
  /** ISO date(-time) the order or statement started. */
  prescribedAt?: string;
  stoppedAt?: string;
}

export type ChangeKind = 'start' | 'restart' | 'increase' | 'decrease' | 'dose change' | 'stop';

export interface CourseChange {
  kind: ChangeKind;
  /** Epoch ms of the change. */
  at: number;
  /** Dose after the change ("10 mg"), empty when none is charted. */
  dose: string;
  fromDose?: string;
  /** The order that carries the change. */
  order: OrderLike;
  /** true when the date is an estimate (a stop without a charted stop date: its last order's date). */
  estimated?: boolean;
}

export interface Course {
  /** "rx:<ingredient code>" or "name:<normalised name>". */
  key: string;
  ingredient: Psychotropic | undefined;
  name: string;
  /** Orders of this course, oldest first. */
  orders: OrderLike[];
  start: number;
  /** Stop time (epoch ms) when stopped, else null. */
  end: number | null;
  active: boolean;
  /** The order that holds the current state (the latest one). */
  current: OrderLike;
  dose: string;
  /** Every change, oldest first (the first is the start or restart). */
  changes: CourseChange[];
}

/** Statuses of an order that is still being taken (FHIR MedicationRequest/Statement). */
export const ACTIVE_ORDER_STATUSES: ReadonlySet<string> = new Set(['active', 'on-hold', 'intended']);
/**
 * Two orders of one drug more than this far apart (start to start) with nothing active in between are
 * two courses: a 90-day supply with repeats covers at most about six months.
 */
export const MAX_ORDER_GAP_DAYS = 180;
/** A new order starting within this many days of the previous order's charted stop continues the course. */
export const STOP_GRACE_DAYS = 30;

const DAY = 86_400_000;

function epochOf(s: string | undefined): number | null {
  if (!s) return null;
  const t = Date.parse(/T.*(Z|[+-]\d{2}:?\d{2})$/i.test(s) || !s.includes('T') ? s : `${s}Z`);
  return Number.isFinite(t) ? t : null;
}

export function ingredientKey(o: Pick<OrderLike, 'medicationName' | 'rxnorm'>): { key: string; ingredient: Psychotropic | undefined } {
  const ingredient = psychotropicOf(o.rxnorm ? [o.rxnorm] : [], [o.medicationName]);
  if (ingredient) return { key: `rx:${ingredient.rxnorm ?? ingredient.key}`, ingredient };
  if (o.rxnorm) return { key: `rx:${o.rxnorm}`, ingredient: undefined };
  return { key: `name:${o.medicationName.toLowerCase().replace(/[^a-z0-9]/g, '')}`, ingredient: undefined };
}

interface Dose {
  text: string;
  amount: { value: number; unit: string } | null;
}

/** Dose of a dosage text, parsed once per distinct text within a call (refills repeat it). */
function doseParser(): (dosage: string | undefined) => Dose {
  const cache = new Map<string, Dose>();
  const none: Dose = { text: '', amount: null };
  return (dosage) => {
    if (!dosage) return none;
    let d = cache.get(dosage);
    if (!d) {
      d = { text: doseOf(dosage), amount: doseAmount(dosage) };
      cache.set(dosage, d);
    }
    return d;
  };
}

function doseChange(a: Dose, b: Dose): ChangeKind | null {
  if (a.amount && b.amount && a.amount.unit === b.amount.unit)
    return b.amount.value > a.amount.value ? 'increase' : b.amount.value < a.amount.value ? 'decrease' : null;
  const fa = a.text.toLowerCase();
  const fb = b.text.toLowerCase();
  return fa && fb && fa !== fb ? 'dose change' : null;
}

/**
 * Courses of every drug in the orders (undated orders cannot be placed and are left out). `nowMs`
 * decides whether a charted stop date is in the past.
 */
export function medicationCourses(orders: readonly OrderLike[], nowMs: number): Course[] {
  const groups = new Map<string, { ingredient: Psychotropic | undefined; list: { o: OrderLike; t: number }[] }>();
  // Orders repeat their drug (refills): identify each distinct name/code once.
  const known = new Map<string, Map<string, { key: string; ingredient: Psychotropic | undefined }>>();
  for (const o of orders) {
    const t = epochOf(o.prescribedAt);
    if (t === null) continue;
    let byCode = known.get(o.medicationName);
    if (!byCode) {
      byCode = new Map();
      known.set(o.medicationName, byCode);
    }
    let id = byCode.get(o.rxnorm ?? '');
    if (!id) {
      id = ingredientKey(o);
      byCode.set(o.rxnorm ?? '', id);
    }
    const { key, ingredient } = id;
    let g = groups.get(key);
    if (!g) {
      g = { ingredient, list: [] };
      groups.set(key, g);
    }
    g.list.push({ o, t });
  }
  const out: Course[] = [];
  const dose = doseParser();
  for (const [key, g] of groups) {
    g.list.sort((a, b) => a.t - b.t || a.o.id.localeCompare(b.o.id));
    let course: Course | null = null;
    let courseDose: Dose = dose(undefined);
    for (const { o, t } of g.list) {
      const d = dose(o.dosage);
      if (course && continues(course, t)) {
        const kind = doseChange(courseDose, d);
        if (kind) course.changes.push({ kind, at: t, dose: d.text, fromDose: course.dose, order: o });
        course.orders.push(o);
        course.current = o;
        if (o.dosage) {
          course.dose = d.text;
          courseDose = d;
        }
        continue;
      }
      courseDose = d;
      if (course) out.push(close(course, nowMs));
      course = {
        key,
        ingredient: g.ingredient,
        name: g.ingredient?.name ?? o.medicationName,
        orders: [o],
        start: t,
        end: null,
        active: false,
        current: o,
        dose: d.text,
        changes: [{ kind: out.some((c) => c.key === key) ? 'restart' : 'start', at: t, dose: d.text, order: o }],
      };
    }
    if (course) out.push(close(course, nowMs));
  }
  return out.sort((a, b) => a.start - b.start);
}

function continues(c: Course, t: number): boolean {
  const last = c.current;
  const lastStart = epochOf(last.prescribedAt)!;
  const stop = epochOf(last.stoppedAt);
  // A charted stop decides: the next order continues the course when it starts within the grace period.
  if (stop !== null) return t - stop <= STOP_GRACE_DAYS * DAY;
  if (ACTIVE_ORDER_STATUSES.has(last.status.toLowerCase())) return true;
  return t - lastStart <= MAX_ORDER_GAP_DAYS * DAY;
}

function close(c: Course, nowMs: number): Course {
  const last = c.current;
  const stop = epochOf(last.stoppedAt);
  const activeStatus = ACTIVE_ORDER_STATUSES.has(last.status.toLowerCase());
  if (activeStatus && (stop === null || stop > nowMs)) {
    c.active = true;
    return c;
  }
  // Stopped: at its charted stop date, else (date not charted) at its last order's date.
  const at = stop !== null && stop <= nowMs ? stop : epochOf(last.prescribedAt)!;
  c.end = at;
  c.changes.push({ kind: 'stop', at, dose: c.dose, order: last, ...(stop === null || stop > nowMs ? { estimated: true } : {}) });
  return c;
}

/** The last change of a course that set what is taken now (start, restart or a dose change). */
export function lastDoseChange(c: Course): CourseChange {
  for (let i = c.changes.length - 1; i >= 0; i--) if (c.changes[i]!.kind !== 'stop') return c.changes[i]!;
  return c.changes[0]!;
}

/**
 * The most recent change across courses (psychotropic ones only when `psychotropicOnly`). A start
 * within 30 days after another course stopped is a switch.
 */
export function latestChange(courses: readonly Course[], nowMs: number, psychotropicOnly = true): { change: CourseChange; course: Course; kind: ChangeKind | 'switch' } | null {
  let best: { change: CourseChange; course: Course } | null = null;
  for (const c of courses) {
    if (psychotropicOnly && !c.ingredient) continue;
    for (const ch of c.changes) if (ch.at <= nowMs && (!best || ch.at > best.change.at)) best = { change: ch, course: c };
  }
  if (!best) return null;
  const { change } = best;
  if (change.kind === 'start' || change.kind === 'restart') {
    const stoppedJustBefore = courses.some(
      (c) => c !== best!.course && (!psychotropicOnly || c.ingredient) && c.end !== null && c.end <= change.at && change.at - c.end <= STOP_GRACE_DAYS * DAY,
    );
    if (stoppedJustBefore) return { ...best, kind: 'switch' };
  }
  return { ...best, kind: change.kind };
}
