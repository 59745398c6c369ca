/**
 * Envelopes that carry session entries (docs/protocol/sessions.md §8): the content key of a
 * profile 2 envelope goes to each reading node in a 116-byte session entry when the sender has a
 * usable session with it, in a prekey wrap otherwise (which starts a session), and to the
 * sealing node itself in a self entry. Opening tries the self keys, then the sessions with the
 * sealing node, then the prekey wraps, and fails uniformly.
 * @module
 */
import { base64urlLength, concatBytes, toHex, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { LIMITS, SUITE_HYBRID } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import type { EncryptedData, EnvelopeBytes } from '../envelope/encrypted-data.js'
import { openWithCandidates, sealPadded, wrapCandidates } from '../envelope/envelope.js'
import type { Candidate } from '../envelope/envelope.js'
import {
  LENGTH_PREFIX_BYTES,
  padPlaintext,
  recipientBucket,
  sizeBucketOf,
} from '../envelope/padding.js'
import {
  KEY_BYTES,
  NONCE_BYTES,
  SESSION_ENTRY_BYTES,
  TAG_BYTES,
  X25519_BYTES,
  suiteSizes,
} from '../envelope/suites.js'
import { assertRecipientPublicKey } from '../envelope/wrap.js'
import { encodeCompactResource } from '../resource/compact.js'
import type { RandomSource, RecipientSecret } from '../envelope/wrap.js'
import { sessionOpen, sessionSeal, startInitiator, startResponder } from './session.js'
import type { Session } from './session.js'

const INFO_SELF = utf8('sdmp/session/v1/self')
const SELF_AAD = utf8('sdmp/session/v1/self')
/** Zero bytes after K in a self entry's plaintext, so the entry is 116 bytes like the others. */
const SELF_FILL = SESSION_ENTRY_BYTES - NONCE_BYTES - TAG_BYTES - KEY_BYTES

/**
 * The key of a node's self entries (sessions.md §8.2), from one of its prekey secrets:
 * HKDF-SHA256(salt = the prekey's public key, IKM = its secret key, "sdmp/session/v1/self", 32).
 * It is erased with the prekey secret, so self entries have the forward secrecy of a prekey.
 */
export function selfEntryKey(provider: CryptoProvider, secret: RecipientSecret): Uint8Array {
  return provider.hkdf('sha256', secret.secretKey, secret.publicKey, INFO_SELF, 32)
}

/** What {@link sealSessionEnvelope} seals to. */
export interface SessionSealInput {
  /** Fingerprint of the sealing node (the outer resource's signer). */
  readonly self: string
  /** ms since the epoch (the start time of new sessions). */
  readonly now: number
  /**
   * Reading nodes without a usable session, each with its newest valid prekey: each gets a
   * prekey wrap, which starts a session (sessions.md §2). A node may also be in `sessions` with
   * its pending start (sessions.md §6).
   */
  readonly prekeys: readonly { readonly node: string; readonly publicKey: Uint8Array }[]
  /**
   * The sessions to write an entry on, as `sendPlan` chose them: one per other reading node, or
   * until the peer writes on one, up to two (the pending start and the session of the peer's
   * start this node answers on) with the node in `prekeys` too. Each gets an entry.
   */
  readonly sessions: readonly Session[]
  /** The sealing node's self-entry key ({@link selfEntryKey}), when it reads its own envelopes. */
  readonly selfKey?: Uint8Array
  /**
   * Envelope profile: 2 (default, the form of the session vectors) or 3, whose plaintext is the
   * inner resource in the compact form (docs/protocol/compact.md §5); `inner` must then be a
   * resource's canonical JSON bytes. sealSessionResource seals 3.
   */
  readonly version?: 2 | 3
}

/**
 * Seal `inner` (the signed inner resource) as a profile 2 (or 3) envelope with a `sessions` member.
 * Returns the envelope and every session it advanced or started: the caller must store them
 * durably BEFORE it publishes the envelope (sessions.md §7), so no message key is ever used twice.
 * @param random for vectors and tests only (see SealOptions.random)
 * @throws BAD_REQUEST (no reading node at all, an invalid prekey, a node twice), LIMIT_EXCEEDED
 */
export function sealSessionEnvelope(
  provider: CryptoProvider,
  inner: Uint8Array,
  input: SessionSealInput,
  random: RandomSource = (n) => provider.randomBytes(n),
): { data: EncryptedData; sessions: Session[] } {
  // One wrap per other reading node, and at most two entries on distinct sessions: until the
  // peer writes on a session, sendPlan adds a wrap and entries on the pending start and on the
  // session of the peer's start this node answers on (sessions.md §6).
  const wrapped = input.prekeys.map((p) => p.node)
  const entries = input.sessions.map((s) => s.peer)
  const perNode = new Map<string, number>()
  for (const n of entries) perNode.set(n, (perNode.get(n) ?? 0) + 1)
  if (
    new Set(wrapped).size !== wrapped.length ||
    wrapped.includes(input.self) ||
    perNode.has(input.self) ||
    [...perNode.values()].some((c) => c > 2) ||
    new Set(input.sessions.map((s) => s.id)).size !== input.sessions.length
  )
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'sessions: one wrap and at most two entries, on distinct sessions, per other reading node',
    )
  const entryCount = input.sessions.length + (input.selfKey ? 1 : 0)
  if (input.prekeys.length === 0 && entryCount === 0)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'recipients: expected at least 1 reading node')
  const version = input.version ?? 2
  if (version === 3) inner = encodeCompactResource(provider, inner)
  const keys = input.prekeys.map((p, i) =>
    assertRecipientPublicKey(SUITE_HYBRID, p.publicKey, `recipients[${i}].publicKey`),
  )
  const wraps = keys.length === 0 ? 0 : recipientBucket(keys.length)
  const total =
    base64urlLength(NONCE_BYTES) +
    base64urlLength(sizeBucketOf(version, LENGTH_PREFIX_BYTES + inner.length) + TAG_BYTES) +
    wraps * base64urlLength(suiteSizes(SUITE_HYBRID).wrap) +
    recipientBucket(Math.max(1, entryCount)) * base64urlLength(SESSION_ENTRY_BYTES)
  if (total > LIMITS.maxResourceBytes)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `encrypted: ${total} characters exceeds ${LIMITS.maxResourceBytes}`,
    )

  const out: Session[] = []
  const data = sealPadded(
    provider,
    padPlaintext(inner, version),
    keys,
    SUITE_HYBRID,
    random,
    version,
    {
      wrapped: (i, d) => {
        const p = input.prekeys[i]!
        out.push(
          startInitiator(provider, {
            prk: d.prk,
            eph: d.eph,
            prekeyX25519Public: p.publicKey.subarray(p.publicKey.length - X25519_BYTES),
            self: input.self,
            peer: p.node,
            now: input.now,
          }),
        )
      },
      sessions: (k) => {
        const list: Uint8Array[] = []
        for (const s of input.sessions) {
          const sealed = sessionSeal(provider, s, k, random)
          list.push(sealed.entry)
          out.push(sealed.session)
        }
        if (input.selfKey) {
          const r = random(NONCE_BYTES)
          const plain = concatBytes(k, new Uint8Array(SELF_FILL))
          list.push(
            concatBytes(r, provider.chacha20poly1305.seal(input.selfKey, r, plain, SELF_AAD)),
          )
        }
        return list
      },
    },
  )
  return { data, sessions: out }
}

