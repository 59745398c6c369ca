/**
 * Private resources: sign-then-encrypt (docs/protocol/envelope.md §1). The author's node signs
 * the inner resource (a message or receipt), seals it to the newest prekey of every recipient
 * node, and publishes the envelope as an `encrypted` resource it signs itself. Hosts store and
 * serve that outer resource without being able to open it.
 * @module
 */
import { fromBase64url, fromBase64urlExact } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { openEnvelope, sealEnvelope } from '../envelope/envelope.js'
import type { SealOptions } from '../envelope/envelope.js'
import type { EncryptedData } from '../envelope/encrypted-data.js'
import { openSessionEnvelope, sealSessionEnvelope } from '../session/session-envelope.js'
import type { SessionOpenInput, SessionSealInput } from '../session/session-envelope.js'
import type { Session } from '../session/session.js'
import { prekeyId } from '../envelope/prekey.js'
import { makeRoutes } from '../envelope/routes.js'
import type { PrekeyRecord } from '../envelope/prekey.js'
import type { RandomSource, RecipientSecret } from '../envelope/wrap.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import type { SigningKey } from '../identity/keys.js'
import type { JsonObject } from '../json.js'
import type { TrustView } from '../trust/trust-graph.js'
import { validateResource } from './ingest.js'
import type { Verified } from './ingest.js'
import type { DecodedResource } from './resource.js'
import { signResource } from './sign.js'
import type { ContentData, ContentKind } from './schemas.js'

/** Kinds that may travel sealed inside an `encrypted` resource. */
export const SEALABLE_KINDS: readonly ContentKind[] = Object.freeze([
  'message',
  'receipt',
  'contacts',
  'group',
])

/** The prekey record of a verified `prekey` resource (its signer is the owning node). */
export function prekeyRecordOf(provider: CryptoProvider, v: Verified): PrekeyRecord {
  if (v.kind !== 'prekey') throw new TypeError('prekeyRecordOf: not a prekey resource')
  const d = v.data as ContentData<'prekey'>
  const publicKey = fromBase64urlExact(d.key, 1216, 'prekey.key')
  return Object.freeze({
    node: v.signers[0]!,
    keyId: prekeyId(provider, publicKey),
    publicKey,
    created: v.created,
    expires: d.expires,
  })
}

/** Who sends: the node key and the user and trust it signs under. */
export interface Sender {
  readonly key: SigningKey
  readonly user: string
  readonly trust?: string
}

/**
 * Seal an already-signed inner resource for the given recipient prekeys (normally
 * `selectPrekeys` over the recipients' and the sender's own reading nodes) and wrap the
 * envelope in an `encrypted` resource signed by the sending node. `options.readers` (the reader
 * user fingerprints: recipients and the author) adds the routing tags of envelope.md §12, which
 * sync needs to offer the envelope to its readers' nodes only (sync.md §10); without it the
 * envelope is untagged (profile 1.0) and is offered to the author's own nodes only.
 * @throws BAD_REQUEST (no recipients, an unsealable kind), LIMIT_EXCEEDED
 * @example const outer = sealResource(provider, inner, selectPrekeys(records, now), sender)
 */
export function sealResource(
  provider: CryptoProvider,
  inner: DecodedResource,
  recipients: readonly PrekeyRecord[],
  sender: Sender,
  options: SealOptions & {
    created?: number
    readers?: readonly string[]
    /**
     * An outer delete (docs/protocol/edits.md §3): the envelope also asks hosts, who cannot
     * open it, to drop the bytes of the encrypted resource `replaces` (same publisher user).
     */
    replaces?: string
  } = {},
): DecodedResource<'encrypted'> {
  const { created, readers, replaces, ...seal } = options
  assertSealable(inner)
  const sealed = sealEnvelope(provider, inner.bytes, recipients, seal)
  return wrapSealed(provider, inner, sealed, sender, { created, readers, replaces })
}

/** Options of {@link sealResource} and {@link sealSessionResource} about the outer resource. */
interface OuterOptions {
  created?: number | undefined
  readers?: readonly string[] | undefined
  replaces?: string | undefined
}

/**
 * {@link sealResource} with sessions (docs/protocol/sessions.md §8): a profile 3 envelope whose
 * content key reaches each reading node by a session entry or a prekey wrap, and the sealing
 * node by a self entry. Returns the outer resource and the sessions it advanced or started,
 * which the caller stores durably BEFORE publishing (sessions.md §7).
 * @throws BAD_REQUEST, LIMIT_EXCEEDED
 */
export function sealSessionResource(
  provider: CryptoProvider,
  inner: DecodedResource,
  input: SessionSealInput,
  sender: Sender,
  options: OuterOptions & { random?: RandomSource } = {},
): { outer: DecodedResource<'encrypted'>; sessions: Session[] } {
  assertSealable(inner)
  const { random, ...outer } = options
  // Profile 3 (compact.md §5): the inner resource is sealed in the compact form, which takes a
  // short text from ~1.2 KB of plaintext to ~0.5 KB.
  const sealed = sealSessionEnvelope(provider, inner.bytes, { version: 3, ...input }, random)
  return {
    outer: wrapSealed(provider, inner, sealed.data, sender, outer),
    sessions: sealed.sessions,
  }
}

