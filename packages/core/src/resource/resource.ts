/**
 * Signed resources: their decoded form and decoding (docs/protocol/resource.md); signing is in
 * sign.ts, which builds the same form from the parts it has.
 *
 * Wire form (JCS canonical JSON, UTF-8):
 *   {"sdmp":{"schemas":["signature"],"version":"1.0"},
 *    "signature":{"identifier":ID,"payload":P,"signatures":[{"protected":H,"signature":S}]}}
 * P = base64url(JCS(inner container)), ID = base64url(SHA-512(ASCII of P)),
 * H = base64url(JCS({"alg":"EdDSA","kid":FP})), S = Ed25519 over ASCII of H + "." + P (JWS).
 * @module
 */
import { equalsBase64url, fromBase64url, fromBase64urlExact, fromUtf8, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { LIMITS, PROFILE_VERSION, SIGNATURE_ALG, SUPPORTED_VERSIONS } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import { assertTextSize, canonicalCopy, isJsonObject, parseCanonical } from '../json.js'
import type { Json, JsonObject } from '../json.js'
import {
  assertArray,
  assertDigest,
  assertEnum,
  assertObject,
  assertTimestamp,
  violation,
} from './fields.js'
import { CONTENT_SCHEMAS, decodeHeader, isContentKind } from './schemas.js'
import type { ContentData, ContentKind, ResourceHeader } from './schemas.js'

/** One signature entry after decoding. */
export interface SignatureEntry {
  /** Signer key fingerprint from the protected header. */
  readonly kid: string
  readonly signature: Uint8Array
  /** The protected header text, part of the signing input. */
  readonly protectedText: string
}

/** A structurally valid resource whose signatures are not yet checked. */
export interface DecodedResource<K extends ContentKind = ContentKind> {
  readonly id: string
  /** Canonical encoded bytes, exactly as stored and sent. */
  readonly bytes: Uint8Array
  readonly payload: string
  /** An entry's signing input is written when it is checked ({@link withSigningInput}). */
  readonly signatures: readonly SignatureEntry[]
  readonly version: string
  readonly created: number
  readonly header: ResourceHeader
  readonly kind: K
  readonly data: ContentData<K>
  /** The raw schema data as JSON, for re-encoding or display. */
  readonly raw: Json
}

const encoder = new TextEncoder()
/** Encode text already known to be ASCII (base64url fields after decoding): no surrogate scan. */
export const asciiBytes = (s: string) => encoder.encode(s)

/**
 * Decode and structurally validate a resource: size, UTF-8, canonical JSON, container rules,
 * identifier, protected headers and every schema. Signatures are NOT verified here.
 * @throws INVALID_ENCODING, LIMIT_EXCEEDED, SCHEMA_VIOLATION, UNKNOWN_SCHEMA, UNSUPPORTED_VERSION
 */
export function decodeResource(provider: CryptoProvider, input: Uint8Array): DecodedResource {
  if (!(input instanceof Uint8Array))
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'resource: expected bytes')
  assertResourceSize(input)
  const text = fromUtf8(input, 'resource')
  // Fast path for the one canonical layout (resource.md §1); anything else takes the general
  // path, which accepts the same set of inputs and says precisely what is wrong.
  // With a native payload decoder, the fast path finds the payload's end by its closing quote
  // and decodes it first: a payload that is not strict base64url carrying UTF-8 sends the whole
  // text to the general path, so errors and their order stay exactly those of that path.
  const native = provider.decodeBase64urlText !== undefined
  let fast = parseOuterLayout(text, native)
  let innerText: string | undefined
  if (fast && native) {
    innerText = provider.decodeBase64urlText!(fast.payload)
    if (innerText === undefined) fast = undefined
  }
  let identifier: string
  let payload: string
  let rawSignatures: Json
  let payloadBytes: Uint8Array
  if (fast) {
    // Already known to be base64url characters: the length is all assertDigest would add.
    identifier =
      fast.identifier.length === 86
        ? fast.identifier
        : assertDigest(fast.identifier, 'signature.identifier')
    payload = fast.payload
    rawSignatures = fast.signatures
    // The payload is ASCII and everything before it is ASCII: hash the input bytes in place.
    payloadBytes = input.subarray(fast.payloadStart, fast.payloadStart + payload.length)
  } else {
    const o = assertObject(parseCanonical(text, 'resource'), 'resource', ['sdmp', 'signature'])
    const sdmp = assertObject(o['sdmp'], 'resource.sdmp', ['version', 'schemas'])
    checkVersion(sdmp['version'], 'resource.sdmp.version')
    assertArray(
      sdmp['schemas'],
      'resource.sdmp.schemas',
      (x, l) => assertEnum(x, l, ['signature'] as const),
      1,
      1,
    )
    const sig = assertObject(o['signature'], 'signature', ['identifier', 'payload', 'signatures'])
    identifier = assertDigest(sig['identifier'], 'signature.identifier')
    if (typeof sig['payload'] !== 'string') violation('signature.payload', 'expected string')
    payload = sig['payload']
    rawSignatures = sig['signatures']!
    payloadBytes = utf8(payload)
  }
  if (!equalsBase64url(provider.sha512(payloadBytes), identifier)) {
    throw new ProtocolError(
      ErrorCode.INVALID_ENCODING,
      'signature.identifier: does not match the payload',
    )
  }
  const signatures = assertArray(
    rawSignatures,
    'signature.signatures',
    decodeSignatureEntry,
    LIMITS.maxSignatures,
    1,
  )
  if (signatures.length > 1 && new Set(signatures.map((s) => s.kid)).size !== signatures.length)
    violation('signature.signatures', 'duplicate kid')
  const inner = decodeInner(
    innerText ??
      provider.decodeBase64urlText?.(payload) ??
      fromUtf8(fromBase64url(payload, 'signature.payload'), 'signature.payload'),
  )
  return assemble(identifier, input, payload, signatures, inner)
}

