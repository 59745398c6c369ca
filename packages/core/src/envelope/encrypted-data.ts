/**
 * The JSON form of a sealed envelope, the `encrypted` schema data (docs/protocol/envelope.md §5),
 * and its strict decoder. Shape errors depend only on public bytes, so they are reported
 * precisely; everything that needs a key is left to openEnvelope and fails uniformly.
 * @module
 */
import { base64urlLength, fromBase64url, toBase64url } from '../bytes.js'
import { LIMITS } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import { isBucketSize, isPowerOfTwo, RECIPIENT_BUCKET_FLOOR } from './padding.js'
import type { EnvelopeVersion } from './padding.js'
import { checkRoutes } from './routes.js'
import { isSuite, NONCE_BYTES, SESSION_ENTRY_BYTES, suiteSizes, TAG_BYTES } from './suites.js'
import type { Suite } from './suites.js'

/**
 * A sealed envelope as it appears under the `encrypted` property of a container. All binary
 * fields are strict unpadded base64url. No field names a recipient.
 */
export interface EncryptedData {
  /**
   * Profile version (envelope.md §4.1, §5.2): `2` (Padmé padding from 256 bytes, AAD tag
   * `sdmp/enclosure/v2`), `3` (as 2, the plaintext is the inner resource in the compact form of
   * docs/protocol/compact.md, AAD tag `sdmp/enclosure/v3`); absent means 1 (power-of-two padding from 4096, `sdmp/enclosure/v1`).
   */
  readonly v?: 2 | 3
  /** `pq-kyber768-x25519` (default) or `x25519-chacha20-poly1305`. */
  readonly suite: Suite
  /** 12-byte ChaCha20-Poly1305 nonce of the content AEAD. */
  readonly nonce: string
  /** Padded plaintext (a bucket of the version: envelope.md §4.1) sealed under K, plus tag. */
  readonly ciphertext: string
  /** One wrap per recipient plus dummies, a power of two >= 2 entries, in random order. */
  readonly recipients: readonly string[]
  /**
   * Routing tags of the reader users other than the author, plus dummies (envelope.md §12):
   * what lets a node that cannot open the envelope decide whom to offer it to. Absent on
   * envelopes sealed before profile 1.1.
   */
  readonly routes?: readonly string[]
  /**
   * Session entries plus dummies (docs/protocol/sessions.md §8; profile 2 only): 116-byte
   * entries as 156 characters each, a power of two >= 2 of them, in random order. When present,
   * `recipients` may be empty.
   */
  readonly sessions?: readonly string[]
}

/** The decoded bytes of an {@link EncryptedData}. */
export interface EnvelopeBytes {
  readonly version: EnvelopeVersion
  readonly suite: Suite
  readonly nonce: Uint8Array
  readonly ciphertext: Uint8Array
  readonly recipients: readonly Uint8Array[]
  /** The session entries, when the envelope has the member (sessions.md §8). */
  readonly sessions?: readonly Uint8Array[]
}

const FIELDS = ['suite', 'nonce', 'ciphertext', 'recipients'] as const
/** Optional members (envelope.md §12: `routes`, profile 1.1; §5.2: `v`, profile 2; `sessions`). */
const OPTIONAL_FIELDS: readonly string[] = ['routes', 'v', 'sessions']

const schema = (message: string): never => {
  throw new ProtocolError(ErrorCode.SCHEMA_VIOLATION, message)
}
const typeName = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v

/**
 * Validate untrusted JSON as `encrypted` data: exact fields, a supported suite, exact lengths
 * for the suite, bucket-shaped sizes, and the size limits. Returns a new frozen value.
 * @example
 * const data = decodeEncryptedData(JSON.parse(text).encrypted)
 * @throws SCHEMA_VIOLATION (wrong shape, type, unknown suite, non-bucket size),
 * INVALID_ENCODING (bad base64url, wrong byte length), LIMIT_EXCEEDED (too many recipients,
 * too large)
 */
