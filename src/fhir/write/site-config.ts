// Site configuration of write-back, per FHIR server (prefix match, as FHIR_SERVERS): which strategy
// (auto = from the server's capabilities), which of our numeric results map to which flowsheet row
// (none by default: an Epic site builds its own rows), and the note's type and format. Served by the
// app server at /site-config.json (SITE_CONFIG, validated at start); validated again in the browser.
// zod/mini: parsed on the launch page too (a small bundle).
import * as z from 'zod/mini';

export const FLOWSHEET_KEYS = ['phq9-total', 'gad7-total', 'relapse-risk', 'outcome-score'] as const;
export type FlowsheetKey = (typeof FLOWSHEET_KEYS)[number];

const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const coding = z.strictObject({ system: text(1, 256), code: text(1, 64), display: z.optional(text(0, 200)) });

export const siteServerConfig = z.strictObject({
  /** FHIR base prefix: applies to this base and every base under it at a path-segment boundary. */
  fhirBase: z.url({ protocol: /^https?$/ }),
  strategy: z._default(z.enum(['auto', 'open', 'epic', 'cerner', 'none']), 'auto'),
  /** Flowsheet row per numeric result (Epic-like servers); rows not listed are written in the note. */
  flowsheetRows: z._default(z.partialRecord(z.enum(FLOWSHEET_KEYS), coding), {}),
  /** Note type (default LOINC 11506-3 Progress note) and content format of the clinical note. */
  noteType: z.optional(coding),
  noteFormat: z._default(z.enum(['text/plain', 'text/html']), 'text/plain'),
});
export type SiteServerConfig = z.infer<typeof siteServerConfig>;

export const siteConfig = z.strictObject({ servers: z._default(z.array(siteServerConfig).check(z.maxLength(200)), []) });
export type SiteConfig = z.infer<typeof siteConfig>;

export const EMPTY_SITE_CONFIG: SiteConfig = { servers: [] };

function under(base: string, prefix: string): boolean {
  const b = base.replace(/\/+$/, '');
  const p = prefix.replace(/\/+$/, '');
  try {
    if (new URL(b).origin !== new URL(p).origin) return false;
  } catch {
    return false;
  }
  return b === p || b.startsWith(`${p}/`);
}

/** The entry for a FHIR base: the longest matching prefix, or the defaults. */
export function siteEntryFor(config: SiteConfig | undefined, fhirBase: string): SiteServerConfig {
  const matches = (config?.servers ?? []).filter((s) => under(fhirBase, s.fhirBase)).sort((a, b) => b.fhirBase.length - a.fhirBase.length);
  return matches[0] ?? siteServerConfig.parse({ fhirBase });
}

/** Parses a site-config document (browser side): an invalid one is ignored with a reason, never fatal. */
export function readSiteConfig(json: unknown): { config: SiteConfig; problem: string | null } {
  const parsed = siteConfig.safeParse(json);
  if (parsed.success) return { config: parsed.data, problem: null };
  const issue = parsed.error.issues[0];
  return { config: EMPTY_SITE_CONFIG, problem: `site configuration ignored: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}` };
}
