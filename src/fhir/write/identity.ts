// Write-back identity (DESIGN.md fixed interface): identifier system urn:tidemark:result, value =
// SHA-256 hex of (patient, engine, canonical JSON of the inputs, engine version). Web Crypto, so it
// runs the same in the browser and in Node ≥ 20.

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

export async function sha256Hex(text: string): Promise<string> {
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
