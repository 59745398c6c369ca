/**
 * Sessions between two nodes (docs/protocol/sessions.md): started by a hybrid prekey wrap
 * (PQXDH-like: the wrap's ML-KEM-768 + X25519 secrets seed the root key), then continued with
 * the Double Ratchet of ratchet.ts. This module holds a session's identity and bookkeeping, the
 * start on both sides, the sender's reset rule, and the vault form of the state.
 * @module
 */
import { fromBase64url, toBase64url, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import type { RandomSource } from '../envelope/wrap.js'
import { initInitiator, initResponder, ratchetOpen, ratchetSeal } from './ratchet.js'
import type { RatchetState } from './ratchet.js'

/** A session never sends after this age: the next message starts a new one (sessions.md §6). */
export const SESSION_MAX_AGE_MS = 24 * 60 * 60 * 1000
/**
 * Sessions kept per peer node by recent use (older ones still open late messages), beside those
 * the peer may still answer on ({@link keepSession}: at most twice this plus one in all).
 */
export const MAX_SESSIONS_PER_PEER = 4

/** One session with one peer node: identity, bookkeeping and the ratchet (sessions.md §7). */
export interface Session {
  /** 16 bytes from the start's key schedule: the same on both sides, never sent. */
  readonly id: string
  /** Fingerprint of the peer node. */
  readonly peer: string
  /** Who sent the prekey message. */
  readonly role: 'initiator' | 'responder'
  /** ms since the epoch when it started (for the age limit). */
  readonly created: number
  /** ms since the epoch when an entry of the peer last opened with it (0: never). */
  readonly received: number
  readonly ratchet: RatchetState
}

const INFO_INIT = 'sdmp/session/v1/init'

/**
 * The start's key schedule (sessions.md §2): SK || HKa || NHKb || id =
 * HKDF-Expand-SHA512(PRK_wrap, "sdmp/session/v1/init" || 0x00 || initiator || 0x00 || responder, 112).
 */
export function sessionStartKeys(
  provider: CryptoProvider,
  prk: Uint8Array,
  initiator: string,
  responder: string,
): { sk: Uint8Array; hka: Uint8Array; nhkb: Uint8Array; id: string } {
  const info = utf8(`${INFO_INIT}\u0000${initiator}\u0000${responder}`)
  const out = provider.hkdfExpand('sha512', prk, info, 112)
  return {
    sk: out.slice(0, 32),
    hka: out.slice(32, 64),
    nhkb: out.slice(64, 96),
    id: toBase64url(out.slice(96, 112)),
  }
}

/**
 * The sender's side of a prekey message: it wrapped K to the peer's prekey (wrapKeyDetailed).
 * @param prekeyX25519Public the last 32 bytes of the peer's prekey
 */
export function startInitiator(
  provider: CryptoProvider,
  start: {
    prk: Uint8Array
    eph: { secret: Uint8Array; public: Uint8Array }
    prekeyX25519Public: Uint8Array
    self: string
    peer: string
    now: number
  },
): Session {
  const keys = sessionStartKeys(provider, start.prk, start.self, start.peer)
  return {
    id: keys.id,
    peer: start.peer,
    role: 'initiator',
    created: start.now,
    received: 0,
    ratchet: initInitiator(provider, keys, start.eph, start.prekeyX25519Public),
  }
}

/**
 * The reader's side of a prekey message from `peer` it opened with one of its prekey secrets
 * (unwrapKeyDetailed).
 * @param prekeyX25519Secret the last 32 bytes of the prekey secret key
 */
export function startResponder(
  provider: CryptoProvider,
  start: {
    prk: Uint8Array
    ephPublic: Uint8Array
    prekeyX25519Secret: Uint8Array
    self: string
    peer: string
    now: number
  },
  random: RandomSource = (n) => provider.randomBytes(n),
): Session {
  const keys = sessionStartKeys(provider, start.prk, start.peer, start.self)
  return {
    id: keys.id,
    peer: start.peer,
    role: 'responder',
    created: start.now,
    received: start.now,
    ratchet: initResponder(provider, keys, start.prekeyX25519Secret, start.ephPublic, random),
  }
}

/**
 * Wrap the content key `k` in a session entry (116 bytes, sessions.md §4). The caller must
 * persist the returned session before the envelope carrying the entry is published (§7).
 */
export function sessionSeal(
  provider: CryptoProvider,
  session: Session,
  k: Uint8Array,
  random: RandomSource = (n) => provider.randomBytes(n),
): { entry: Uint8Array; session: Session } {
  const out = ratchetSeal(provider, session.ratchet, k, random)
  return { entry: out.entry, session: { ...session, ratchet: out.state } }
}

/**
 * Find the session of `sessions` (those with the author's nodes) that opens `entry`, by trial
 * with their header keys (bounded: a few header AEADs per session and entry). Returns the
 * content key and the advanced session, or null (not ours, a replay, tampered). Inputs are
 * never changed: the caller persists the new session with what it indexes (sessions.md §7).
 * @throws LIMIT_EXCEEDED when an authentic header jumps more than MAX_SKIP messages
 */
export function sessionOpen(
  provider: CryptoProvider,
  sessions: readonly Session[],
  entry: Uint8Array,
  now: number,
  random: RandomSource = (n) => provider.randomBytes(n),
): { key: Uint8Array; session: Session } | null {
  for (const s of sessions) {
    const out = ratchetOpen(provider, s.ratchet, entry, random)
    if (out) return { key: out.key, session: { ...s, ratchet: out.state, received: now } }
  }
  return null
}

/**
 * The session to send to a peer with, or undefined when the next message must be a prekey
 * message (sessions.md §6): among the peer's sessions that can send, are confirmed (the
 * responder's always; the initiator's once an entry of the peer opened with it), younger than
 * {@link SESSION_MAX_AGE_MS} and started after the peer's newest prekey was created (a peer
 * that lost its state publishes a new prekey), the one the peer last used, else the newest.
 * Until the peer answers, the initiator keeps sending prekey messages (as Signal repeats its
 * PreKeySignalMessage): sync delivers in any order, and an entry that reached the peer before
 * the prekey message that starts its session could never be opened.
 */
export function sendingSession(sessions: readonly Session[], at: SendTime): Session | undefined {
  let best: Session | undefined
  for (const s of sessions) {
    if (!canSendFresh(s, at) || unconfirmed(s)) continue
    if (!best || prefer(s, best)) best = s
  }
  return best
}
/**
 * Whether `s` is a better session to send on than `best`: one the peer has written on (§6
 * "Answers") before one it has not, among those the one last used; among sessions the peer has
 * not written on, the one this node already writes on (most entries sent), so it keeps to one.
 */
function prefer(s: Session, best: Session): boolean {
  const h = heard(s)
  if (h !== heard(best)) return h
  if (!h && s.ratchet.ns !== best.ratchet.ns) return s.ratchet.ns > best.ratchet.ns
  return rank(s) > rank(best)
}
const rank = (s: Session) => Math.max(s.received, s.created)

/** When a message is sent, and when the peer's newest valid prekey was created. */
export interface SendTime {
  readonly now: number
  readonly peerPrekeyCreated: number
}

/** An initiator's session no entry of the peer has opened with yet (§6 "Confirmation"). */
const unconfirmed = (s: Session) => s.role === 'initiator' && !heard(s)

/**
 * Whether an entry of the peer has opened with `s`, so the peer is known to hold it (§6
 * "Answers"). A responder's session starts from a wrap, which says nothing about whether the
 * initiator kept the session that wrap started.
 */
export const heard = (s: Session): boolean =>
  s.role === 'initiator' ? s.received > 0 : s.ratchet.nr > 0 || s.ratchet.skipped.length > 0

/**
 * How the next envelope reaches one peer node (sessions.md §6): the sessions to write an entry
 * on, and whether it also carries a prekey wrap (which starts a new session). A session the peer
 * has written on is enough alone. Otherwise a wrap goes too, with an entry on the pending start
 * (the unconfirmed start this node already writes on, if any) and, when this node answers on a
 * session a wrap of the peer started, an entry on that session: the peer may have dropped that
 * one (it keeps 4) or never have had it, and the wrap is what it can always open.
 */
export function sendPlan(
  sessions: readonly Session[],
  at: SendTime,
): { readonly sessions: readonly Session[]; readonly wrap: boolean } {
  const usable = sendingSession(sessions, at)
  if (usable && heard(usable)) return { sessions: [usable], wrap: false }
  const pending = pendingSession(sessions, at)
  const out: Session[] = []
  if (usable) out.push(usable)
  if (pending) out.push(pending)
  return { sessions: out, wrap: true }
}

/** Can send, younger than the age limit, started after the peer's newest prekey (§6). */
const canSendFresh = (s: Session, { now, peerPrekeyCreated }: SendTime) =>
  s.ratchet.cks !== null &&
  s.ratchet.hks !== null &&
  now - s.created < SESSION_MAX_AGE_MS &&
  s.created >= peerPrekeyCreated

/**
 * The pending start with a peer (sessions.md §6 "Pending start"): when {@link sendingSession}
 * finds none, the initiator's unconfirmed session that later messages also carry an entry on,
 * beside their prekey wrap. A peer that has the start opens that entry and starts no new
 * session, so a burst before the first answer makes one session on each side instead of one
 * per message (which, with 4 kept per peer, dropped the session the other side was using).
 * It is the one that has sent the most entries (the one in use), else the oldest; it must
 * still be fresh by the rules of {@link sendingSession}.
 */
export function pendingSession(sessions: readonly Session[], at: SendTime): Session | undefined {
  let best: Session | undefined
  for (const s of sessions) {
    if (!unconfirmed(s) || !canSendFresh(s, at)) continue
    if (
      !best ||
      s.ratchet.ns > best.ratchet.ns ||
      (s.ratchet.ns === best.ratchet.ns && s.created < best.created)
    )
      best = s
  }
  return best
}

/**
 * A peer's sessions after `session` changed or started: it replaces the one with its id, and
 * the {@link MAX_SESSIONS_PER_PEER} most recently used are kept, plus, beyond them, the sessions
 * the peer may still answer on without having written on them yet (sessions.md §6 "Kept"):
 * the pending starts (unconfirmed initiator's sessions that have sent entries), the newest
 * {@link MAX_SESSIONS_PER_PEER} of them, and the session of the peer's start this node answers
 * on (a responder's session the peer has not written on, that has sent entries). The sessions
 * wraps start meanwhile, on either side, are newer and must not push those out; nor must a
 * later pending start push out an earlier one that aged out for sending (a day passed) while
 * the peer's answer on it was on its way.
 */
export function keepSession(sessions: readonly Session[], session: Session): Session[] {
  const rest = sessions.filter((s) => s.id !== session.id)
  const all = [session, ...rest].sort((a, b) => rank(b) - rank(a))
  const kept = all.slice(0, MAX_SESSIONS_PER_PEER)
  const pending = all
    .filter((s) => s.role === 'initiator' && !heard(s) && s.ratchet.ns > 0)
    .sort((a, b) => b.created - a.created)
    .slice(0, MAX_SESSIONS_PER_PEER)
  let answering: Session | undefined
  for (const s of all)
    if (s.role === 'responder' && !heard(s) && s.ratchet.ns > (answering?.ratchet.ns ?? 0))
      answering = s
  for (const s of answering ? [...pending, answering] : pending) if (!kept.includes(s)) kept.push(s)
  return kept
}

/** The JSON form of a session, for the vault (byte fields in base64url). */
export function encodeSession(s: Session): string {
  const r = s.ratchet
  const b = (x: Uint8Array | null) => (x === null ? null : toBase64url(x))
  return JSON.stringify({
    id: s.id,
    peer: s.peer,
    role: s.role,
    created: s.created,
    received: s.received,
    dhs: [b(r.dhs.secret), b(r.dhs.public)],
    dhr: b(r.dhr),
    rk: b(r.rk),
    cks: b(r.cks),
    ckr: b(r.ckr),
    ns: r.ns,
    nr: r.nr,
    pn: r.pn,
    hks: b(r.hks),
    hkr: b(r.hkr),
    nhks: b(r.nhks),
    nhkr: b(r.nhkr),
    skipped: r.skipped.map((k) => [b(k.hk), k.n, b(k.mk)]),
  })
}

/**
 * Parse {@link encodeSession}'s form. The vault is ours, but a damaged record must not crash.
 * @throws SCHEMA_VIOLATION
 */
export function decodeSession(text: string): Session {
  try {
    const o = JSON.parse(text) as Record<string, unknown>
    const key = (x: unknown): Uint8Array => {
      const v = fromBase64url(x as string, 'session')
      if (v.length !== 32) throw new Error('key length')
      return v
    }
    const opt = (x: unknown) => (x === null ? null : key(x))
    const num = (x: unknown): number => {
      if (!Number.isSafeInteger(x) || (x as number) < 0) throw new Error('number')
      return x as number
    }
    const dhs = o['dhs'] as unknown[]
    if (o['role'] !== 'initiator' && o['role'] !== 'responder') throw new Error('role')
    if (typeof o['id'] !== 'string' || typeof o['peer'] !== 'string') throw new Error('id')
    return {
      id: o['id'],
      peer: o['peer'],
      role: o['role'],
      created: num(o['created']),
      received: num(o['received']),
      ratchet: {
        dhs: { secret: key(dhs[0]), public: key(dhs[1]) },
        dhr: opt(o['dhr']),
        rk: key(o['rk']),
        cks: opt(o['cks']),
        ckr: opt(o['ckr']),
        ns: num(o['ns']),
        nr: num(o['nr']),
        pn: num(o['pn']),
        hks: opt(o['hks']),
        hkr: opt(o['hkr']),
        nhks: key(o['nhks']),
        nhkr: key(o['nhkr']),
        skipped: (o['skipped'] as unknown[][]).map((k) => ({
          hk: key(k[0]),
          n: num(k[1]),
          mk: key(k[2]),
        })),
      },
    }
  } catch {
    throw new ProtocolError(ErrorCode.SCHEMA_VIOLATION, 'session: damaged state record')
  }
}
