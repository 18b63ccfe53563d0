// Symptom scales (PHQ-9, PHQ-2, GAD-7) from Observations (totals, panels with components, single
// item Observations) and QuestionnaireResponses, with item answers attached and duplicates merged.
import type { Assessment } from '../../contract/index.ts';
import { ANSWER_LABELS, ITEM9, type Item9Answer } from '../../clinical/index.ts';
import {
  FREQUENCY_ANSWERS,
  GAD7,
  INSTRUMENTS,
  type InstrumentDef,
  LOINC,
  PHQ2,
  PHQ9,
  instrumentForPanel,
  instrumentForTotal,
  phq9Band,
} from '../terminology.ts';
import type { Coding, FhirObservation, FhirQuestionnaireResponse, QrAnswer, QrItem } from './schemas.ts';
import { MapContext, dateOrExclude, loincCodes, observationDate, observationUsable, readDate, readNumber } from './values.ts';

type Item = NonNullable<Assessment['items']>[number];

interface Candidate {
  def: InstrumentDef;
  score: number;
  ms: number;
  iso: string;
  ref: string;
  items: Item[];
  kind: 'qr' | 'panel' | 'total';
  /** Refs this entry names as the same administration (derivedFrom, hasMember). */
  linked: string[];
}

interface LooseItem {
  def: InstrumentDef;
  index: number;
  loinc: string;
  score: number;
  ms: number;
  iso: string;
  ref: string;
}

const PHQ9_ITEM_INDEX = new Map(PHQ9.items.map((code, i) => [code, i + 1] as const));
const SAME_TIME_MS = 60_000;

/** Which instrument an Observation belongs to, if any (total, panel or single item). */
export function instrumentOfObservation(o: FhirObservation): { def: InstrumentDef; role: 'total' | 'panel' | 'item' } | undefined {
  for (const code of loincCodes(o.code)) {
    const total = instrumentForTotal(code);
    if (total) return { def: total, role: 'total' };
    const panel = instrumentForPanel(code);
    if (panel) return { def: panel, role: 'panel' };
    if (PHQ9_ITEM_INDEX.has(code)) return { def: PHQ9, role: 'item' };
  }
  return undefined;
}

export class AssessmentReader {
  private candidates: Candidate[] = [];
  private looseItems: LooseItem[] = [];

  constructor(private readonly ctx: MapContext) {}

