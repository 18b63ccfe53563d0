/**
 * The Epic profile's flowsheet rows: site configuration naming each row's id and the LOINC codes it
 * accepts (default: epic-flowsheets.json beside this file; `SANDBOX_EPIC_FLOWSHEETS=<file>` replaces
 * it). Validated with zod at start: a bad file stops the sandbox with a clear message.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const FlowsheetFile = z.object({
  description: z.string().optional(),
  system: z.string().min(1),
  rows: z
    .array(z.object({ id: z.string().regex(/^[A-Za-z0-9.-]{1,64}$/), name: z.string().min(1), loinc: z.array(z.string().regex(/^\d{1,7}-\d$/)) }))
    .min(1),
});

export type FlowsheetMap = z.infer<typeof FlowsheetFile>;
export type FlowsheetRow = FlowsheetMap['rows'][number];

export const DEFAULT_FLOWSHEETS = new URL('./epic-flowsheets.json', import.meta.url);

export function loadFlowsheets(file: string | URL = DEFAULT_FLOWSHEETS): FlowsheetMap {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`SANDBOX_EPIC_FLOWSHEETS: cannot read ${String(file)}: ${(err as Error).message}`);
  }
  const parsed = FlowsheetFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`SANDBOX_EPIC_FLOWSHEETS: ${String(file)}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The row a code names: by flowsheet id (the map's system) or by a LOINC code mapped to it. */
export function flowsheetRowOf(codes: { system?: string; code?: string }[], map: FlowsheetMap): FlowsheetRow | undefined {
  for (const c of codes) {
    const row =
      c.system === map.system ? map.rows.find((r) => r.id === c.code) : c.system === 'http://loinc.org' ? map.rows.find((r) => r.loinc.includes(c.code ?? '')) : undefined;
    if (row) return row;
  }
  return undefined;
}
