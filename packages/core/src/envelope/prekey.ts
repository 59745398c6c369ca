/**
 * Prekeys: short-lived hybrid recipient keys that give stored envelopes forward secrecy
 * (docs/protocol/envelope.md §7). A node publishes a signed prekey, rotates it on a schedule and
 * deletes the secret some time after it expires; senders wrap to each node's newest valid one.
 * The signed `prekey` resource schema lives in the resource layer; this module holds the record
 * type, key generation, selection and the rotation policy.
 * @module
 */
import { toBase64url } from '../bytes.js'
import { SUITE_HYBRID } from '../domain.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { generateRecipientKeyPair } from './wrap.js'
import type { RecipientSecret } from './wrap.js'

/** A published prekey as the resource layer hands it over (already signature-checked). */
export interface PrekeyRecord {
  /** Fingerprint of the node that owns the prekey. */
  readonly node: string
  /** {@link prekeyId} of the public key. */
  readonly keyId: string
  /** mlkem_ek(1184) || x25519_pub(32) = 1216 bytes (suite `pq-kyber768-x25519`). */
  readonly publicKey: Uint8Array
  /** Start of validity, ms since the epoch (inclusive). */
  readonly created: number
  /** End of validity, ms since the epoch (exclusive). */
  readonly expires: number
}

/** A freshly generated prekey: the public half to publish and the secret to keep. */
export interface Prekey {
  readonly keyId: string
  readonly publicKey: Uint8Array
  /** Keep until {@link prekeySecretsToDelete} lists it, then erase it. */
  readonly secret: RecipientSecret
  readonly created: number
  readonly expires: number
}

/** How often prekeys rotate, how long each is valid and how long secrets outlive expiry. */
export interface PrekeyPolicy {
  /** Publish a new prekey when the newest valid one is this old. */
  readonly rotateEveryMs: number
  /** `expires - created` of a new prekey; longer than `rotateEveryMs` so prekeys overlap. */
  readonly validForMs: number
  /** Keep a secret this long after `expires`, for envelopes that were delayed in transit. */
  readonly deleteAfterExpiryMs: number
}

const DAY = 24 * 60 * 60 * 1000
/** Defaults (envelope.md §7.3): rotate every 7 days, valid 14 days, delete 7 days after expiry. */
export const DEFAULT_PREKEY_POLICY: PrekeyPolicy = Object.freeze({
  rotateEveryMs: 7 * DAY,
  validForMs: 14 * DAY,
  deleteAfterExpiryMs: 7 * DAY,
})

/** A prekey's id: base64url(SHA-512(public key)), 86 characters, like key fingerprints. */
export function prekeyId(provider: CryptoProvider, publicKey: Uint8Array): string {
  return toBase64url(provider.sha512(publicKey))
}

/**
 * Generate a hybrid prekey valid from `created` (inclusive) to `expires` (exclusive).
 * `seed` (96 bytes) only for deterministic vectors and tests.
 * @example
 * const now = Date.now()
 * const pk = generatePrekey(provider, { created: now, expires: now + DEFAULT_PREKEY_POLICY.validForMs })
 * @throws RangeError (a bug) when the times are not integers with created < expires
 */
export function generatePrekey(
  provider: CryptoProvider,
  options: { created: number; expires: number; seed?: Uint8Array },
): Prekey {
  const { created, expires } = options
  if (!Number.isSafeInteger(created) || !Number.isSafeInteger(expires) || expires <= created) {
    throw new RangeError('prekey: expected integer times with created < expires')
  }
  const pair = generateRecipientKeyPair(
    provider,
    options.seed ? { suite: SUITE_HYBRID, seed: options.seed } : { suite: SUITE_HYBRID },
  )
  return Object.freeze({
    keyId: prekeyId(provider, pair.publicKey),
    publicKey: pair.publicKey,
    secret: pair.secret,
    created,
    expires,
  })
}

/** True when the prekey may be used at `now`: created <= now < expires. */
export function isPrekeyValidAt(record: Pick<PrekeyRecord, 'created' | 'expires'>, now: number) {
  return record.created <= now && now < record.expires
}

/** True when `a` should be preferred over `b`: newer `created`, then the smaller keyId. */
function isNewer(a: PrekeyRecord, b: PrekeyRecord): boolean {
  if (a.created !== b.created) return a.created > b.created
  return a.keyId < b.keyId
}

/**
 * For each node, the newest prekey valid at `now` (ties: the smallest keyId by UTF-16 code
 * units, so every sender picks the same one). Nodes without a valid prekey are absent; the
 * caller decides whether to wait or to fall back. Result sorted by node.
 * @example
 * const keys = selectPrekeys(recordsOfRecipientNodes, Date.now())
 * const encrypted = sealEnvelope(provider, inner, keys)
 */
export function selectPrekeys(records: readonly PrekeyRecord[], now: number): PrekeyRecord[] {
  const best = new Map<string, PrekeyRecord>()
  for (const r of records) {
    if (!isPrekeyValidAt(r, now)) continue
    const current = best.get(r.node)
    if (!current || isNewer(r, current)) best.set(r.node, r)
  }
  return [...best.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
}

/**
 * True when a node should publish a new prekey: it has none valid at `now`, or its newest valid
 * one is at least `rotateEveryMs` old. Pass the node's own records.
 */
export function prekeyNeedsRotation(
  records: readonly PrekeyRecord[],
  now: number,
  policy: PrekeyPolicy = DEFAULT_PREKEY_POLICY,
): boolean {
  let newest: PrekeyRecord | undefined
  for (const r of records) {
    if (isPrekeyValidAt(r, now) && (!newest || isNewer(r, newest))) newest = r
  }
  return !newest || now - newest.created >= policy.rotateEveryMs
}

/**
 * The keyIds whose secrets must now be erased: expired for at least `deleteAfterExpiryMs`.
 * After erasure, envelopes sealed to that prekey can no longer be opened by anyone (forward
 * secrecy), which is the point. Sorted for stable output.
 */
export function prekeySecretsToDelete(
  records: readonly Pick<PrekeyRecord, 'keyId' | 'expires'>[],
  now: number,
  policy: PrekeyPolicy = DEFAULT_PREKEY_POLICY,
): string[] {
  return records
    .filter((r) => now >= r.expires + policy.deleteAfterExpiryMs)
    .map((r) => r.keyId)
    .sort()
}

/** `created`/`expires` for a prekey generated at `now` under `policy`. */
export function prekeyValidity(
  now: number,
  policy: PrekeyPolicy = DEFAULT_PREKEY_POLICY,
): { created: number; expires: number } {
  return { created: now, expires: now + policy.validForMs }
}