  addObservation(o: FhirObservation, inst: { def: InstrumentDef; role: 'total' | 'panel' | 'item' }): void {
    const ref = `Observation/${o.id}`;
    const what = `${inst.def.instrumentName} ${inst.role === 'item' ? 'item' : inst.role === 'panel' ? 'panel' : 'score'}`;
    this.collectItem9FromObservation(o, ref, inst.role);
    if (!observationUsable(this.ctx, ref, o.status, what)) return;
    const date = dateOrExclude(this.ctx, ref, what, observationDate(o));
    if (!date) return;
    const linked = [...(o.derivedFrom ?? []), ...(o.hasMember ?? [])].flatMap((r) => (r.reference ? [r.reference] : []));

    if (inst.role === 'item') {
      const code = loincCodes(o.code).find((c) => PHQ9_ITEM_INDEX.has(c))!;
      const n = this.itemScore(o, ref, what);
      if (n === undefined) return;
      this.looseItems.push({ def: inst.def, index: PHQ9_ITEM_INDEX.get(code)!, loinc: code, score: n, ms: date.ms, iso: date.iso, ref });
      return;
    }

    // Items from components (panels, or totals that carry their items).
    const items: Item[] = [];
    let totalFromComponent: number | undefined;
    for (const comp of o.component ?? []) {
      for (const code of loincCodes(comp.code)) {
        if (code === inst.def.total) {
          const v = readNumber(comp);
          if (v.ok) totalFromComponent = v.value;
        }
        const index = inst.def.items.indexOf(code) + 1;
        if (index > 0) {
          const v = answerOfComponent(comp);
          if (v !== undefined && v >= 0 && v <= inst.def.itemMax) items.push({ id: code, index, score: v });
        }
      }
    }
    items.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));

    let score: number | undefined;
    const value = readNumber(o);
    if (value.ok) score = value.value;
    else if (totalFromComponent !== undefined) score = totalFromComponent;
    else if (items.length === inst.def.items.length && items.length > 0) score = items.reduce((s, i) => s + i.score, 0);
    else if (items.length > 0 && inst.def.items.length - items.length <= inst.def.clinical.proratableMissingItems && inst.role === 'panel')
      score = this.prorate(inst.def, items, ref);
    else if (inst.role === 'panel' && (o.hasMember?.length ?? 0) > 0 && items.length === 0) {
      // A grouping panel whose members (total, items) are charted as their own Observations.
      return;
    } else {
      const detail =
        value.reason === 'non-numeric'
          ? `${what}: ${value.detail}`
          : items.length > 0
            ? `${what}: no total and only ${items.length} of ${inst.def.items.length} items`
            : `${what}: ${value.detail}`;
      this.ctx.exclude(ref, value.reason, detail);
      return;
    }
    if (!this.inRange(score, inst.def, ref, what)) return;
    this.candidates.push({ def: inst.def, score, ms: date.ms, iso: date.iso, ref, items, kind: inst.role, linked });
  }

  /** Returns true when the QuestionnaireResponse was one of our instruments (read or excluded). */
  addQuestionnaireResponse(qr: FhirQuestionnaireResponse): boolean {
    const ref = `QuestionnaireResponse/${qr.id}`;
    const flat = flattenItems(qr.item ?? []);
    const def = instrumentOfQr(qr, flat);
    this.collectItem9FromQr(qr, ref, flat, def);
    if (!def) return false;
    const what = `${def.instrumentName} questionnaire`;
    if (qr.status === 'entered-in-error') {
      this.ctx.exclude(ref, 'entered-in-error', `${what} marked entered-in-error`);
      return true;
    }
    if (!['completed', 'amended'].includes(qr.status)) {
      const onBanner = this.item9.some((a) => a.sourceRef === ref && a.answer > 0) ? '; its item-9 answer is on the safety banner' : '';
      this.ctx.exclude(ref, 'other', `${what} has status "${qr.status}" (not completed) — not scored${onBanner}`);
      return true;
    }
    const date = dateOrExclude(this.ctx, ref, what, qr.authored);
    if (!date) return true;

    const items: Item[] = [];
    let total: number | undefined;
    const unmatched: number[] = [];
    for (const it of flat) {
      const code = itemLoinc(it);
      const answer = it.answer?.[0];
      if (!answer) continue;
      if (code === def.total) {
        const n = numericAnswer(answer);
        if (n !== undefined) total = n;
        continue;
      }
      const v = answerScore(answer);
      const index = code ? def.items.indexOf(code) + 1 : 0;
      if (index > 0) {
        if (v !== undefined && v >= 0 && v <= def.itemMax) items.push({ id: code!, index, score: v });
      } else if (v !== undefined && answer.valueCoding && FREQUENCY_ANSWERS[answer.valueCoding.code ?? ''] !== undefined) {
        unmatched.push(v);
      }
    }
    // Forms without LOINC item codes (linkIds like "q1"): the frequency-scale answers in order.
    const expected = def === GAD7 ? 7 : def.items.length;
    if (items.length === 0 && unmatched.length === expected) {
      for (const [i, score] of unmatched.entries()) items.push({ id: def.items[i] ?? `${def.instrumentId}-item-${i + 1}`, index: i + 1, score });
    }
    items.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    const score =
      total ??
      (items.length === expected
        ? items.reduce((s, i) => s + i.score, 0)
        : items.length > 0 && expected - items.length <= def.clinical.proratableMissingItems
          ? this.prorate(def, items, ref)
          : undefined);
    if (score === undefined) {
      this.ctx.exclude(ref, 'no-value', `${what}: no total and ${items.length} of ${expected} items answered`);
      return true;
    }
    if (!this.inRange(score, def, ref, what)) return true;
    this.candidates.push({ def, score, ms: date.ms, iso: date.iso, ref, items, kind: 'qr', linked: [] });
    return true;
  }

  /**
   * Every PHQ-9 item-9 answer, collected before any status, date or completeness check (only
   * entered-in-error is skipped): the safety path reads these, so an answer charted alone, in a panel
   * with a skipped item, or in an in-progress questionnaire still reaches the banner.
   */
  readonly item9: Item9Answer[] = [];

  private collectItem9FromObservation(o: FhirObservation, ref: string, role: 'total' | 'panel' | 'item'): void {
    if (o.status === 'entered-in-error') return;
    const at = answerDate(observationDate(o) ?? o.issued);
    if (role === 'item') {
      if (!loincCodes(o.code).includes(ITEM9.loinc)) return;
      const v = item9Value(o);
      if (v !== undefined) this.item9.push({ answer: v, at, sourceRef: ref, form: 'observation', status: o.status });
      return;
    }
    for (const comp of o.component ?? []) {
      if (!loincCodes(comp.code).includes(ITEM9.loinc)) continue;
      const v = item9Value(comp);
      if (v !== undefined) this.item9.push({ answer: v, at, sourceRef: ref, form: 'panel-component', status: o.status });
    }
  }

  private collectItem9FromQr(qr: FhirQuestionnaireResponse, ref: string, flat: QrItem[], def: InstrumentDef | undefined): void {
    if (qr.status === 'entered-in-error') return;
    const at = answerDate(qr.authored);
    for (const it of flat) {
      const answer = it.answer?.[0];
      if (!answer) continue;
      const code = itemLoinc(it);
      const byCode = code === ITEM9.loinc;
      const byText = it.text !== undefined && ITEM9.textPattern.test(it.text);
      // Plain linkIds ("q9", "phq9-9", "item_9") only count inside a PHQ-9 form.
      const byLinkId = def === PHQ9 && !code && /(^|[^0-9])0?9$/.test(it.linkId);
      if (!byCode && !byText && !byLinkId) continue;
      const v = answerScore(answer) ?? labelScore(answer.valueString);
      if (v !== undefined) this.item9.push({ answer: v, at, sourceRef: ref, form: 'questionnaire-response', status: qr.status });
    }
  }

  /** Oldest first, duplicates merged (kept: the entry with item answers). */
  finish(): Assessment[] {
    const kept: Candidate[] = [];
    const sorted = [...this.candidates].sort((a, b) => a.ms - b.ms || rank(b) - rank(a));
    for (const c of sorted) {
      const dup = kept.find((k) => k.def === c.def && sameAdministration(k, c));
      if (!dup) {
        kept.push(c);
        continue;
      }
      const [winner, loser] = rank(c) > rank(dup) ? [c, dup] : [dup, c];
      if (winner !== dup) kept[kept.indexOf(dup)] = winner;
      if (winner.items.length === 0 && loser.items.length > 0) winner.items = loser.items;
      this.ctx.exclude(
        loser.ref,
        'duplicate',
        `same ${c.def.instrumentName} administration as ${winner.ref} (score ${loser.score} on ${loser.iso.slice(0, 10)}); merged`,
      );
    }
    this.attachLooseItems(kept);
    kept.sort((a, b) => a.ms - b.ms);
    return kept.map(toAssessment);
  }

  private attachLooseItems(kept: Candidate[]): void {
    for (const li of this.looseItems) {
      const host = kept
        .filter((k) => k.def === li.def && (k.linked.includes(li.ref) || Math.abs(k.ms - li.ms) <= SAME_TIME_MS))
        .sort((a, b) => Math.abs(a.ms - li.ms) - Math.abs(b.ms - li.ms))[0];
      if (!host) {
        this.ctx.exclude(li.ref, 'other', `${li.def.instrumentName} item ${li.index} answer ${li.score} charted without a total score`);
        continue;
      }
      if (!host.items.some((i) => i.index === li.index)) {
        host.items.push({ id: li.loinc, index: li.index, score: li.score });
        host.items.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      }
    }
  }

  private itemScore(o: FhirObservation, ref: string, what: string): number | undefined {
    const v = answerOfComponent(o);
    if (v === undefined) {
      const n = readNumber(o);
      this.ctx.exclude(ref, n.ok ? 'out-of-range' : n.reason, `${what}: ${n.ok ? `value ${n.value} out of 0–3` : n.detail}`);
      return undefined;
    }
    if (v < 0 || v > 3) {
      this.ctx.exclude(ref, 'out-of-range', `${what}: answer ${v} outside 0–3`);
      return undefined;
    }
    return v;
  }

  /**
   * Total from the answered items when one is missing: mean × item count, rounded (PHQ instruction
   * manual). Noted in the data-quality note; a missing item 9 is named so it can be asked directly.
   */
  private prorate(def: InstrumentDef, items: Item[], ref: string): number {
    const n = def.clinical.itemCount;
    const sum = items.reduce((s, i) => s + i.score, 0);
    const total = Math.round((sum * n) / items.length);
    const missing = Array.from({ length: n }, (_, k) => k + 1).filter((k) => !items.some((i) => i.index === k));
    const item9 = def === PHQ9 && missing.includes(ITEM9.index) ? ' Item 9 (thoughts of self-harm) was not answered — ask directly.' : '';
    this.ctx.note('prorated', ref, `${def.instrumentName} total prorated to ${total}: ${items.length} of ${n} items answered (item ${missing.join(', ')} missing; mean × ${n}).${item9}`);
    return total;
  }

  private inRange(score: number, def: InstrumentDef, ref: string, what: string): boolean {
    if (Number.isFinite(score) && score >= 0 && score <= def.maxScore) return true;
    this.ctx.exclude(ref, 'out-of-range', `${what}: ${score} is outside 0–${def.maxScore}`);
    return false;
  }
}

