import { describe, expect, it } from 'vitest';
import { ENDPOINTS, relapseRequest, dmseRequest, toIssues } from '../../src/contract/index.ts';

const phq = (score: number, createdAt: string) => ({
  instrumentId: 'phq9',
  instrumentName: 'PHQ-9',
  score,
  maxScore: 27,
  createdAt,
});

describe('contract schemas', () => {
  it('accept the documented relapse example and fill defaults', () => {
    const r = relapseRequest.parse({
      assessments: [phq(12, '2026-05-01T00:00:00Z'), phq(19, '2026-06-15T00:00:00Z')],
      dmseLatencyPctChange: 16,
      avgSleepHours: 5.2,
      daysSinceMedChange: 12,
      hasActiveMedication: true,
      daysSinceLastVisit: 38,
    });
    expect(r.assessments).toHaveLength(2);
    expect(relapseRequest.parse({ assessments: [] }).hasActiveMedication).toBe(false);
  });

  it('enforce the documented ranges and caps with path-level issues', () => {
    const bad = dmseRequest.safeParse({ responseLatencySeconds: 121 });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(toIssues(bad.error)[0]?.path).toBe('responseLatencySeconds');
    const many = Array.from({ length: 501 }, (_, i) => phq(5, `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`));
    expect(relapseRequest.safeParse({ assessments: many }).success).toBe(false);
    expect(relapseRequest.safeParse({ assessments: [], daysSinceMedChange: 3651 }).success).toBe(false);
    expect(dmseRequest.safeParse({}).success).toBe(false);
  });

  it('reject unknown request fields so a typo never silently drops an input', () => {
    expect(relapseRequest.safeParse({ assessments: [], avgSleepHour: 5 }).success).toBe(false);
  });

  it('every endpoint request schema converts to JSON Schema for the OpenAPI document', async () => {
    const { z } = await import('zod');
    for (const e of Object.values(ENDPOINTS)) {
      expect(z.toJSONSchema(e.request, { io: 'input' })).toHaveProperty('type', 'object');
      expect(z.toJSONSchema(e.response, { io: 'output' })).toHaveProperty('type', 'object');
    }
  });
});
