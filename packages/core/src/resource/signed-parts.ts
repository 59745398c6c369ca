/**
 * What {@link signResource} knows of each resource it built, for the compact encoder
 * (compact.ts): the parsed inner container and the signatures. Encoding a resource this process
 * has just signed (the inner message of every envelope it seals, the envelope it stores, its
 * signed control messages) then needs no parse of the JSON text it has just written, no
 * base64url decode of the payload and no hash for the derived identifier (docs/load.md §5
 * "Eighth pass"). Keyed by the `bytes` object signResource returned, so bytes from anywhere else,
 * even equal ones, take the general path; resource bytes are never changed once signed.
 *
 * The price: ~10 us per signature, mostly garbage collection (the map's entries are visited by
 * every young-generation collection); a bounded Map of the last 512 cost as much (it keeps them
 * alive), one of the last 64 little but would miss the envelopes a batch stores after sealing
 * all of it. Sending a message saves ~80-100 us of encoding for its two or three signatures.
 * @module
 */
import type { JsonObject } from '../json.js'

/** The parts of a signed resource's canonical text (resource.md §1). */
export interface SignedParts {
  readonly version: string
  /** The inner container as the receiver's parse of the payload's text gives it. */
  readonly container: JsonObject
  /** Each signature's protected header (parsed) and its 64 bytes, in order. */
  readonly signatures: readonly { readonly header: JsonObject; readonly signature: Uint8Array }[]
}

const parts = new WeakMap<Uint8Array, SignedParts>()

/** Remember the parts of the bytes signResource returns. */
export function rememberSignedParts(bytes: Uint8Array, p: SignedParts): void {
  parts.set(bytes, p)
}

/** The parts of `bytes` if signResource made them in this process. */
export function signedPartsOf(bytes: Uint8Array): SignedParts | undefined {
  return parts.get(bytes)
}