function rank(c: Candidate): number {
  return c.items.length * 10 + (c.kind === 'qr' ? 3 : c.kind === 'panel' ? 2 : 1);
}

function sameAdministration(a: Candidate, b: Candidate): boolean {
  if (a.linked.includes(b.ref) || b.linked.includes(a.ref)) return true;
  if (Math.abs(a.ms - b.ms) > SAME_TIME_MS) return false;
  // Same time and same score; or a questionnaire and an Observation charted at the same minute.
  return a.score === b.score || (a.kind === 'qr') !== (b.kind === 'qr');
}

function toAssessment(c: Candidate): Assessment {
  return {
    instrumentId: c.def.instrumentId,
    instrumentName: c.def.instrumentName,
    score: c.score,
    maxScore: c.def.maxScore,
    ...(c.def === PHQ9 ? { severity: phq9Band(c.score) } : {}),
    createdAt: c.iso,
    ...(c.items.length > 0 ? { items: c.items } : {}),
    sourceRef: c.ref,
  };
}

/** Item score of a component/Observation: LA answer code, ordinal extension, or a number. */
function answerOfComponent(v: Parameters<typeof readNumber>[0]): number | undefined {
  const coded = v.valueCodeableConcept?.coding ?? [];
  for (const c of coded) {
    const s = codingScore(c);
    if (s !== undefined) return s;
  }
  const n = readNumber(v);
  return n.ok ? n.value : undefined;
}

