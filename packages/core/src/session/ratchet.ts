/**
 * The Double Ratchet with header encryption (Signal's specification, revision 4, §3.5 and §4;
 * docs/protocol/sessions.md §3-§5) over one content key per envelope: each session entry wraps
 * the envelope's content key K under a one-time message key, with an encrypted header, so an
 * entry is 116 uniformly random-looking bytes. Pure functions: every step returns a new state
 * and leaves its input untouched, so a failed open changes nothing and the caller persists the
 * new state only when it wants to (sessions.md §7).
 * @module
 */
import { concatBytes, toHex, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import type { RandomSource } from '../envelope/wrap.js'
import { SESSION_ENTRY_BYTES } from '../envelope/suites.js'

/** Largest forward jump of a message counter within one chain (Signal's MAX_SKIP). */
export const MAX_SKIP = 1000
/** Most skipped message keys one session keeps; the oldest are evicted first. */
export const MAX_SKIPPED_KEYS = 2000
export { SESSION_ENTRY_BYTES }
/** Bytes of the plaintext header: ratchet public key (32) || u32be(pn) || u32be(n). */
export const HEADER_BYTES = 40

const INFO_RK = utf8('sdmp/session/v1/rk')
const HEADER_AAD = utf8('sdmp/session/v1/header')
const ZERO_NONCE = new Uint8Array(12)
const MK_CONST = Uint8Array.of(0x01)
const CK_CONST = Uint8Array.of(0x02)

/** One skipped message key: the header key of its chain, its number, the key. */
export interface SkippedKey {
  readonly hk: Uint8Array
  readonly n: number
  readonly mk: Uint8Array
}

/**
 * The state of one session with one peer node (Signal §3.2 with §4.2's header keys). Secret:
 * it lives in the node's vault (sessions.md §7). Byte fields are 32 bytes unless noted.
 */
export interface RatchetState {
  /** Our current ratchet key pair (X25519). */
  readonly dhs: { readonly secret: Uint8Array; readonly public: Uint8Array }
  /** The peer's current ratchet public key. */
  readonly dhr: Uint8Array | null
  readonly rk: Uint8Array
  readonly cks: Uint8Array | null
  readonly ckr: Uint8Array | null
  readonly ns: number
  readonly nr: number
  readonly pn: number
  readonly hks: Uint8Array | null
  readonly hkr: Uint8Array | null
  readonly nhks: Uint8Array
  readonly nhkr: Uint8Array
  /** Oldest first; at most {@link MAX_SKIPPED_KEYS}. */
  readonly skipped: readonly SkippedKey[]
}

/** KDF_RK (sessions.md §3): HKDF-SHA256(salt = rk, ikm = dh_out) -> rk' || ck || nhk. */
export function kdfRk(
  provider: CryptoProvider,
  rk: Uint8Array,
  dhOut: Uint8Array,
): { rk: Uint8Array; ck: Uint8Array; nhk: Uint8Array } {
  const out = provider.hkdf('sha256', dhOut, rk, INFO_RK, 96)
  return { rk: out.slice(0, 32), ck: out.slice(32, 64), nhk: out.slice(64, 96) }
}

/** KDF_CK (Signal §5.2): mk = HMAC-SHA256(ck, 0x01), ck' = HMAC-SHA256(ck, 0x02). */
export function kdfCk(
  provider: CryptoProvider,
  ck: Uint8Array,
): { ck: Uint8Array; mk: Uint8Array } {
  return { mk: provider.hmacSha256(ck, MK_CONST), ck: provider.hmacSha256(ck, CK_CONST) }
}

const dh = (provider: CryptoProvider, secret: Uint8Array, pub: Uint8Array): Uint8Array => {
  const out = provider.x25519.sharedSecret(secret, pub)
  // A low-order ratchet key from the peer: refuse (the caller turns it into its uniform failure).
  if (!out) throw new ProtocolError(ErrorCode.DECRYPT_FAILED, 'decryption failed')
  return out
}

const keyPair = (provider: CryptoProvider, random: RandomSource) => {
  const secret = random(32).slice()
  return { secret, public: provider.x25519.publicKey(secret) }
}

/**
 * The initiator's state (Signal §4.3 RatchetInitAliceHE), after the prekey message: its ratchet
 * key pair is the wrap's ephemeral X25519 pair and the peer's is the prekey's X25519 key.
 */
export function initInitiator(
  provider: CryptoProvider,
  init: { sk: Uint8Array; hka: Uint8Array; nhkb: Uint8Array },
  eph: { secret: Uint8Array; public: Uint8Array },
  peerRatchetPublic: Uint8Array,
): RatchetState {
  const step = kdfRk(provider, init.sk, dh(provider, eph.secret, peerRatchetPublic))
  return {
    dhs: { secret: eph.secret.slice(), public: eph.public.slice() },
    dhr: peerRatchetPublic.slice(),
    rk: step.rk,
    cks: step.ck,
    ckr: null,
    ns: 0,
    nr: 0,
    pn: 0,
    hks: init.hka,
    hkr: null,
    nhks: step.nhk,
    nhkr: init.nhkb,
    skipped: [],
  }
}

/**
 * The responder's state (Signal §4.3 RatchetInitBobHE followed at once by the DH ratchet step
 * its first message would cause, sessions.md §3.2): the prekey's X25519 secret is used here once
 * and not kept, and a fresh ratchet key pair is drawn, so the responder can send at once.
 */
export function initResponder(
  provider: CryptoProvider,
  init: { sk: Uint8Array; hka: Uint8Array; nhkb: Uint8Array },
  prekeyX25519Secret: Uint8Array,
  ephPublic: Uint8Array,
  random: RandomSource,
): RatchetState {
  const recv = kdfRk(provider, init.sk, dh(provider, prekeyX25519Secret, ephPublic))
  const dhs = keyPair(provider, random)
  const send = kdfRk(provider, recv.rk, dh(provider, dhs.secret, ephPublic))
  return {
    dhs,
    dhr: ephPublic.slice(),
    rk: send.rk,
    cks: send.ck,
    ckr: recv.ck,
    ns: 0,
    nr: 0,
    pn: 0,
    hks: init.nhkb,
    hkr: init.hka,
    nhks: send.nhk,
    nhkr: recv.nhk,
    skipped: [],
  }
}

/**
 * Wrap the content key `k` for the peer (Signal §4.3 RatchetEncryptHE): one step of the sending
 * chain. Random draws: the 12-byte header nonce.
 * @returns the 116-byte entry and the new state
 */
export function ratchetSeal(
  provider: CryptoProvider,
  state: RatchetState,
  k: Uint8Array,
  random: RandomSource,
): { entry: Uint8Array; state: RatchetState } {
  if (k.length !== 32) throw new RangeError('content key: expected 32 bytes')
  if (state.cks === null || state.hks === null) throw new Error('session cannot send yet (a bug)')
  const { ck, mk } = kdfCk(provider, state.cks)
  const header = new Uint8Array(HEADER_BYTES)
  header.set(state.dhs.public, 0)
  const view = new DataView(header.buffer)
  view.setUint32(32, state.pn)
  view.setUint32(36, state.ns)
  const hnonce = random(12)
  const encHeader = provider.chacha20poly1305.seal(state.hks, hnonce, header, HEADER_AAD)
  const head = concatBytes(hnonce, encHeader)
  const sealedK = provider.chacha20poly1305.seal(mk, ZERO_NONCE, k, head)
  return { entry: concatBytes(head, sealedK), state: { ...state, cks: ck, ns: state.ns + 1 } }
}

/**
 * Try to open one entry with this session (Signal §4.3 RatchetDecryptHE): skipped keys first,
 * then the current and the next header key. Returns null when the entry is not for this
 * session, is a replay (its key was used and deleted) or does not authenticate; the input
 * state is never changed.
 * @throws LIMIT_EXCEEDED when an authentic header jumps more than {@link MAX_SKIP} messages
 */
export function ratchetOpen(
  provider: CryptoProvider,
  state: RatchetState,
  entry: Uint8Array,
  random: RandomSource,
): { key: Uint8Array; state: RatchetState } | null {
  if (entry.length !== SESSION_ENTRY_BYTES) return null
  const head = entry.subarray(0, 12 + HEADER_BYTES + 16)
  const hnonce = entry.subarray(0, 12)
  const encHeader = entry.subarray(12, 12 + HEADER_BYTES + 16)
  const sealedK = entry.subarray(12 + HEADER_BYTES + 16)
  const openHeader = (hk: Uint8Array | null) =>
    hk === null ? null : provider.chacha20poly1305.open(hk, hnonce, encHeader, HEADER_AAD)
  const openK = (mk: Uint8Array) => {
    const k = provider.chacha20poly1305.open(mk, ZERO_NONCE, sealedK, head)
    return k && k.length === 32 ? k : null
  }
  const parse = (h: Uint8Array) => {
    const v = new DataView(h.buffer, h.byteOffset, h.byteLength)
    return { dh: h.slice(0, 32), pn: v.getUint32(32), n: v.getUint32(36) }
  }

  // Skipped keys (TrySkippedMessageKeysHE): one header trial per distinct header key.
  const tried = new Set<string>()
  for (const s of state.skipped) {
    const id = toHex(s.hk)
    if (tried.has(id)) continue
    tried.add(id)
    const h = openHeader(s.hk)
    if (!h) continue
    const { n } = parse(h)
    const i = state.skipped.findIndex((x) => x.n === n && toHex(x.hk) === id)
    // Not a skipped number: a later message of that chain (or a replay), decided below.
    if (i < 0) continue
    const key = openK(state.skipped[i]!.mk)
    if (!key) return null
    const skipped = state.skipped.filter((_, j) => j !== i)
    return { key, state: { ...state, skipped } }
  }

  let s: RatchetState = state
  let header = openHeader(s.hkr)
  if (header) {
    if (parse(header).n < s.nr) return null // replay: that key was used and deleted
  } else {
    header = openHeader(s.nhkr)
    if (!header) return null
    const { dh: peer, pn } = parse(header)
    // DHRatchetHE, after keeping the keys of the old chain up to pn.
    s = skip(provider, s, pn)
    const recv = kdfRk(provider, s.rk, dh(provider, s.dhs.secret, peer))
    const dhs = keyPair(provider, random)
    const send = kdfRk(provider, recv.rk, dh(provider, dhs.secret, peer))
    s = {
      ...s,
      pn: s.ns,
      ns: 0,
      nr: 0,
      hks: s.nhks,
      hkr: s.nhkr,
      dhr: peer,
      rk: send.rk,
      ckr: recv.ck,
      nhkr: recv.nhk,
      dhs,
      cks: send.ck,
      nhks: send.nhk,
    }
  }
  const { n } = parse(header)
  s = skip(provider, s, n)
  const { ck, mk } = kdfCk(provider, s.ckr!)
  const key = openK(mk)
  if (!key) return null
  return { key, state: { ...s, ckr: ck, nr: s.nr + 1 } }
}

/** SkipMessageKeysHE: keep the receiving chain's keys up to `until`, bounded. */
function skip(provider: CryptoProvider, s: RatchetState, until: number): RatchetState {
  if (s.ckr === null || until <= s.nr) return s
  if (until - s.nr > MAX_SKIP)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `session: a message counter jumps ${until - s.nr} ahead (at most ${MAX_SKIP})`,
    )
  const skipped = [...s.skipped]
  let ck = s.ckr
  for (let n = s.nr; n < until; n++) {
    const step = kdfCk(provider, ck)
    skipped.push({ hk: s.hkr!, n, mk: step.mk })
    ck = step.ck
  }
  // Eviction: the oldest skipped keys go first (their messages are the least likely to come).
  return {
    ...s,
    ckr: ck,
    nr: until,
    skipped: skipped.length > MAX_SKIPPED_KEYS ? skipped.slice(-MAX_SKIPPED_KEYS) : skipped,
  }
}
