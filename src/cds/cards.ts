// Card assembly: what every Tidemark card carries (uuid, source, SMART link, override reasons),
// summaries kept under the spec's 140 characters, cards ordered most urgent first.
import { randomUUID } from 'node:crypto';
import { type Card, type Coding, type Indicator, SUMMARY_MAX } from './schemas.ts';

export const TOPIC_SYSTEM = 'urn:tidemark:cds-topic';
export const OVERRIDE_SYSTEM = 'urn:tidemark:cds-override-reason';

export type Topic = 'phq9-item9' | 'critical-lab' | 'relapse-risk' | 'psychotropic-order';
const TOPIC_DISPLAY: Record<Topic, string> = {
  'phq9-item9': 'Suicide risk screening (PHQ-9 item 9)',
  'critical-lab': 'Critical laboratory value',
  'relapse-risk': 'Depression relapse risk',
  'psychotropic-order': 'Psychotropic prescribing',
};

export const OVERRIDE_REASONS: Array<Coding & { display: string }> = [
  { system: OVERRIDE_SYSTEM, code: 'already-addressed', display: 'Already addressed with the patient' },
  { system: OVERRIDE_SYSTEM, code: 'not-current', display: 'Finding is out of date' },
  { system: OVERRIDE_SYSTEM, code: 'other-clinician', display: 'Managed by another clinician' },
];

/** A rule's output before assembly. */
export interface Draft {
  indicator: Indicator;
  topic: Topic;
  summary: string;
  detail: string;
  /** What the SMART link tells the app to focus on (appContext). */
  focus: string;
  suggestions?: Card['suggestions'];
}

export interface CardContext {
  /** Public base URL of the app + service (the SMART launch URL is `${appBase}/launch/`). */
  appBase: string;
  newUuid?: () => string;
}

const RANK: Record<Indicator, number> = { critical: 0, warning: 1, info: 2 };

export function assemble(drafts: readonly Draft[], ctx: CardContext, max = Number.POSITIVE_INFINITY): Card[] {
  const uuid = ctx.newUuid ?? randomUUID;
  return [...drafts]
    .sort((a, b) => RANK[a.indicator] - RANK[b.indicator])
    .slice(0, max)
    .map((d) => ({
      uuid: uuid(),
      summary: clip(d.summary, SUMMARY_MAX - 1),
      detail: d.detail,
      indicator: d.indicator,
      source: {
        label: 'Tidemark',
        url: `${ctx.appBase}/`,
        topic: { system: TOPIC_SYSTEM, code: d.topic, display: TOPIC_DISPLAY[d.topic] },
      },
      ...(d.suggestions?.length ? { suggestions: d.suggestions, selectionBehavior: 'any' as const } : {}),
      overrideReasons: OVERRIDE_REASONS,
      links: [
        {
          label: 'Open Tidemark for this patient',
          url: `${ctx.appBase}/launch/`,
          type: 'smart' as const,
          appContext: JSON.stringify({ focus: d.focus }),
        },
      ],
    }));
}

/** Cuts at a word boundary with an ellipsis (rules write summaries that fit; this is the guard). */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:—-]+$/, '')}…`;
}

export const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : 'an unknown date');

export function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}