export function decodeEncryptedData(json: unknown): EncryptedData {
  const bytes = decodeEnvelopeBytes(json)
  const raw = json as Record<string, unknown>
  const value: EncryptedData = Object.freeze({
    ...(bytes.version !== 1 && { v: bytes.version }),
    suite: bytes.suite,
    nonce: raw['nonce'] as string,
    ciphertext: raw['ciphertext'] as string,
    recipients: Object.freeze([...(raw['recipients'] as string[])]),
    ...(raw['routes'] !== undefined && {
      routes: Object.freeze([...(raw['routes'] as string[])]),
    }),
    ...(bytes.sessions !== undefined && {
      sessions: Object.freeze([...(raw['sessions'] as string[])]),
    }),
  })
  decoded.set(value, bytes)
  return value
}

/**
 * The bytes {@link decodeEncryptedData} decoded, by the frozen value it returned: a received
 * envelope is decoded when its resource is validated and again when it is opened (~14 us of
 * base64 per message on the receiving daemon; issue 14, docs/load.md §5 fourteenth pass). The
 * value cannot change, so its bytes stay right; nothing that reads them writes into them.
 */
const decoded = new WeakMap<object, EnvelopeBytes>()

/** The JSON form of envelope bytes (no validation: the bytes come from sealEnvelope). */
export function encodeEncryptedData(bytes: EnvelopeBytes): EncryptedData {
  return Object.freeze({
    ...(bytes.version !== 1 && { v: bytes.version }),
    suite: bytes.suite,
    nonce: toBase64url(bytes.nonce),
    ciphertext: toBase64url(bytes.ciphertext),
    recipients: Object.freeze(bytes.recipients.map((r) => toBase64url(r))),
    ...(bytes.sessions !== undefined && {
      sessions: Object.freeze(bytes.sessions.map((r) => toBase64url(r))),
    }),
  })
}

/**
 * {@link decodeEncryptedData}, returning the bytes (those it kept, for a value it returned).
 * Cheap checks (types, counts, string lengths, total size) all run before any base64 is
 * decoded, so huge inputs cost little.
 * @throws SCHEMA_VIOLATION, INVALID_ENCODING, LIMIT_EXCEEDED
 */
