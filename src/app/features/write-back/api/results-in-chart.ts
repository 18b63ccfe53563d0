// "Is this result already in the chart?" — across launches. Each current result's write identity
// (identifier value: stable hash of patient, engine, inputs and engine version) is compared with
// the identifiers of the Tidemark Observations read from the chart (ChartData.history).
import { useEffect, useState } from 'react';
import type { EngineName } from '../../../../contract/index.ts';
import type { ChartData, StoredResult } from '../../../../fhir/chart.ts';
import { resultIdentifierValue, type EngineResult } from '../../../../fhir/write/index.ts';

export interface ResultInChart {
  engine: EngineName;
  /** Write identity of the current result (urn:tidemark:result identifier value). */
  identifier: string;
  /** The Observation in the chart with the same identity (newest when several), else null: not saved. */
  stored: StoredResult | null;
}

/** The stored result with this identity (newest first), or null. */
export function findStored(history: ChartData['history'] | undefined, engine: EngineName, identifier: string): StoredResult | null {
  const list = history?.[engine] ?? [];
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.identifier === identifier) return list[i]!;
  return null;
}

/** Pure: match each result (whose identity is known) against the chart's history. */
export function matchResultsInChart(
  results: readonly EngineResult[],
  identifiers: readonly string[],
  history: ChartData['history'] | undefined,
): ResultInChart[] {
  return results.map((r, i) => ({ engine: r.engine, identifier: identifiers[i]!, stored: findStored(history, r.engine, identifiers[i]!) }));
}

/**
 * Per result (same order): its identity and the chart Observation holding it, if any. null while the
 * identities are being computed (Web Crypto is async) or when they could not be computed.
 */
export function useResultsInChart(results: readonly EngineResult[], history: ChartData['history'] | undefined): ResultInChart[] | null {
  const [state, setState] = useState<{ results: readonly EngineResult[]; history: ChartData['history'] | undefined; matched: ResultInChart[] } | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all(results.map((r) => resultIdentifierValue(r))).then(
      (identifiers) => {
        if (live) setState({ results, history, matched: matchResultsInChart(results, identifiers, history) });
      },
      () => {
        if (live) setState(null);
      },
    );
    return () => {
      live = false;
    };
  }, [results, history]);
  // Never show the answer for other results than the ones asked about.
  return state && state.results === results && state.history === history ? state.matched : null;
}
