// Shards round-trip: lines written by ShardWriter come back per patient, byte for byte (non-ASCII
// text included), and a torn last row after a crash is left out.
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readShard, shardFile, shardOf, ShardWriter } from '../../src/population/shards.ts';

describe('population shards', () => {
  it('groups each patient’s lines, keeps UTF-8 text intact and skips a torn row', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tidemark-shards-')), 'shards');
    const writer = new ShardWriter(dir, 2);
    const patients = ['p-1', 'p-2', 'p-3', 'p-4'];
    const expected = new Map<string, string[]>();
    for (const [i, id] of patients.entries()) {
      const lines = [
        JSON.stringify({ resourceType: 'Patient', id, name: [{ text: ['Zoë Ångström', 'Nguyễn Thị', '李小龙 😀', 'Plain'][i] }] }),
        JSON.stringify({ resourceType: 'Observation', id: `o-${i}`, subject: { reference: `Patient/${id}` }, note: [{ text: 'µmol/L ≥ 1.5' }] }),
      ];
      await writer.add('Patient', lines[0]!);
      await writer.add('Observation', lines[1]!);
      expected.set(id, lines);
    }
    await writer.close();
    const shard = shardOf('p-1', 2);
    appendFileSync(shardFile(dir, shard), 'p-9'); // a crash mid-row: no tab, no newline
    const read = [...(await readShard(dir, 0)), ...(await readShard(dir, 1))];
    expect(read.map((p) => p.patientId).sort()).toEqual(patients);
    for (const p of read) expect(p.lines).toEqual(expected.get(p.patientId));
  });
});
