/**
 * Signing resources (docs/protocol/resource.md §4): build the canonical inner container of a
 * draft, checked by the receiver's rules, sign it with one or more keys, and hand back the same
 * decoded form decodeResource (resource.ts) gives for the bytes, built from the parts at hand.
 * @module
 */
import { toBase64url, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { LIMITS, PROFILE_VERSION, SIGNATURE_ALG } from '../domain.js'
import { isDerivedKey } from '../identity/keys.js'
import type { SigningKey } from '../identity/keys.js'
import { canonicalize } from '../json.js'
import type { Json, JsonObject } from '../json.js'
import { encodeSigned } from './compact.js'
import { assertDigest, violation } from './fields.js'
import {
  asciiBytes,
  assemble,
  assertResourceSize,
  decodeBuiltInner,
  formatOuterLayout,
  withSigningInput,
} from './resource.js'
import type { DecodedResource, SignatureEntry } from './resource.js'
import type { ContentKind } from './schemas.js'
import { rememberCompact } from './signed-parts.js'

/** What a caller fills in to publish a resource. */
export interface ResourceDraft<K extends ContentKind = ContentKind> {
  readonly kind: K
  /** The schema data, as JSON (validated before signing). */
  readonly data: Json
  readonly user: string
  readonly trust?: string
  readonly action?: 'update' | 'delete'
  readonly replaces?: string
  /** Epoch ms; defaults to now. */
  readonly created?: number
}

/**
 * Build the canonical inner container of a draft, validating it exactly as a receiver would.
 * @throws SCHEMA_VIOLATION, UNKNOWN_SCHEMA
 */
export function buildPayload(draft: ResourceDraft): string {
  return buildInner(draft).payload
}

/** {@link buildPayload} with what the receiver's decode of the inner text gives. */
function buildInner(draft: ResourceDraft): {
  payload: string
  inner: ReturnType<typeof decodeBuiltInner>
} {
  const header: JsonObject = { user: draft.user }
  if (draft.trust !== undefined) header['trust'] = draft.trust
  if (draft.action !== undefined) header['action'] = draft.action
  if (draft.replaces !== undefined) header['replaces'] = draft.replaces
  const container: JsonObject = {
    sdmp: {
      version: PROFILE_VERSION,
      schemas: ['resource', draft.kind],
      created: new Date(draft.created ?? Date.now()).toISOString(),
    },
    resource: header,
    [draft.kind]: draft.data,
  }
  const text = canonicalize(container)
  // The sender checks what every receiver will check, on what parsing the text would give.
  const inner = decodeBuiltInner(text, container)
  return { payload: toBase64url(utf8(text)), inner }
}

/** Protected headers by signer fingerprint (a node signs with one or two keys). */
const headers = new Map<string, string>()

/** base64url(JCS({"alg":"EdDSA","kid":kid})), the same text for every resource `kid` signs. */
function protectedHeader(kid: string): string {
  let text = headers.get(kid)
  if (text === undefined) {
    if (headers.size >= 64) headers.clear()
    text = toBase64url(utf8(canonicalize({ alg: SIGNATURE_ALG, kid })))
    headers.set(kid, text)
  }
  return text
}

/**
 * The public key of each signature {@link signResource} made, by the object it returned
 * (resource.md §4 "Signed here"). checkResource takes such a signature as valid under that key
 * instead of verifying it again: the sender's node ingests what it has just signed (two
 * signatures per message; ~4% of a sending daemon's CPU). Only objects signResource returned
 * are here, so bytes from anywhere else, even the same bytes decoded again, are verified.
 */
const signedHere = new WeakMap<DecodedResource, readonly (Uint8Array | undefined)[]>()

/**
 * The keys {@link signResource} signed `r` with in this process, by signature (undefined for a
 * key not made by `signingKeyFromSeed`), or undefined (see signedHere).
 */
export function signedKeysOf(r: DecodedResource): readonly (Uint8Array | undefined)[] | undefined {
  return signedHere.get(r)
}

/**
 * Sign a draft with one or more keys (a resource may carry several signatures).
 *
 * The result is what decodeResource (resource.ts) gives for its bytes (a property test holds them
 * equal), built from the parts at hand instead of decoding them again: the inner container was
 * decoded by the receiver's rules while building it, and the outer layout, identifier and
 * protected headers are canonical by construction. Only the size limit and the distinct signers
 * are left to check.
 * @example const r = signResource(provider, { kind: 'post', data: { body: 'hi', type: 'text' }, user: me.fingerprint }, [me])
 * @throws SCHEMA_VIOLATION, UNKNOWN_SCHEMA, LIMIT_EXCEEDED
 */
export function signResource(
  provider: CryptoProvider,
  draft: ResourceDraft,
  signers: readonly SigningKey[],
): DecodedResource {
  if (signers.length === 0 || signers.length > LIMITS.maxSignatures)
    throw new RangeError('signers: expected 1..8 keys')
  const { payload, inner } = buildInner(draft)
  const identifier = toBase64url(withSigningInput(undefined, payload, (b) => provider.sha512(b)))
  const entries = signers.map((k): SignatureEntry => {
    const kid = assertDigest(k.fingerprint, 'signer.fingerprint')
    const protectedText = protectedHeader(kid)
    const signature = withSigningInput(protectedText, payload, (input) =>
      provider.ed25519.sign(k.seed, input),
    )
    return Object.freeze({ kid, protectedText, signature })
  })
  if (entries.length > 1 && new Set(entries.map((e) => e.kid)).size !== entries.length)
    violation('signature.signatures', 'duplicate kid')
  // Every part is base64url: the canonical layout is written as text, and its bytes are ASCII.
  const outer = formatOuterLayout(
    identifier,
    payload,
    entries.map((e) => ({ protected: e.protectedText, signature: toBase64url(e.signature) })),
  )
  const bytes = asciiBytes(outer)
  assertResourceSize(bytes)
  // Its compact form while the parts are at hand: whatever this node signs, it encodes
  // (signed-parts.ts). A container the encoder refuses is left to the general path's error.
  try {
    const signatures = entries.map((e) => ({
      header: { alg: SIGNATURE_ALG, kid: e.kid },
      signature: e.signature,
    }))
    const parts = { version: PROFILE_VERSION, container: inner.container, signatures }
    rememberCompact(bytes, encodeSigned(provider, parts, bytes.length))
  } catch {
    // encodeCompactResource(bytes) gives the error, if anyone asks
  }
  const signed = assemble(identifier, bytes, payload, entries, inner)
  signedHere.set(
    signed,
    Object.freeze(signers.map((k) => (isDerivedKey(k) ? k.publicKey : undefined))),
  )
  return signed
}