/** What {@link openSessionEnvelope} opens with. */
export interface SessionOpenInput {
  /** Fingerprint of the reading node. */
  readonly self: string
  /** Fingerprint of the sealing node: the outer resource's signer. */
  readonly peer: string
  readonly now: number
  /** The reading node's prekey secrets (wraps; and its self keys when it sealed the envelope). */
  readonly secrets: readonly RecipientSecret[]
  /** The reading node's sessions with `peer` (keepSession: at most 2 * MAX_SESSIONS_PER_PEER + 1). */
  readonly sessions: readonly Session[]
}

type Found =
  | { readonly kind: 'self' }
  | { readonly kind: 'session'; readonly session: Session }
  | {
      readonly kind: 'wrap'
      readonly starts: boolean
      readonly secret: RecipientSecret
      readonly prk: Uint8Array
      readonly ephPublic: Uint8Array
    }

/**
 * Open an envelope with sessions or without (sessions.md §8): self entries with the self keys
 * (only when the reader sealed it), session entries with the sessions with the sealing node,
 * then prekey wraps with the prekey secrets. Returns the inner bytes and, when the state
 * changed, the session to store with what the caller indexes (an advanced session, or the
 * responder session a prekey wrap starts). Inputs are never changed.
 * @throws SCHEMA_VIOLATION, INVALID_ENCODING, LIMIT_EXCEEDED (shape); DECRYPT_FAILED (every
 *   other failure, uniformly: no session, a replayed or tampered entry, a counter jump)
 */
