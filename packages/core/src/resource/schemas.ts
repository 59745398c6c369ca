/**
 * The bundled core schemas of the profile (docs/protocol/schemas.md). No schema is ever fetched:
 * a container naming anything else is refused with UNKNOWN_SCHEMA. Each validator checks one
 * schema's data strictly (no unknown properties) and returns it typed.
 * @module
 */
import { fromBase64urlExact } from '../bytes.js'
import { SUITE_HYBRID } from '../domain.js'
import { decodeKeyRecord } from '../identity/keys.js'
import { decodeRotation } from '../identity/rotation.js'
import { assertAddress } from '../identity/address.js'
import { ErrorCode } from '../errors.js'
import type { Json } from '../json.js'
import {
  assertArray,
  assertDigest,
  assertEnum,
  assertObject,
  assertString,
  assertTimestamp,
  assertUnique,
  violation,
} from './fields.js'
import { SYNC_SCHEMAS } from './schemas-sync.js'
import { MESSAGING_SCHEMAS } from './schemas-messaging.js'
import { decodeEncryptedData } from '../envelope/encrypted-data.js'
import { isValidMlKemPublicKey } from '../envelope/wrap.js'

/** The authorizations a trust can grant (docs/protocol/trust.md §2). */
export const AUTHORIZATIONS = [
  'read_resource',
  'publish_resource',
  'read_encrypted',
  'create_trust',
  'revoke',
] as const
export type Authorization = (typeof AUTHORIZATIONS)[number]

/** The resource header every signed payload carries (docs/protocol/resource.md §3). */
export interface ResourceHeader {
  /** The user this resource is published for. */
  readonly user: string
  /** The trust that authorizes the signing node; absent when the user signs directly. */
  readonly trust?: string
  readonly action: 'create' | 'update' | 'delete'
  /** For update and delete: the resource replaced. */
  readonly replaces?: string
}

/** Validate the `resource` header. */
export function decodeHeader(v: Json | undefined, label = 'resource'): ResourceHeader {
  const o = assertObject(v, label, ['user'], ['trust', 'action', 'replaces'])
  const user = assertDigest(o['user'], `${label}.user`)
  const action =
    o['action'] === undefined
      ? 'create'
      : assertEnum(o['action'], `${label}.action`, ['create', 'update', 'delete'] as const)
  if (o['action'] === 'create')
    violation(
      `${label}.action`,
      'create is the default and must be omitted (one encoding per value)',
    )
  const header: {
    user: string
    action: ResourceHeader['action']
    trust?: string
    replaces?: string
  } = { user, action }
  if (o['trust'] !== undefined) header.trust = assertDigest(o['trust'], `${label}.trust`)
  if (o['replaces'] !== undefined)
    header.replaces = assertDigest(o['replaces'], `${label}.replaces`)
  if ((action === 'create') !== (header.replaces === undefined)) {
    violation(
      `${label}.replaces`,
      action === 'create'
        ? 'only update and delete replace a resource'
        : `${action} requires replaces`,
    )
  }
  return header
}

const optional = <T>(v: Json | undefined, f: (x: Json) => T): T | undefined =>
  v === undefined ? undefined : f(v)
const HOST = String.raw`(\[[0-9a-fA-F:.]{2,45}\]|[A-Za-z0-9.-]{1,253})`
const ADDRESS = new RegExp(`^${HOST}:([0-9]{1,5})$`)
/**
 * A peer channel over WebSocket (transport.md §9): `ws://` or `wss://`, the port optional (80 or
 * 443), then an optional path, as a node behind a reverse proxy on 443 publishes it.
 */
const WS_ADDRESS = new RegExp(`^wss?://${HOST}(?::([0-9]{1,5}))?(/[A-Za-z0-9._~/-]{0,200})?$`)

/** identity: a user's or node's public key, self-signed. */
function identity(v: Json, l: string) {
  const o = assertObject(v, l, ['type', 'key'], ['expires', 'recovery', 'name', 'rotation'])
  return {
    type: assertEnum(o['type'], `${l}.type`, ['user', 'node'] as const),
    key: decodeKeyRecord(o['key'], `${l}.key`),
    expires: optional(o['expires'], (x) => assertTimestamp(x, `${l}.expires`)),
    // Hash of the pre-committed recovery key's fingerprint (docs/protocol/keys.md §4).
    recovery: optional(o['recovery'], (x) => assertDigest(x, `${l}.recovery`)),
    name: optional(o['name'], (x) => assertString(x, `${l}.name`, 128)),
    // The identity this one replaces, with its proof (docs/protocol/keys.md §5).
    rotation: optional(o['rotation'], (x) => decodeRotation(x, `${l}.rotation`)),
  }
}

/** node: where a node can be reached. */
function node(v: Json, l: string) {
  const o = assertObject(v, l, ['addresses'], ['name'])
  const addresses = assertArray(
    o['addresses'],
    `${l}.addresses`,
    (x, li) => {
      const s = assertString(x, li, 300)
      const m = ADDRESS.exec(s) ?? WS_ADDRESS.exec(s)
      const port = m?.[2] === undefined ? 443 : Number(m[2])
      if (!m || port < 1 || port > 65535)
        violation(li, 'expected host:port, ws://host:port/path or wss://host/path')
      return s
    },
    16,
  )
  return { addresses, name: optional(o['name'], (x) => assertString(x, `${l}.name`, 128)) }
}