export function decodeEnvelopeBytes(json: unknown): EnvelopeBytes {
  const known = typeof json === 'object' && json !== null ? decoded.get(json) : undefined
  if (known !== undefined) return known
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    schema(`encrypted: expected object, got ${typeName(json)}`)
  }
  const proto = Object.getPrototypeOf(json)
  if (proto !== Object.prototype && proto !== null) schema('encrypted: expected a plain object')
  const obj = json as Record<string, unknown>
  for (const key of Object.keys(obj)) {
    if (key === '__proto__') schema('encrypted: forbidden key __proto__')
    if (!(FIELDS as readonly string[]).includes(key) && !OPTIONAL_FIELDS.includes(key)) {
      schema(`encrypted: unknown field ${JSON.stringify(key.slice(0, 64))}`)
    }
  }
  for (const key of FIELDS) if (!Object.hasOwn(obj, key)) schema(`encrypted.${key}: missing`)
  const { suite, nonce, ciphertext, recipients } = obj as Record<(typeof FIELDS)[number], unknown>
  let version: EnvelopeVersion = 1
  if (Object.hasOwn(obj, 'v')) {
    // Only 2 and 3 are version members: profile 1 envelopes have none, so `v: 1` is not a form.
    const v = obj['v']
    if (v !== 2 && v !== 3) schema(`encrypted.v: expected 2 or 3, got ${typeName(v)}`)
    version = v as 2 | 3
  }

  if (typeof suite !== 'string') schema(`encrypted.suite: expected string, got ${typeName(suite)}`)
  if (!isSuite(suite)) return schema('encrypted.suite: unsupported suite')
  const sizes = suiteSizes(suite)
  if (typeof nonce !== 'string') schema(`encrypted.nonce: expected string, got ${typeName(nonce)}`)
  if (typeof ciphertext !== 'string') {
    schema(`encrypted.ciphertext: expected string, got ${typeName(ciphertext)}`)
  }
  if (!Array.isArray(recipients)) {
    return schema(`encrypted.recipients: expected array, got ${typeName(recipients)}`)
  }
  if (recipients.length > LIMITS.maxRecipients) {
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `encrypted.recipients: ${recipients.length} entries exceeds ${LIMITS.maxRecipients}`,
    )
  }
  const sessions = Object.hasOwn(obj, 'sessions') ? checkSessions(obj['sessions'], version) : []
  // sessions.md §8: with session entries, an envelope may carry no wrap at all.
  const noWraps = recipients.length === 0 && sessions.length > 0
  if (
    !noWraps &&
    (recipients.length < RECIPIENT_BUCKET_FLOOR || !isPowerOfTwo(recipients.length))
  ) {
    schema(`encrypted.recipients: expected a power of two >= 2 entries, got ${recipients.length}`)
  }
  const wrapChars = base64urlLength(sizes.wrap)
  for (let i = 0; i < recipients.length; i++) {
    const r: unknown = recipients[i]
    if (typeof r !== 'string') {
      schema(`encrypted.recipients[${i}]: expected string, got ${typeName(r)}`)
    } else if (r.length !== wrapChars) {
      throw new ProtocolError(
        ErrorCode.INVALID_ENCODING,
        `encrypted.recipients[${i}]: expected ${wrapChars} characters, got ${r.length}`,
      )
    }
  }
  const routes = Object.hasOwn(obj, 'routes') ? checkRoutes(obj['routes']) : []
  // envelope.md §5.3: the binary fields together must fit the resource size limit.
  const total =
    (nonce as string).length +
    (ciphertext as string).length +
    recipients.length * wrapChars +
    sessions.length * SESSION_ENTRY_CHARS +
    routes.length * 22
  if (total > LIMITS.maxResourceBytes) {
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `encrypted: ${total} characters exceeds ${LIMITS.maxResourceBytes}`,
    )
  }

  const nonceBytes = fromBase64url(nonce as string, 'encrypted.nonce')
  if (nonceBytes.length !== NONCE_BYTES) {
    throw new ProtocolError(
      ErrorCode.INVALID_ENCODING,
      `encrypted.nonce: expected ${NONCE_BYTES} bytes, got ${nonceBytes.length}`,
    )
  }
  const ct = fromBase64url(ciphertext as string, 'encrypted.ciphertext')
  const padded = ct.length - TAG_BYTES
  if (!isBucketSize(version, padded)) {
    schema(`encrypted.ciphertext: expected a padding bucket plus 16 bytes, got ${ct.length} bytes`)
  }
  const wraps = recipients.map((r, i) => fromBase64url(r as string, `encrypted.recipients[${i}]`))
  const entries = Object.hasOwn(obj, 'sessions')
    ? sessions.map((r, i) => fromBase64url(r, `encrypted.sessions[${i}]`))
    : undefined
  return Object.freeze({
    version,
    suite,
    nonce: nonceBytes,
    ciphertext: ct,
    recipients: Object.freeze(wraps),
    ...(entries && { sessions: Object.freeze(entries) }),
  })
}

/** Characters of one session entry (116 bytes). */
const SESSION_ENTRY_CHARS = base64urlLength(SESSION_ENTRY_BYTES)

/**
 * The `sessions` member's shape (sessions.md §8): profile 2 only, an array of a power of two
 * >= 2 strings of 156 characters, at most LIMITS.maxRecipients.
 * @throws SCHEMA_VIOLATION, LIMIT_EXCEEDED, INVALID_ENCODING
 */
function checkSessions(value: unknown, version: EnvelopeVersion): string[] {
  if (version === 1) schema('encrypted.sessions: only in a profile 2 or 3 envelope (v: 2 or 3)')
  if (!Array.isArray(value))
    return schema(`encrypted.sessions: expected array, got ${typeName(value)}`)
  if (value.length > LIMITS.maxRecipients) {
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `encrypted.sessions: ${value.length} entries exceeds ${LIMITS.maxRecipients}`,
    )
  }
  if (value.length < RECIPIENT_BUCKET_FLOOR || !isPowerOfTwo(value.length)) {
    schema(`encrypted.sessions: expected a power of two >= 2 entries, got ${value.length}`)
  }
  for (let i = 0; i < value.length; i++) {
    const r: unknown = value[i]
    if (typeof r !== 'string') {
      schema(`encrypted.sessions[${i}]: expected string, got ${typeName(r)}`)
    } else if (r.length !== SESSION_ENTRY_CHARS) {
      throw new ProtocolError(
        ErrorCode.INVALID_ENCODING,
        `encrypted.sessions[${i}]: expected ${SESSION_ENTRY_CHARS} characters, got ${r.length}`,
      )
    }
  }
  return value as string[]
}