/**
 * Where signing inputs (and payloads to hash) are written: signing, verifying and hashing are
 * synchronous, so one buffer serves every call. A byte array of its own per input (~1 KB for a
 * short message) is allocated off the JS heap, and that cost ~1-2 us here, a fifth of decoding
 * the whole resource: decoded resources carried one per signature, and the sender made one per
 * signature and one per payload hash (docs/load.md §5 "Thirteenth pass"). The first 64 bytes
 * hold a signature to verify: a native verifier needs it off the JS heap too, and a 64-byte
 * array lives on it.
 */
let scratch = new Uint8Array(4096)
const INPUT_AT = 64

/**
 * Call `use` with the ASCII bytes of `head` (if any, followed by '.') and `payload`, both
 * base64url text, written to the shared buffer: with a protected header, the JWS signing input of
 * resource.md §4. With `signature`, `use` gets a copy of it from the same buffer. The views are
 * valid during the call only.
 */
export function withSigningInput<T>(
  head: string | undefined,
  payload: string,
  use: (input: Uint8Array, signature: Uint8Array) => T,
  signature?: Uint8Array,
): T {
  const at = INPUT_AT + (head === undefined ? 0 : head.length + 1)
  const n = at + payload.length
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, 2 * scratch.length))
  // base64url is ASCII: one byte per character (checked by decoding, or made by signing).
  if (head !== undefined) {
    encoder.encodeInto(head, scratch.subarray(INPUT_AT))
    scratch[at - 1] = 0x2e // '.'
  }
  encoder.encodeInto(payload, scratch.subarray(at))
  if (signature !== undefined) scratch.set(signature.subarray(0, INPUT_AT))
  try {
    return use(scratch.subarray(INPUT_AT, n), scratch.subarray(0, INPUT_AT))
  } finally {
    // The buffer of a large resource is not kept.
    if (scratch.length > 64 * 1024) scratch = new Uint8Array(4096)
  }
}

/** An entry's JWS signing input as bytes of its own (tests, baselines, workers). */
export function signingInputOf(entry: SignatureEntry, payload: string): Uint8Array {
  return withSigningInput(entry.protectedText, payload, (input) => input.slice())
}

/** @throws LIMIT_EXCEEDED over `LIMITS.maxResourceBytes` (signed or received alike) */
export function assertResourceSize(bytes: Uint8Array): void {
  if (bytes.length > LIMITS.maxResourceBytes)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `resource: ${bytes.length} bytes exceeds ${LIMITS.maxResourceBytes}`,
    )
}

