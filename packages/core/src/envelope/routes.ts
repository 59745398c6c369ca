/**
 * Routing tags of an envelope (docs/protocol/envelope.md §12, sync.md §10): one tag per reader
 * user other than the author, so that a node that cannot open the envelope (a host) can still
 * decide which peers may be offered it, while the envelope names no recipient in clear.
 * @module
 */
import { concatBytes, fromBase64url, toBase64url, utf8 } from '../bytes.js'
import { LIMITS, TAG_ROUTE } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { isPowerOfTwo, recipientBucket, RECIPIENT_BUCKET_FLOOR } from './padding.js'

/** Bytes of one routing tag (a truncated SHA-512: 128 bits). */
export const ROUTE_TAG_BYTES = 16
/** Characters of one routing tag in strict base64url. */
export const ROUTE_TAG_CHARS = 22

/** `"sdmp/route/v1" || 0x00`, the same for every tag (sealing computes one per reader user). */
const ROUTE_PREFIX = concatBytes(utf8(TAG_ROUTE), new Uint8Array([0]))

/**
 * The routing tag of reader `user` for an envelope with content nonce `nonce`:
 * `SHA-512("sdmp/route/v1" || 0x00 || nonce || UTF-8(user))[0..16)` (envelope.md §12.1). The nonce
 * makes tags differ per envelope, so two envelopes to the same reader share no tag.
 */
export function routeTag(provider: CryptoProvider, nonce: Uint8Array, user: string): string {
  const digest = provider.sha512(concatBytes(ROUTE_PREFIX, nonce, utf8(user)))
  return toBase64url(digest.subarray(0, ROUTE_TAG_BYTES))
}

/**
 * The `routes` member for the reader users `readers` (the author excluded by the caller):
 * their tags plus random dummies up to the recipient-count bucket, sorted (envelope.md §12.1).
 * @throws LIMIT_EXCEEDED (more than LIMITS.maxRecipients readers)
 */
export function makeRoutes(
  provider: CryptoProvider,
  nonce: Uint8Array,
  readers: readonly string[],
): string[] {
  const real = new Set(readers.map((u) => routeTag(provider, nonce, u)))
  const count = recipientBucket(real.size)
  const tags = new Set(real)
  // Dummies are uniform random bytes, like a truncated hash: indistinguishable from real tags.
  for (let i = 0; tags.size < count && i < 4 * count; i++)
    tags.add(toBase64url(provider.randomBytes(ROUTE_TAG_BYTES)))
  return [...tags].sort()
}

const schema = (message: string): never => {
  throw new ProtocolError(ErrorCode.SCHEMA_VIOLATION, message)
}

/**
 * Validate an untrusted `routes` member: an array of a power of two >= 2 (at most
 * LIMITS.maxRecipients) strict base64url 16-byte tags in strictly ascending order.
 * @throws SCHEMA_VIOLATION (shape, count, order), LIMIT_EXCEEDED, INVALID_ENCODING
 */
export function checkRoutes(routes: unknown): readonly string[] {
  if (!Array.isArray(routes)) return schema('encrypted.routes: expected array')
  if (routes.length > LIMITS.maxRecipients)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `encrypted.routes: ${routes.length} entries exceeds ${LIMITS.maxRecipients}`,
    )
  if (routes.length < RECIPIENT_BUCKET_FLOOR || !isPowerOfTwo(routes.length))
    schema(`encrypted.routes: expected a power of two >= 2 entries, got ${routes.length}`)
  let previous = ''
  for (let i = 0; i < routes.length; i++) {
    const r: unknown = routes[i]
    if (typeof r !== 'string') return schema(`encrypted.routes[${i}]: expected string`)
    if (r.length !== ROUTE_TAG_CHARS)
      throw new ProtocolError(
        ErrorCode.INVALID_ENCODING,
        `encrypted.routes[${i}]: expected ${ROUTE_TAG_CHARS} characters, got ${r.length}`,
      )
    fromBase64url(r, `encrypted.routes[${i}]`)
    if (r <= previous) schema(`encrypted.routes: entries must be strictly ascending`)
    previous = r
  }
  return routes as string[]
}
