/**
 * A search's sorted matches kept for its next pages, per token: a client paging through `link[next]`
 * (`_offset`) gets each page cut from the same list instead of a new scan of every candidate (paging a
 * population's results was quadratic). Keyed by the token's grant object (never shared between tokens,
 * so nothing one token may see reaches another) and the search without `_offset`/`_count`; valid only
 * while nothing was stored or deleted since (the repository's generation). A few searches per token.
 */
import type { SearchRequest } from '@medplum/core';
import type { Stored } from './fhir-store.ts';
import type { AccessGrant } from './tokens.ts';

const PER_TOKEN = 8;

export class SearchCache {
  private readonly byGrant = new WeakMap<AccessGrant, Map<string, { generation: number; matched: Stored[] }>>();

  static keyOf(request: SearchRequest, compartment: string | undefined): string {
    const { offset: _offset, count: _count, ...rest } = request;
    return JSON.stringify([compartment ?? null, rest]);
  }

  get(grant: AccessGrant, key: string, generation: number): Stored[] | undefined {
    const hit = this.byGrant.get(grant)?.get(key);
    return hit && hit.generation === generation ? hit.matched : undefined;
  }

  set(grant: AccessGrant, key: string, generation: number, matched: Stored[]): void {
    let searches = this.byGrant.get(grant);
    if (!searches) {
      searches = new Map();
      this.byGrant.set(grant, searches);
    }
    searches.delete(key);
    searches.set(key, { generation, matched });
    if (searches.size > PER_TOKEN) searches.delete(searches.keys().next().value as string);
  }
}