function assertSealable(inner: DecodedResource): void {
  if (!SEALABLE_KINDS.includes(inner.kind))
    throw new ProtocolError(ErrorCode.BAD_REQUEST, `encrypted: a ${inner.kind} is not sealed`)
}

/** The outer `encrypted` resource around a sealed envelope, signed by the sending node. */
function wrapSealed(
  provider: CryptoProvider,
  inner: DecodedResource,
  sealed: EncryptedData,
  sender: Sender,
  { created, readers, replaces }: OuterOptions,
): DecodedResource<'encrypted'> {
  // envelope.md §12: one routing tag per reader user other than the author (the author is the
  // outer resource's user, in clear anyway), so hosts can route without opening.
  const others = readers?.filter((u) => u !== sender.user)
  const data = (others === undefined
    ? sealed
    : {
        ...sealed,
        routes: makeRoutes(provider, fromBase64url(sealed.nonce), others),
      }) as unknown as JsonObject
  const draft = {
    kind: 'encrypted' as const,
    data,
    user: sender.user,
    created: created ?? inner.created,
    ...(replaces !== undefined && { action: 'delete' as const, replaces }),
  }
  return signResource(
    provider,
    sender.trust === undefined ? draft : { ...draft, trust: sender.trust },
    [sender.key],
  ) as DecodedResource<'encrypted'>
}

/**
 * Open a verified `encrypted` resource with this node's prekey secrets and validate the inner
 * resource like any other. The inner author must be the outer publisher's user (no re-sealing
 * of someone else's message), and a message must name `reader` among its recipients unless the
 * reader wrote it, or name one of `principals`: users who delegated reading to `reader`, as the
 * caller has checked (docs/protocol/delegation.md §4).
 * @throws DECRYPT_FAILED (uniform, whatever failed inside the envelope); the validation codes of
 *   the inner resource; FORBIDDEN when the binding checks fail
 */
export function openResource(
  provider: CryptoProvider,
  outer: Verified,
  secrets: readonly RecipientSecret[],
  trust: TrustView,
  { now, reader, principals }: { now: number; reader?: string; principals?: readonly string[] },
): Verified {
  if (outer.kind !== 'encrypted') throw new TypeError('openResource: not an encrypted resource')
  // The validated data, not the raw JSON: its bytes were kept when it was decoded (encrypted-data.ts).
  const bytes = openEnvelope(provider, outer.data, secrets)
  return checkOpened(provider, outer, bytes, trust, { now, reader, principals })
}

/**
 * {@link openResource} with sessions (docs/protocol/sessions.md §8): the reading node's
 * sessions with the outer resource's signer (the sealing node) are tried too. Returns the
 * inner resource and, when it changed, the session to store in the same commit as what the
 * caller indexes (sessions.md §7). The session is returned only if the inner resource is valid.
 * @throws as openResource
 */
export function openSessionResource(
  provider: CryptoProvider,
  outer: Verified,
  input: Omit<SessionOpenInput, 'peer' | 'now'>,
  trust: TrustView,
  { now, reader, principals }: { now: number; reader?: string; principals?: readonly string[] },
): { inner: Verified; session?: Session } {
  if (outer.kind !== 'encrypted') throw new TypeError('openResource: not an encrypted resource')
  const peer = outer.signers[0]!
  // As openResource: the validated data opens from the bytes its decoding kept.
  const opened = openSessionEnvelope(provider, outer.data, { ...input, peer, now })
  const inner = checkOpened(provider, outer, opened.inner, trust, { now, reader, principals })
  return { inner, ...(opened.session && { session: opened.session }) }
}

function checkOpened(
  provider: CryptoProvider,
  outer: Verified,
  bytes: Uint8Array,
  trust: TrustView,
  {
    now,
    reader,
    principals,
  }: { now: number; reader?: string | undefined; principals?: readonly string[] | undefined },
): Verified {
  const inner = validateResource(provider, bytes, trust, { now })
  if (!SEALABLE_KINDS.includes(inner.kind))
    throw new ProtocolError(
      ErrorCode.FORBIDDEN,
      `encrypted: a sealed ${inner.kind} is not accepted`,
    )
  if (inner.header.user !== outer.header.user)
    throw new ProtocolError(ErrorCode.FORBIDDEN, 'encrypted: inner author is not the publisher')
  // A contact list is for its own user's devices only.
  if (reader !== undefined && inner.kind === 'contacts' && reader !== inner.header.user)
    throw new ProtocolError(ErrorCode.FORBIDDEN, 'encrypted: a contact list of another user')
  if (reader !== undefined && inner.kind === 'message' && reader !== inner.header.user) {
    const to = (inner.data as ContentData<'message'>).to
    if (!to.includes(reader) && !(principals ?? []).some((p) => to.includes(p)))
      throw new ProtocolError(
        ErrorCode.FORBIDDEN,
        'encrypted: message is not addressed to this user',
      )
  }
  return inner
}
