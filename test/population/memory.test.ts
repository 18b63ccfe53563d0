// The run's memory on note-only servers (src/population/memory.ts): tonight's outcomes replace their
// patients' lines, everyone else's are kept; a failed patient keeps last night's; the lines reach the
// shards of the patients they name.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StoredResult } from '../../src/fhir/chart.ts';
import { Checkpoint } from '../../src/population/checkpoint.ts';
import { appendMemory, isMemoryLine, memoryFileFor, readMemoryLine, writeMemory } from '../../src/population/memory.ts';
import type { PatientOutcome } from '../../src/population/score-patient.ts';
import { readShard, ShardWriter } from '../../src/population/shards.ts';

const result = (score: number): StoredResult => ({ engine: 'relapse', score, status: 'moderate', computedAt: '2026-12-01T02:00:00.000Z', inputs: { symptomScore: score }, sourceRef: 'urn:tidemark:population-run' });
const outcome = (patientId: string, score: number, failed = false): PatientOutcome => ({
  patientId,
  engines: ['relapse'],
  relapse: null,
  safety: [],
  newSafety: [],
  written: 0,
  existing: 0,
  remember: { results: [result(score)], seenSafety: [`Observation/${patientId}-q9`] },
  ...(failed ? { failure: { stage: 'write' as const, reason: 'refused' } } : {}),
});

function night(dir: string, outcomes: PatientOutcome[]): string {
  const file = join(dir, `checkpoint-${Math.random()}.ndjson`);
  const c = new Checkpoint(file);
  c.record(0, outcomes);
  c.close();
  return file;
}

describe('population run memory', () => {
  it('keeps everyone not scored tonight, replaces who was, and never remembers a failed patient’s night', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-memory-'));
    const file = memoryFileFor(dir, 'https://ehr.example/fhir', 'care-team');
    expect(memoryFileFor(dir, 'https://ehr.example/fhir', 'other')).not.toBe(file);
    await writeMemory(file, night(dir, [outcome('a', 10), outcome('b', 20)]));
    expect(await writeMemory(file, night(dir, [outcome('b', 30), outcome('a', 99, true)]))).toBe(2);
    const byPatient = Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => { const m = readMemoryLine(l)!; return [m.patientId, m.results[0]!.score]; }));
    expect(byPatient).toEqual({ a: 10, b: 30 });
  });

  it('its lines go to the shard of the patient they name and are told apart from chart lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-memory-'));
    const file = join(dir, 'memory.ndjson');
    await writeMemory(file, night(dir, [outcome('p1', 5)]));
    const writer = new ShardWriter(join(dir, 'shards'), 2);
    await writer.add('Patient', JSON.stringify({ resourceType: 'Patient', id: 'p1' }));
    await appendMemory(file, writer);
    await writer.close();
    const all = [...(await readShard(join(dir, 'shards'), 0)), ...(await readShard(join(dir, 'shards'), 1))];
    expect(all).toHaveLength(1);
    expect(all[0]!.patientId).toBe('p1');
    expect(all[0]!.lines.map(isMemoryLine)).toEqual([false, true]);
    expect(writer.stats.patients).toBe(1); // a remembered line is not a patient of tonight's export
  });
});

describe('population run memory on an incremental night', () => {
  it('only the patients scored tonight get their remembered line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-memory-'));
    const file = join(dir, 'memory.ndjson');
    await writeMemory(file, night(dir, [outcome('p1', 5), outcome('p2', 6)]));
    const writer = new ShardWriter(join(dir, 'shards'), 1);
    await appendMemory(file, writer, new Set(['p2']));
    await writer.close();
    const rows = await readShard(join(dir, 'shards'), 0);
    expect(rows.map((r) => r.patientId)).toEqual(['p2']);
  });
});
