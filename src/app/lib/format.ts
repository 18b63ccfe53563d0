// Display helpers: dates, numbers, labels. Never invent precision.

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** "15 May 2026". A date-only FHIR value is a calendar date: shown without a timezone shift. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    ...(DATE_ONLY.test(value) ? { timeZone: 'UTC' } : {}),
  }).format(d);
}

export function formatNumber(value: number, maxDigits = 1): string {
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: maxDigits }).format(value);
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** snake_case / camelCase status → "Clinical attention". */
export function humanize(value: string): string {
  const spaced = value
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Engine input names (camelCase contract fields) in clinician words. */
const INPUT_LABELS: Record<string, string> = {
  assessments: 'Symptom scales',
  avgSleepHours: 'Average sleep',
  dmseLatencyPctChange: 'Digital MSE latency change',
  daysSinceMedChange: 'Days since medication change',
  daysSinceLastVisit: 'Days since last visit',
  hasActiveMedication: 'Active medication',
  activeMedications: 'Active medications',
  biomarkerWatchCount: 'Biomarker watch items',
  prescriptions: 'Prescriptions',
  labs: 'Labs',
};

export function inputLabel(name: string): string {
  const [head, ...rest] = name.split(':');
  const label = INPUT_LABELS[head!] ?? humanize(head!);
  return rest.length > 0 ? `${label} (${rest.join(':')})` : label;
}
