/**
 * The attachment blob format (docs/protocol/attachments.md §1): a file sealed chunk by chunk
 * with ChaCha20-Poly1305 under a fresh per-file key, in the STREAM construction (chunk index in
 * the nonce, a final-chunk flag in the AAD). Pure and streaming: async iterables of bytes in
 * and out, one chunk held at a time; crypto comes from the injected provider.
 * @module
 */
import { TAG_ATTACHMENT } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import type { CryptoProvider } from '../crypto/provider.js'

/** Plaintext bytes per chunk (attachments.md §1). */
export const ATTACHMENT_CHUNK_BYTES = 65_536
/** Bytes the AEAD adds to every chunk (the Poly1305 tag). */
export const ATTACHMENT_TAG_BYTES = 16
/** Bytes of an attachment key. */
export const ATTACHMENT_KEY_BYTES = 32
/** Largest plaintext of one attachment: 256 MiB (attachments.md §1 "Limits"). */
export const ATTACHMENT_MAX_BYTES = 256 * 1024 * 1024

/** Most attachments one message carries (docs/protocol/schemas.md "message"). */
export const ATTACHMENT_MAX_COUNT = 64
/** Longest file name and media type of an attachment, in characters (schemas.md "message"). */
export const ATTACHMENT_MAX_NAME_CHARS = 255

/**
 * A blob's name: the SHA-256 of its bytes in 64 lowercase hex (attachments.md §1). The source
 * text is exported so that JSON Schemas (the client API's) carry the same rule.
 */
export const BLOB_HASH_PATTERN = '^[0-9a-f]{64}$'
const BLOB_HASH = new RegExp(BLOB_HASH_PATTERN)

/** True for a well-formed blob hash ({@link BLOB_HASH_PATTERN}). */
export function isBlobHash(value: unknown): value is string {
  return typeof value === 'string' && BLOB_HASH.test(value)
}

/**
 * One attachment as a message lists it (docs/protocol/schemas.md "message", attachments.md §2):
 * the sealed blob's hash and size, the file's name, the blob key (base64url) and media type. A
 * type alias rather than an interface, so that it is assignable to `Json`.
 */
export type MessageAttachment = {
  readonly hash: string
  readonly size: number
  readonly name: string
  readonly key: string
  readonly type?: string
}

/**
 * Exactly the members of a {@link MessageAttachment}, an absent `type` left out (never
 * `undefined`): what is signed, stored and indexed, whatever else the source object carries.
 */
export function toMessageAttachment(
  a: Omit<MessageAttachment, 'type'> & { readonly type?: string | undefined },
): MessageAttachment {
  const { hash, size, name, key, type } = a
  return type === undefined ? { hash, size, name, key } : { hash, size, name, key, type }
}

const SEALED_CHUNK_BYTES = ATTACHMENT_CHUNK_BYTES + ATTACHMENT_TAG_BYTES
const TAG_BYTES = new TextEncoder().encode(TAG_ATTACHMENT)
/** The two possible AADs: the domain tag then 0x00 (more follows) or 0x01 (final chunk). */
const AAD_MORE = Uint8Array.from([...TAG_BYTES, 0])
const AAD_FINAL = Uint8Array.from([...TAG_BYTES, 1])

/** The number of chunks a plaintext of `n` bytes is split into (an empty file: one chunk). */
function chunkCount(n: number): number {
  return n === 0 ? 1 : Math.ceil(n / ATTACHMENT_CHUNK_BYTES)
}

/**
 * The blob size of a plaintext of `plainBytes` bytes: `n + 16 × chunks`.
 * @throws RangeError for a negative or non-integer size (a bug)
 */
export function sealedAttachmentSize(plainBytes: number): number {
  if (!Number.isSafeInteger(plainBytes) || plainBytes < 0)
    throw new RangeError(`plainBytes: expected a non-negative integer, got ${plainBytes}`)
  return plainBytes + ATTACHMENT_TAG_BYTES * chunkCount(plainBytes)
}

/**
 * The plaintext size of a blob of `sealedBytes` bytes, or undefined when no plaintext seals to
 * that size (a damaged or foreign blob). Cheap: used to announce Content-Length before the blob
 * is read, which decryption then proves.
 */
export function plainAttachmentSize(sealedBytes: number): number | undefined {
  if (!Number.isSafeInteger(sealedBytes) || sealedBytes < ATTACHMENT_TAG_BYTES) return undefined
  const full = Math.floor(sealedBytes / SEALED_CHUNK_BYTES)
  const rest = sealedBytes % SEALED_CHUNK_BYTES
  // A trailing piece must hold a tag and at least one byte, unless it is the only (empty) chunk.
  if (rest === 0) return full === 0 ? undefined : full * ATTACHMENT_CHUNK_BYTES
  if (rest < ATTACHMENT_TAG_BYTES || (rest === ATTACHMENT_TAG_BYTES && full > 0)) return undefined
  return full * ATTACHMENT_CHUNK_BYTES + rest - ATTACHMENT_TAG_BYTES
}