/** The frozen decoded form, the same for signResource (sign.ts) and {@link decodeResource}. */
export function assemble(
  id: string,
  bytes: Uint8Array,
  payload: string,
  signatures: readonly SignatureEntry[],
  inner: ReturnType<typeof decodeInner>,
): DecodedResource {
  return Object.freeze({
    id,
    bytes,
    payload,
    signatures: Object.freeze(signatures),
    version: inner.version,
    created: inner.created,
    header: inner.header,
    kind: inner.kind,
    data: inner.data,
    raw: inner.raw,
  })
}

const OUTER_PREFIX = `{"sdmp":{"schemas":["signature"],"version":"${PROFILE_VERSION}"},"signature":{"identifier":"`

/**
 * Write the canonical outer layout {@link parseOuterLayout} reads, from base64url strings (the
 * caller's: identifier, payload, protected headers and signatures are its own encodings). Such
 * a text is the JCS form of the outer object (keys in order, no escapes), without a generic
 * walk of it; signResource's property test holds it equal to `canonicalize` of that object.
 */
export function formatOuterLayout(
  identifier: string,
  payload: string,
  signatures: readonly { readonly protected: string; readonly signature: string }[],
): string {
  let out = `${OUTER_PREFIX}${identifier}","payload":"${payload}","signatures":[`
  for (let i = 0; i < signatures.length; i++) {
    const e = signatures[i]!
    out += `${i ? ',' : ''}{"protected":"${e.protected}","signature":"${e.signature}"}`
  }
  return `${out}]}}`
}

const B64_RUN = /[A-Za-z0-9_-]*/y

/**
 * Match the exact canonical outer layout of this profile version:
 * `{"sdmp":{...},"signature":{"identifier":"I","payload":"P","signatures":[{"protected":"H","signature":"S"},...]}}`
 * with base64url-alphabet strings. Such a text is canonical JSON by construction, so no
 * generic parse and re-serialization is needed. Returns undefined for anything else. With
 * `payloadByQuote` the payload is not scanned here: the caller must refuse the layout unless
 * the payload is strict base64url.
 */
function parseOuterLayout(text: string, payloadByQuote: boolean) {
  if (!text.startsWith(OUTER_PREFIX)) return undefined
  let pos = OUTER_PREFIX.length
  const run = (): string => {
    B64_RUN.lastIndex = pos
    B64_RUN.test(text) // always matches (maybe empty); test() allocates no match array
    const value = text.slice(pos, B64_RUN.lastIndex)
    pos = B64_RUN.lastIndex
    return value
  }
  const expect = (literal: string): boolean => {
    if (!text.startsWith(literal, pos)) return false
    pos += literal.length
    return true
  }
  const identifier = run()
  if (!expect('","payload":"')) return undefined
  const payloadStart = pos
  let payload: string
  if (payloadByQuote) {
    // Any character up to the next quote: the caller refuses the layout unless the payload
    // decodes as strict base64url, i.e. unless it is the same run the alphabet scan would find.
    const end = text.indexOf('"', pos)
    if (end < 0) return undefined
    payload = text.slice(pos, end)
    pos = end
  } else payload = run()
  if (!expect('","signatures":[')) return undefined
  const signatures: { protected: string; signature: string }[] = []
  do {
    if (!expect('{"protected":"')) return undefined
    const prot = run()
    if (!expect('","signature":"')) return undefined
    const signature = run()
    if (!expect('"}')) return undefined
    signatures.push({ protected: prot, signature })
  } while (expect(','))
  if (!expect(']}}') || pos !== text.length) return undefined
  return { identifier, payload, payloadStart, signatures }
}

/**
 * The identifier a resource claims, read from its canonical layout without any check, or
 * undefined. For bookkeeping only (e.g. not echoing a resource back to the peer that sent it):
 * never a substitute for {@link decodeResource}.
 */
export function peekResourceId(bytes: Uint8Array): string | undefined {
  if (bytes.length < OUTER_PREFIX.length + 86) return undefined
  const head = new TextDecoder().decode(bytes.subarray(0, OUTER_PREFIX.length + 86))
  return head.startsWith(OUTER_PREFIX) ? head.slice(OUTER_PREFIX.length) : undefined
}

/**
 * Protected header text -> kid. A node sees the same few headers (one per signer) over and over;
 * caching the decoded kid saves a base64url decode and a JSON parse per resource. Bounded.
 */
const kidCache = new Map<string, string>()
const KID_CACHE_SIZE = 4096