function codingScore(c: Coding): number | undefined {
  const la = FREQUENCY_ANSWERS[c.code ?? ''];
  if (la !== undefined) return la;
  const ext = (c as { extension?: Array<{ url?: string; valueDecimal?: number; valueInteger?: number }> }).extension;
  const ord = ext?.find((e) => /ordinalValue|itemWeight/.test(e.url ?? ''));
  const n = ord?.valueDecimal ?? ord?.valueInteger;
  return typeof n === 'number' ? n : undefined;
}

function answerScore(a: QrAnswer): number | undefined {
  if (a.valueCoding) return codingScore(a.valueCoding);
  return numericAnswer(a);
}

function numericAnswer(a: QrAnswer & { valueQuantity?: { value?: number } }): number | undefined {
  if (typeof a.valueInteger === 'number') return a.valueInteger;
  if (typeof a.valueDecimal === 'number') return a.valueDecimal;
  if (typeof a.valueQuantity?.value === 'number') return a.valueQuantity.value;
  if (typeof a.valueString === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(a.valueString)) return Number(a.valueString);
  return undefined;
}

function flattenItems(items: QrItem[]): QrItem[] {
  return items.flatMap((it) => [it, ...flattenItems(it.item ?? []), ...(it.answer ?? []).flatMap((a) => flattenItems(a.item ?? []))]);
}

/** LOINC of a QR item: its code, else a linkId that is (or ends with) a LOINC code ("/44249-1/44260-8"). */
function itemLoinc(it: QrItem): string | undefined {
  const coded = it.code?.find((c) => c.system === LOINC && c.code)?.code;
  if (coded) return coded;
  const last = it.linkId.split('/').filter(Boolean).pop() ?? '';
  return /^\d{1,7}-\d$/.test(last) ? last : undefined;
}

function instrumentOfQr(qr: FhirQuestionnaireResponse, flat: QrItem[]): InstrumentDef | undefined {
  const q = (qr.questionnaire ?? '').toLowerCase();
  if (/phq-?9|44249-1/.test(q)) return PHQ9;
  if (/gad-?7|69737-5/.test(q)) return GAD7;
  if (/phq-?2|55757-9/.test(q)) return PHQ2;
  const codes = new Set(flat.map(itemLoinc).filter((c): c is string => c !== undefined));
  for (const def of INSTRUMENTS) if (codes.has(def.total) || (def.panel && codes.has(def.panel))) return def;
  if (PHQ9.items.filter((c) => codes.has(c)).length >= 3) return PHQ9;
  return undefined;
}

/** Date of an item-9 answer, or null (an undated answer is still surfaced, never dropped). */
function answerDate(value: string | undefined): string | null {
  const d = readDate(value);
  return d.ok ? d.iso : null;
}

/** "Several days" → 1: forms that chart the answer as text. */
function labelScore(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const i = ANSWER_LABELS.findIndex((l) => l.toLowerCase() === text.trim().toLowerCase());
  return i >= 0 ? i : undefined;
}

/** Item-9 answer of an Observation or component: LA code, ordinal, number, or the answer wording as text. */
function item9Value(v: Parameters<typeof readNumber>[0]): number | undefined {
  const n = answerOfComponent(v);
  if (n !== undefined) return n;
  return labelScore(v.valueString) ?? labelScore(v.valueCodeableConcept?.text) ?? labelScore(v.valueCodeableConcept?.coding?.find((c) => c.display)?.display);
}
