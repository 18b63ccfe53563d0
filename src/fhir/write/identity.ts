// Write-back identity (DESIGN.md fixed interface): identifier system urn:tidemark:result, value =
// SHA-256 hex of (patient, engine, canonical JSON of the inputs, engine version). Web Crypto in the
// browser, node:crypto in Node: the same hex.

/** JSON with object keys sorted at every depth and undefined members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortDeep(x)));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortDeep(x);
    }
    return out;
  }
  return v;
}

/** Node's own hash, when running in Node (no import: the browser bundle must not pull node:crypto). */
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as
  | { createHash(alg: string): { update(s: string): { digest(enc: 'hex'): string } } }
  | undefined;

export async function sha256Hex(text: string): Promise<string> {
  // In Node a synchronous digest: Web Crypto hops to the thread pool for every hash, which left the
  // population run's threads idle most of the time (same bytes, same hex either way).
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(text).digest('hex');
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface IdentityParts {
  patientId: string;
  engine: string;
  inputs: unknown;
  engineVersion: string;
}

export function resultHash(parts: IdentityParts): Promise<string> {
  return sha256Hex(canonicalJson({ p: parts.patientId, e: parts.engine, i: parts.inputs, v: parts.engineVersion }));
}

/** A deterministic urn:uuid from a hex hash (for Bundle fullUrl). */
export function uuidFromHash(hex: string): string {
  const h = hex.padEnd(32, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