function decodeSignatureEntry(v: Json, l: string): SignatureEntry {
  const o = assertObject(v, l, ['protected', 'signature'])
  if (typeof o['protected'] !== 'string' || o['protected'].length > 256)
    violation(`${l}.protected`, 'expected base64url string')
  const protectedText = o['protected']
  if (typeof o['signature'] !== 'string') violation(`${l}.signature`, 'expected string')
  const signature = fromBase64urlExact(o['signature'], 64, `${l}.signature`)
  const cached = kidCache.get(protectedText)
  if (cached !== undefined) return Object.freeze({ kid: cached, protectedText, signature })
  const header = parseCanonical(
    fromUtf8(fromBase64url(protectedText, `${l}.protected`), `${l}.protected`),
    `${l}.protected`,
  )
  const h = assertObject(header, `${l}.protected`, ['alg', 'kid'])
  assertEnum(h['alg'], `${l}.protected.alg`, [SIGNATURE_ALG])
  const kid = assertDigest(h['kid'], `${l}.protected.kid`)
  if (kidCache.size >= KID_CACHE_SIZE) kidCache.clear()
  kidCache.set(protectedText, kid)
  return Object.freeze({ kid, protectedText, signature })
}

function checkVersion(v: Json | undefined, label: string): string {
  if (typeof v !== 'string') violation(label, 'expected string')
  if (!SUPPORTED_VERSIONS.includes(v))
    throw new ProtocolError(ErrorCode.UNSUPPORTED_VERSION, `${label}: unsupported version`)
  return v
}

/** Validate the inner container text (must be canonical). */
export function decodeInner(text: string) {
  return decodeInnerValue(parseCanonical(text, 'payload'))
}

/**
 * {@link decodeInner} of a container the caller has just serialized as `text`: the same checks
 * on `canonicalCopy(container)`, which is what parsing `text` gives (json.ts), so a signer does
 * not parse its own text again (sign.ts).
 * @throws LIMIT_EXCEEDED, INVALID_ENCODING, SCHEMA_VIOLATION, UNKNOWN_SCHEMA, UNSUPPORTED_VERSION
 */
export function decodeBuiltInner(text: string, container: JsonObject) {
  assertTextSize(text, 'payload') // the text is what a receiver parses
  return decodeInnerValue(canonicalCopy(container, 'payload'))
}

function decodeInnerValue(inner: Json) {
  if (!isJsonObject(inner)) violation('payload', 'expected object')
  // Order matters for the error a sender sees (resource.md §6): version first (a newer container
  // may have other members), then the schema list, then the members the list implies.
  const sdmp = assertObject(inner['sdmp'], 'payload.sdmp', ['version', 'schemas', 'created'])
  const version = checkVersion(sdmp['version'], 'payload.sdmp.version')
  if (!Array.isArray(sdmp['schemas']) || sdmp['schemas'].length !== 2)
    violation('payload.sdmp.schemas', 'expected ["resource", <one content schema>]')
  const [first, kind] = sdmp['schemas']
  if (first !== 'resource') violation('payload.sdmp.schemas[0]', 'expected "resource"')
  if (typeof kind !== 'string' || !isContentKind(kind)) {
    throw new ProtocolError(
      ErrorCode.UNKNOWN_SCHEMA,
      'payload.sdmp.schemas[1]: not a bundled schema',
    )
  }
  // 0.13 container rule: data sits under a property named after each listed schema, nothing else.
  const o = assertObject(inner, 'payload', ['sdmp', 'resource', kind])
  const created = assertTimestamp(sdmp['created'], 'payload.sdmp.created')
  const header = decodeHeader(o['resource'])
  const raw = o[kind]!
  const data = (CONTENT_SCHEMAS[kind] as (v: Json, l: string) => unknown)(
    raw,
    kind,
  ) as ContentData<ContentKind>
  return { version, created, header, kind, data, raw, container: o }
}

/**
 * Verify one signature entry against a public key (predicate: false for anything invalid).
 */
export function verifySignatureEntry(
  provider: CryptoProvider,
  payload: string,
  entry: SignatureEntry,
  publicKey: Uint8Array,
): boolean {
  if (entry.signature.length !== 64) return false
  return withSigningInput(
    entry.protectedText,
    payload,
    (input, signature) => provider.ed25519.verify(signature, input, publicKey),
    entry.signature,
  )
}
