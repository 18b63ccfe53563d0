// Feedback on our cards (accepted / overridden), kept in memory and bounded: which rule the card came
// from, the outcome, the override reason code. Never free text (a user comment may name a patient)
// and never a patient id: cards are remembered by uuid → rule only.
import type { Indicator, FeedbackItem } from './schemas.ts';
import type { Topic } from './cards.ts';

export interface IssuedCard {
  serviceId: string;
  topic: Topic;
  indicator: Indicator;
}

export interface FeedbackEntry {
  serviceId: string;
  card: string;
  outcome: FeedbackItem['outcome'];
  /** The rule's topic and indicator, when the card was issued by this instance. */
  topic: Topic | null;
  indicator: Indicator | null;
  acceptedSuggestions: number;
  overrideReason: string | null;
  hadComment: boolean;
  outcomeTimestamp: string;
  receivedAt: string;
}

export class FeedbackLog {
  readonly #issued = new Map<string, IssuedCard>();
  readonly #entries: FeedbackEntry[] = [];

  constructor(
    readonly maxEntries = 10_000,
    readonly maxIssued = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  issued(uuid: string, card: IssuedCard): void {
    this.#issued.set(uuid, card);
    if (this.#issued.size > this.maxIssued) this.#issued.delete(this.#issued.keys().next().value as string);
  }

  record(serviceId: string, items: readonly FeedbackItem[]): { recorded: number; unknownCards: number } {
    let unknownCards = 0;
    for (const f of items) {
      const issued = this.#issued.get(f.card);
      if (!issued || issued.serviceId !== serviceId) unknownCards++;
      const reason = f.overrideReason?.reason;
      this.#entries.push({
        serviceId,
        card: f.card,
        outcome: f.outcome,
        topic: issued?.serviceId === serviceId ? issued.topic : null,
        indicator: issued?.serviceId === serviceId ? issued.indicator : null,
        acceptedSuggestions: f.acceptedSuggestions?.length ?? 0,
        overrideReason: reason ? `${reason.system ?? ''}|${reason.code}`.slice(0, 300) : null,
        hadComment: !!f.overrideReason?.userComment,
        outcomeTimestamp: f.outcomeTimestamp,
        receivedAt: new Date(this.now()).toISOString(),
      });
    }
    if (this.#entries.length > this.maxEntries) this.#entries.splice(0, this.#entries.length - this.maxEntries);
    return { recorded: items.length, unknownCards };
  }

  entries(): readonly FeedbackEntry[] {
    return this.#entries;
  }

  /** Outcome counts per rule topic (what a reviewer tunes alert fatigue with). */
  summary(): Record<string, { accepted: number; overridden: number }> {
    const out: Record<string, { accepted: number; overridden: number }> = {};
    for (const e of this.#entries) {
      const k = e.topic ?? 'unknown';
      out[k] ??= { accepted: 0, overridden: 0 };
      out[k][e.outcome]++;
    }
    return out;
  }
}
