// Our write identity where the server keeps no identifier for us: the same `urn:tidemark:result`
// value (DESIGN.md), written as text into what every server keeps (a note's description and body,
// an Observation's note), and found again after a search. Pure.
import { TIDEMARK_RESULT } from '../terminology.ts';

/** "urn:tidemark:result|<identity>": the marker text carried in notes and comments. */
export function markerText(identity: string): string {
  return `${TIDEMARK_RESULT}|${identity}`;
}

type Json = Record<string, unknown>;

/** UTF-8 → base64 (Attachment.data), in the browser and in Node. */
export function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function fromBase64(data: string): string {
  try {
    const bin = atob(data);
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
}

/** Every piece of text of a resource our marker may sit in. */
function texts(r: Json): string[] {
  const out: string[] = [];
  const ids = Array.isArray(r.identifier) ? (r.identifier as Json[]) : r.identifier ? [r.identifier as Json] : [];
  for (const i of ids) if (i.system === TIDEMARK_RESULT && typeof i.value === 'string') out.push(markerText(i.value));
  if (typeof r.description === 'string') out.push(r.description);
  if (typeof r.valueString === 'string') out.push(r.valueString);
  for (const n of (r.note as Json[] | undefined) ?? []) if (typeof n.text === 'string') out.push(n.text);
  for (const c of (r.content as { attachment?: Json }[] | undefined) ?? []) {
    const a = c.attachment;
    if (a && typeof a.data === 'string') out.push(fromBase64(a.data));
    if (a && typeof a.title === 'string') out.push(a.title);
  }
  return out;
}

/** Does this resource carry our marker for `identity` (identifier, description, note, attachment)? */
export function carriesMarker(resource: unknown, identity: string): boolean {
  if (!resource || typeof resource !== 'object') return false;
  const marker = markerText(identity);
  return texts(resource as Json).some((t) => t.includes(marker));
}