/** A fresh random attachment key (never reuse one for another file). */
export function generateAttachmentKey(provider: CryptoProvider): Uint8Array {
  return provider.randomBytes(ATTACHMENT_KEY_BYTES)
}

/** The nonce of chunk `index`: 4 zero bytes || index as 8-byte big-endian (attachments.md §1). */
export function attachmentNonce(index: number): Uint8Array {
  const nonce = new Uint8Array(12)
  new DataView(nonce.buffer).setBigUint64(4, BigInt(index), false)
  return nonce
}

function assertKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== ATTACHMENT_KEY_BYTES)
    throw new TypeError(`attachment key: expected ${ATTACHMENT_KEY_BYTES} bytes`)
}

/** Options of {@link sealAttachment}. */
export interface SealAttachmentOptions {
  /** Refuse a source longer than this many bytes (default {@link ATTACHMENT_MAX_BYTES}). */
  readonly maxBytes?: number
}

/**
 * Re-cut a byte stream into pieces of exactly `size` bytes, the last one shorter but never
 * empty, except for an empty stream, which yields one empty piece. Holds one piece at a time.
 */
async function* rechunk(
  source: AsyncIterable<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(size)
  let fill = 0
  let yielded = false
  for await (const part of source) {
    if (!(part instanceof Uint8Array)) throw new TypeError('attachment source: expected bytes')
    let at = 0
    while (at < part.length) {
      const take = Math.min(size - fill, part.length - at)
      buf.set(part.subarray(at, at + take), fill)
      fill += take
      at += take
      if (fill === size) {
        yield buf
        yielded = true
        buf = new Uint8Array(size)
        fill = 0
      }
    }
  }
  if (fill > 0 || !yielded) yield buf.subarray(0, fill)
}

/**
 * Seal a file into an attachment blob, streaming: yields sealed chunks in order; their
 * concatenation is the blob. Each yielded array is fresh (safe to keep).
 * @example
 * const key = generateAttachmentKey(provider)
 * const info = await store.putBlob(sealAttachment(provider, key, fileChunks))
 * @throws LIMIT_EXCEEDED when the source is longer than `maxBytes`
 */
export async function* sealAttachment(
  provider: CryptoProvider,
  key: Uint8Array,
  source: AsyncIterable<Uint8Array>,
  options: SealAttachmentOptions = {},
): AsyncGenerator<Uint8Array> {
  assertKey(key)
  const max = options.maxBytes ?? ATTACHMENT_MAX_BYTES
  const aead = provider.chacha20poly1305
  let index = 0
  let total = 0
  // One piece of lookahead: a chunk is final only when nothing follows it.
  let held: Uint8Array | undefined
  for await (const piece of rechunk(source, ATTACHMENT_CHUNK_BYTES)) {
    total += piece.length
    if (total > max)
      throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, `attachment: larger than ${max} bytes`)
    if (held !== undefined) yield aead.seal(key, attachmentNonce(index++), held, AAD_MORE)
    held = piece
  }
  // rechunk yields at least one piece, so `held` is set: the final chunk.
  yield aead.seal(key, attachmentNonce(index), held!, AAD_FINAL)
}

const decryptFailed = (): ProtocolError =>
  // One code, one message, whatever went wrong (HOUSE-STYLE error rule 4: no oracle).
  new ProtocolError(ErrorCode.DECRYPT_FAILED, 'attachment: decryption failed')

/** Most chunks a blob within {@link ATTACHMENT_MAX_BYTES} can have. */
const MAX_CHUNKS = ATTACHMENT_MAX_BYTES / ATTACHMENT_CHUNK_BYTES

/**
 * Open an attachment blob, streaming: yields the plaintext chunk by chunk, each only after it
 * authenticated. A damaged, truncated, extended, reordered or foreign blob fails with
 * DECRYPT_FAILED (possibly after earlier chunks were yielded: callers that must not act on a
 * prefix write to a temporary place and commit only when the iteration ended normally).
 * @example
 * for await (const plain of openAttachment(provider, key, blob)) out.write(plain)
 * @throws DECRYPT_FAILED
 */
export async function* openAttachment(
  provider: CryptoProvider,
  key: Uint8Array,
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  assertKey(key)
  const aead = provider.chacha20poly1305
  let index = 0
  let held: Uint8Array | undefined
  for await (const piece of rechunk(source, SEALED_CHUNK_BYTES)) {
    if (held !== undefined) {
      // Something follows `held`: it must have been sealed as a full, non-final chunk.
      const plain = aead.open(key, attachmentNonce(index++), held, AAD_MORE)
      if (plain === null) throw decryptFailed()
      yield plain
    }
    if (index >= MAX_CHUNKS) throw decryptFailed()
    held = piece
  }
  // The last piece is the final chunk; shorter than a tag (e.g. an empty blob) cannot be one.
  if (held === undefined || held.length < ATTACHMENT_TAG_BYTES) throw decryptFailed()
  const plain = aead.open(key, attachmentNonce(index), held, AAD_FINAL)
  if (plain === null) throw decryptFailed()
  yield plain
}