/** user: public profile; `address` is the user's claim of a name@domain (addresses.md §2). */
function user(v: Json, l: string) {
  const o = assertObject(v, l, ['name'], ['about', 'address'])
  return {
    name: assertString(o['name'], `${l}.name`, 128),
    about: optional(o['about'], (x) => assertString(x, `${l}.about`)),
    address: optional(o['address'], (x) => claimedAddress(x, `${l}.address`)),
  }
}

/** A claimed address must be written exactly as parsed (lower case, no trailing dot). */
function claimedAddress(x: Json, label: string): string {
  const a = assertAddress(x, label, ErrorCode.SCHEMA_VIOLATION).address
  if (a !== x) violation(label, 'expected the address in lower case, without spaces')
  return a
}

/** trust: grant authorizations to another identity. */
function trust(v: Json, l: string) {
  const o = assertObject(v, l, ['trustee', 'authorization'], ['expires'])
  const authorization = assertArray(
    o['authorization'],
    `${l}.authorization`,
    (x, li) => assertEnum(x, li, AUTHORIZATIONS),
    AUTHORIZATIONS.length,
    1,
  )
  assertUnique(authorization, `${l}.authorization`)
  return {
    trustee: assertDigest(o['trustee'], `${l}.trustee`),
    authorization,
    expires: optional(o['expires'], (x) => assertTimestamp(x, `${l}.expires`)),
  }
}

/** The scopes a delegation grants another user (docs/protocol/delegation.md §1). */
export const DELEGATION_SCOPES = ['send', 'read'] as const
export type DelegationScope = (typeof DELEGATION_SCOPES)[number]

/**
 * delegation: the principal (`resource.user`) lets another user (`delegate`) send on its behalf
 * or read messages addressed to it, until `expires` or a revoke (docs/protocol/delegation.md).
 */
function delegation(v: Json, l: string) {
  const o = assertObject(v, l, ['delegate', 'scope'], ['expires'])
  const scope = assertArray(
    o['scope'],
    `${l}.scope`,
    (x, li) => assertEnum(x, li, DELEGATION_SCOPES),
    DELEGATION_SCOPES.length,
    1,
  )
  assertUnique(scope, `${l}.scope`)
  return {
    delegate: assertDigest(o['delegate'], `${l}.delegate`),
    scope,
    expires: optional(o['expires'], (x) => assertTimestamp(x, `${l}.expires`)),
  }
}

/** revoke: withdraw a resource (a trust, an identity, or any published resource). */
function revoke(v: Json, l: string) {
  const o = assertObject(v, l, ['resource'], ['reason'])
  return {
    resource: assertDigest(o['resource'], `${l}.resource`),
    reason: optional(o['reason'], (x) => assertString(x, `${l}.reason`, 256)),
  }
}

/** prekey: a node's signed, expiring hybrid encryption key (docs/protocol/envelope.md §7). */
function prekey(v: Json, l: string) {
  const o = assertObject(v, l, ['suite', 'key', 'expires'])
  const key = assertString(o['key'], `${l}.key`, 2000)
  // 1216 bytes = ML-KEM-768 encapsulation key (1184) || X25519 public key (32); strict decoding
  // so that one key has exactly one encoding.
  const bytes = fromBase64urlExact(key, 1216, `${l}.key`)
  // FIPS 203 encapsulation-key check now, not at seal time on every sender.
  if (!isValidMlKemPublicKey(bytes.subarray(0, 1184)))
    violation(`${l}.key`, 'not a valid ML-KEM-768 encapsulation key')
  return {
    suite: assertEnum(o['suite'], `${l}.suite`, [SUITE_HYBRID] as const),
    key,
    expires: assertTimestamp(o['expires'], `${l}.expires`),
  }
}

/** encrypted: a sealed envelope; the envelope codec checks every byte length (envelope.md §4). */
function encrypted(v: Json, _l: string) {
  return decodeEncryptedData(v)
}

/** Content schemas: a published resource carries `resource` plus exactly one of these. */
export const CONTENT_SCHEMAS = Object.freeze({
  identity,
  node,
  user,
  trust,
  revoke,
  delegation,
  ...MESSAGING_SCHEMAS,
  prekey,
  encrypted,
  ...SYNC_SCHEMAS,
}) satisfies Record<string, (v: Json, l: string) => unknown>

export type ContentKind = keyof typeof CONTENT_SCHEMAS
/** The typed data of each content schema. */
export type ContentData<K extends ContentKind> = ReturnType<(typeof CONTENT_SCHEMAS)[K]>

/** True when `name` is a bundled content schema. */
export function isContentKind(name: string): name is ContentKind {
  return Object.prototype.hasOwnProperty.call(CONTENT_SCHEMAS, name)
}
