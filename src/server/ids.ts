import { randomBytes, createHash } from 'node:crypto';

// Request ids: "req_" + 20 hex characters (80 random bits), as in the reference.
// Random bytes are drawn in blocks to keep the per-request cost low.
let pool = Buffer.alloc(0);
let offset = 0;
export function newRequestId(): string {
  if (offset + 10 > pool.length) {
    pool = randomBytes(10 * 512);
    offset = 0;
  }
  const id = `req_${pool.toString('hex', offset, offset + 10)}`;
  offset += 10;
  return id;
}

export const REQUEST_ID_RE = /^req_[0-9a-f]{20}$/;

/** SHA-256 hex of the parts: used as cache / rate-limit keys so raw tokens are never stored. */
export function hashKey(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}
