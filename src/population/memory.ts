// What the run remembers between nights where the chart cannot hold Tidemark's coded results (a note or
// flowsheet strategy: Epic, Oracle Health): each patient's latest result per engine, and the sources of
// the safety findings already reported. Scoring uses it only where the chart has no result of its own
// (as the engines' `previous`, and to tell a new finding from a known one), so the change feed reports
// real changes on those servers too. One NDJSON file per FHIR base and Group, next to the run
// directories, replaced atomically at the end of a successful run; it travels to the scorers as one
// extra line in the patient's shard (so threads and BullMQ workers need nothing else).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, fsyncSync, openSync, closeSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { StoredResult } from '../fhir/chart.ts';
import { journaledOutcomes } from './checkpoint.ts';
import type { ShardWriter } from './shards.ts';

export const MEMORY_TYPE = 'TidemarkRunMemory';
const PREFIX = `{"resourceType":"${MEMORY_TYPE}"`;

export interface PatientMemory {
  /** The latest result per engine (sourceRef names the run, not a chart resource). */
  results: StoredResult[];
  /** Chart references of the safety findings already reported. */
  seenSafety: string[];
}

export const isMemoryLine = (line: string): boolean => line.startsWith(PREFIX);

export function memoryLine(patientId: string, m: PatientMemory): string {
  return JSON.stringify({ resourceType: MEMORY_TYPE, subject: { reference: `Patient/${patientId}` }, results: m.results, seenSafety: m.seenSafety });
}

export function readMemoryLine(line: string): (PatientMemory & { patientId: string }) | null {
  try {
    const v = JSON.parse(line) as { subject?: { reference?: string }; results?: StoredResult[]; seenSafety?: string[] };
    const patientId = v.subject?.reference?.replace(/^Patient\//, '');
    if (!patientId || !Array.isArray(v.results)) return null;
    return { patientId, results: v.results, seenSafety: Array.isArray(v.seenSafety) ? v.seenSafety : [] };
  } catch {
    return null;
  }
}

export function memoryFileFor(runsDir: string, fhirBase: string, groupId: string): string {
  const key = createHash('sha256').update(`${fhirBase}\n${groupId}`).digest('hex').slice(0, 16);
  return join(runsDir, `memory-${key}.ndjson`);
}

/**
 * Adds the remembered patients' lines to the shards: those in `only` when tonight scores fewer than
 * everyone (an incremental night), else all (a patient not exported tonight is dropped when read).
 */
export async function appendMemory(file: string, writer: ShardWriter, only?: ReadonlySet<string>): Promise<void> {
  if (!existsSync(file)) return;
  for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (!isMemoryLine(line)) continue;
    if (only && !only.has(readMemoryLine(line)?.patientId ?? '')) continue;
    await writer.add(MEMORY_TYPE, line);
  }
}

/** The new memory: tonight's outcomes replace their patients' lines, everyone else's are kept. */
export async function writeMemory(file: string, checkpointFile: string): Promise<number> {
  const tonight = new Map<string, PatientMemory>();
  for (const o of journaledOutcomes(checkpointFile)) if (o.remember && !o.failure) tonight.set(o.patientId, o.remember);
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  let kept = 0;
  try {
    if (existsSync(file)) {
      for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY })) {
        const m = readMemoryLine(line);
        if (!m || tonight.has(m.patientId)) continue;
        writeSync(fd, `${line}\n`);
        kept++;
      }
    }
    for (const [patientId, m] of tonight) writeSync(fd, `${memoryLine(patientId, m)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return kept + tonight.size;
}
