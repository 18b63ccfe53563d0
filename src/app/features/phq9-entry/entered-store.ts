// PHQ-9s the clinician entered in Tidemark for this patient, kept in this tab's sessionStorage
// (keyed by FHIR server and patient, so another patient's launch never sees them) until the tab
// closes: they survive a reload and a relaunch for the same patient, and stay on screen after they
// are saved into a note the chart reader does not read back.
import { useMemo, useSyncExternalStore } from 'react';
import type { EnteredPhq9 } from '../../../fhir/write/phq9-entry.ts';
import { useDataLayer } from '../launch-session/data-layer.tsx';

export interface EnteredEntry extends EnteredPhq9 {
  /** Write identity (urn:tidemark:result value), computed when entered. */
  identity: string;
  /** Where it was saved, once it was (null: not yet). */
  saved: { where: string; url: string | null } | null;
}

type Listener = () => void;

class EnteredStore {
  readonly #key: string;
  #entries: EnteredEntry[];
  readonly #listeners = new Set<Listener>();

  constructor(
    readonly storage: Storage | null,
    serverUrl: string,
    patientId: string,
  ) {
    this.#key = `tidemark:entered:${serverUrl}|${patientId}`;
    this.#entries = this.#load();
  }

  #load(): EnteredEntry[] {
    try {
      const list = JSON.parse(this.storage?.getItem(this.#key) ?? '[]') as EnteredEntry[];
      return Array.isArray(list) ? list.filter((e) => Array.isArray(e.answers) && e.answers.length === 9 && typeof e.at === 'string') : [];
    } catch {
      return [];
    }
  }

  #save(next: EnteredEntry[]): void {
    this.#entries = next;
    try {
      this.storage?.setItem(this.#key, JSON.stringify(next));
    } catch {
      // storage full or disabled: kept in memory for this page
    }
    for (const l of this.#listeners) l();
  }

  subscribe = (l: Listener) => {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  };

  getSnapshot = () => this.#entries;

  add(entry: EnteredEntry): void {
    if (this.#entries.some((e) => e.identity === entry.identity)) return;
    this.#save([...this.#entries, entry]);
  }

  markSaved(saved: ReadonlyMap<string, { where: string; url: string | null }>): void {
    if (!this.#entries.some((e) => saved.has(e.identity) && !e.saved)) return;
    this.#save(this.#entries.map((e) => (saved.has(e.identity) && !e.saved ? { ...e, saved: saved.get(e.identity)! } : e)));
  }
}

const stores = new Map<string, EnteredStore>();

function storeFor(serverUrl: string, patientId: string): EnteredStore {
  const key = `${serverUrl}|${patientId}`;
  let s = stores.get(key);
  if (!s) {
    s = new EnteredStore(typeof sessionStorage === 'undefined' ? null : sessionStorage, serverUrl, patientId);
    stores.set(key, s);
  }
  return s;
}

/** Test hook: forget the in-memory stores (sessionStorage is cleared by the test). */
export function resetEnteredStores(): void {
  stores.clear();
}

export function useEnteredPhq9(): { entries: readonly EnteredEntry[]; add: (e: EnteredEntry) => void; markSaved: EnteredStore['markSaved'] } {
  const layer = useDataLayer();
  const store = storeFor(layer.serverUrl, layer.patientId);
  const entries = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  return useMemo(() => ({ entries, add: (e: EnteredEntry) => store.add(e), markSaved: (m: ReadonlyMap<string, { where: string; url: string | null }>) => store.markSaved(m) }), [entries, store]);
}
