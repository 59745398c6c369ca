/**
 * Signed, expiring address records of the rendezvous directory (docs/protocol/relays.md §7):
 * a node says where it can be reached (direct and relay addresses), signs it with its node key,
 * and gives it a sequence number and an expiry of at most 24 hours. Anyone can check a record
 * without trusting the directory that served it.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  canonicalize,
  concatBytes,
  fingerprintOf,
  fromBase64url,
  fromBase64urlExact,
  fromUtf8,
  isJsonObject,
  parseStrict,
  toBase64url,
  utf8,
} from '@sdmp/core'
import type { CryptoProvider, SigningKey } from '@sdmp/core'
import { parsePeerAddress } from '@sdmp/node'

/** Domain prefix of the record signature (relays.md §7): no other sdmp signature verifies here. */
export const TAG_ADDRESS_RECORD = 'sdmp/address-record/v1'
/** Limits of a record (relays.md §7). */
export const ADDRESS_RECORD_LIMITS = Object.freeze({
  /** Longest life of a record. */
  maxLifetimeMs: 24 * 3_600_000,
  /** Clock skew tolerated on `expires`. */
  skewMs: 5 * 60_000,
  maxAddresses: 16,
  /** Bytes of the encoded record (base64url text). */
  maxRecordChars: 8 * 1024,
})

/** What a record says (inside its signed bytes). */
export interface AddressRecord {
  readonly v: 1
  /** The node's fingerprint (keys.md). */
  readonly node: string
  /** The node's Ed25519 public key, base64url; its fingerprint must be `node`. */
  readonly key: string
  readonly addresses: readonly string[]
  /** Grows with every record of the node (the node uses its clock in ms). */
  readonly seq: number
  /** RFC 3339 UTC. */
  readonly expires: string
}

/** A record as it travels: the signed bytes and the signature, both base64url. */
export interface SignedAddressRecord {
  readonly record: string
  readonly signature: string
}

const bad = (field: string, why: string) =>
  new ProtocolError(ErrorCode.BAD_REQUEST, `address record.${field}: ${why}`)

/** The signing input: tag ‖ 0x00 ‖ the record's bytes. */
function signingInput(recordBytes: Uint8Array): Uint8Array {
  return concatBytes(utf8(TAG_ADDRESS_RECORD), new Uint8Array([0]), recordBytes)
}

/**
 * Sign a record of this node's addresses.
 * @example signAddressRecord(provider, account.nodeKey, ['ws://h/v1/relay/F'], Date.now())
 */
export function signAddressRecord(
  provider: CryptoProvider,
  key: SigningKey,
  addresses: readonly string[],
  now: number,
  lifetimeMs: number = ADDRESS_RECORD_LIMITS.maxLifetimeMs,
): SignedAddressRecord {
  const record: AddressRecord = {
    v: 1,
    node: key.fingerprint,
    key: toBase64url(key.publicKey),
    addresses: [...addresses],
    seq: now,
    expires: new Date(now + lifetimeMs).toISOString(),
  }
  const bytes = utf8(canonicalize(record))
  return {
    record: toBase64url(bytes),
    signature: toBase64url(provider.ed25519.sign(key.seed, signingInput(bytes))),
  }
}

/**
 * Check a record from the wire: shape, the key's fingerprint, the signature, the expiry (in the
 * future, at most 24 h away).
 * @throws BAD_REQUEST (shape, addresses), INVALID_SIGNATURE (signature, key not the node's),
 *   EXPIRED (expired or too long-lived)
 */
export function verifyAddressRecord(
  provider: CryptoProvider,
  signed: unknown,
  now: number,
): AddressRecord {
  if (!isJsonObject(signed)) throw bad('', 'expected an object')
  if (Object.keys(signed).sort().join(',') !== 'record,signature')
    throw bad('', 'expected exactly record and signature')
  const { record, signature } = signed
  if (typeof record !== 'string' || record.length > ADDRESS_RECORD_LIMITS.maxRecordChars)
    throw bad('record', `expected base64url of at most ${ADDRESS_RECORD_LIMITS.maxRecordChars}`)
  if (typeof signature !== 'string') throw bad('signature', 'expected base64url')
  const bytes = fromBase64url(record, 'address record.record')
  const sig = fromBase64urlExact(signature, 64, 'address record.signature')
  const value = parseStrict(fromUtf8(bytes, 'address record.record'))
  if (!isJsonObject(value)) throw bad('record', 'expected an object')
  const keys = Object.keys(value).sort().join(',')
  if (keys !== 'addresses,expires,key,node,seq,v') throw bad('record', 'unexpected fields')
  if (value['v'] !== 1) throw new ProtocolError(ErrorCode.UNSUPPORTED_VERSION, 'address record.v')
  const { node, key, addresses, seq, expires } = value
  if (typeof node !== 'string') throw bad('node', 'expected a fingerprint')
  if (typeof key !== 'string') throw bad('key', 'expected base64url')
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0)
    throw bad('seq', 'expected a non-negative integer')
  if (typeof expires !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(expires))
    throw bad('expires', 'expected an RFC 3339 UTC time')
  if (
    !Array.isArray(addresses) ||
    addresses.length > ADDRESS_RECORD_LIMITS.maxAddresses ||
    addresses.some((a) => typeof a !== 'string')
  )
    throw bad('addresses', `expected at most ${ADDRESS_RECORD_LIMITS.maxAddresses} strings`)
  for (const a of addresses as string[]) parsePeerAddress(a)
  const publicKey = fromBase64urlExact(key, 32, 'address record.key')
  if (fingerprintOf(provider, publicKey) !== node)
    throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'address record: key is not the node’s')
  if (!provider.ed25519.verify(sig, signingInput(bytes), publicKey))
    throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'address record: bad signature')
  const at = Date.parse(expires)
  if (at <= now) throw new ProtocolError(ErrorCode.EXPIRED, 'address record: expired')
  if (at > now + ADDRESS_RECORD_LIMITS.maxLifetimeMs + ADDRESS_RECORD_LIMITS.skewMs)
    throw new ProtocolError(ErrorCode.EXPIRED, 'address record: expires more than 24 h ahead')
  return Object.freeze({
    v: 1,
    node,
    key,
    addresses: Object.freeze([...(addresses as string[])]),
    seq,
    expires,
  })
}