export function openSessionEnvelope(
  provider: CryptoProvider,
  data: EncryptedData | unknown,
  input: SessionOpenInput,
  random: RandomSource = (n) => provider.randomBytes(n),
): { inner: Uint8Array; session?: Session } {
  // In the order of sessions.md §8.3, worked out lazily: the first candidate that opens the
  // content wins, so the entries after it, and the prekey wraps (a KEM decapsulation each),
  // are not tried once a session entry has opened it.
  const opened = openWithCandidates<Found>(provider, data, function* (env) {
    yield* selfCandidates(provider, env, input)
    yield* sessionCandidates(provider, env, input, random)
    for (const c of wrapCandidates(provider, env, input.secrets))
      yield {
        key: c.key,
        // Only a sender that seals with sessions keeps the initiator's state; it always adds
        // the member (dummies at least), so a wrap in an envelope without it starts nothing.
        tag: { kind: 'wrap' as const, starts: env.sessions !== undefined, ...c.tag },
      }
  })
  const found = opened.tag
  if (found.kind === 'session') return { inner: opened.inner, session: found.session }
  if (found.kind === 'self' || !found.starts || found.secret.suite !== SUITE_HYBRID)
    return { inner: opened.inner }
  if (input.peer === input.self) return { inner: opened.inner }
  const session = startResponder(
    provider,
    {
      prk: found.prk,
      ephPublic: found.ephPublic,
      prekeyX25519Secret: found.secret.secretKey.subarray(-X25519_BYTES),
      self: input.self,
      peer: input.peer,
      now: input.now,
    },
    random,
  )
  // The same prekey message indexed again: its session exists and has moved on; keep it.
  if (input.sessions.some((s) => s.id === session.id)) return { inner: opened.inner }
  return { inner: opened.inner, session }
}

function selfCandidates(
  provider: CryptoProvider,
  env: EnvelopeBytes,
  input: SessionOpenInput,
): Candidate<Found>[] {
  if (input.peer !== input.self || env.sessions === undefined) return []
  const out: Candidate<Found>[] = []
  const seen = new Set<string>()
  for (const secret of input.secrets) {
    const key = selfEntryKey(provider, secret)
    if (seen.has(toHex(key))) continue
    seen.add(toHex(key))
    for (const entry of env.sessions) {
      const plain = provider.chacha20poly1305.open(
        key,
        entry.subarray(0, NONCE_BYTES),
        entry.subarray(NONCE_BYTES),
        SELF_AAD,
      )
      if (
        plain &&
        plain.length === KEY_BYTES + SELF_FILL &&
        plain.subarray(KEY_BYTES).every((b) => b === 0)
      )
        out.push({ key: plain.slice(0, KEY_BYTES), tag: { kind: 'self' } })
    }
  }
  return out
}

/** Each session entry that one of the reader's sessions with the sealing node opens, in order. */
function* sessionCandidates(
  provider: CryptoProvider,
  env: EnvelopeBytes,
  input: SessionOpenInput,
  random: RandomSource,
): Generator<Candidate<Found>> {
  if (env.sessions === undefined || input.sessions.length === 0) return
  for (const entry of env.sessions) {
    let r
    try {
      r = sessionOpen(provider, input.sessions, entry, input.now, random)
    } catch (e) {
      // A hostile counter jump (LIMIT_EXCEEDED) fails like everything else: uniformly.
      if (!(e instanceof ProtocolError)) throw e
    }
    if (r) yield { key: r.key, tag: { kind: 'session', session: r.session } }
  }
}
