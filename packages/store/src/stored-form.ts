/**
 * The form resource bytes rest in (docs/store.md §2, docs/protocol/compact.md §6): stores keep
 * the compact form, which is about a third of the JSON text for encrypted messages, and hand
 * out the canonical JSON text, so no caller sees the difference. Rows written before the compact
 * form hold JSON and are read as they are.
 * @module
 */
import { decodeCompactResource, encodeCompactResource, isCompactResource } from '@sdmp/core'
import type { Sha512 } from '@sdmp/core'
import type { IngestItem } from './store.js'

/**
 * The bytes to store for `item`: its `compact` form when the caller has it (a RESOURCE_COMPACT
 * frame already carried it), else the compact encoding of `bytes`. Bytes that are not a canonical
 * JSON resource (test fixtures; the store trusts its callers) and the rare resource whose compact
 * form would not be smaller are stored as they are.
 *
 * Taking `compact` as it came, without encoding `bytes` to compare, is sound because the compact
 * decoder is strict (compact.md §3.1): it accepts one compact text per JSON text, so bytes that
 * decoded to `bytes` are exactly what encoding `bytes` would give. The same size rule applies to
 * both paths, so a resource rests in the same form (and counts the same size, `usageOf`, the
 * ingest quota: sync.md §9) however it arrived.
 */
export function storedForm(sha512: Sha512, item: IngestItem): Uint8Array {
  if (item.compact !== undefined)
    return item.compact.length < item.bytes.length ? item.compact : item.bytes
  if (isCompactResource(item.bytes)) return item.bytes
  // Every resource's canonical text starts so (resource.md §1); anything else would only fail
  // to parse, and an exception per item was 10% of a batched append of such bytes.
  if (!startsWith(item.bytes, RESOURCE_START)) return item.bytes
  try {
    const compact = encodeCompactResource({ sha512 }, item.bytes)
    return compact.length < item.bytes.length ? compact : item.bytes
  } catch {
    return item.bytes
  }
}

const RESOURCE_START = new TextEncoder().encode('{"sdmp":{')

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false
  return true
}

/** Items with their stored form in `bytes` (run before a write transaction: it hashes and parses). */
export function toStoredItems(sha512: Sha512, items: readonly IngestItem[]): IngestItem[] {
  return items.map((item) => ({ ...item, bytes: storedForm(sha512, item) }))
}

/**
 * The canonical JSON text of stored bytes (either form).
 * @throws INVALID_ENCODING when a compact row is corrupt
 */
export function fromStoredForm(sha512: Sha512, bytes: Uint8Array): Uint8Array {
  return isCompactResource(bytes) ? decodeCompactResource({ sha512 }, bytes) : bytes
}
