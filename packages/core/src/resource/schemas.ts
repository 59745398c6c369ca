/**
 * The bundled core schemas of the profile (docs/protocol/schemas.md). No schema is ever fetched:
 * a container naming anything else is refused with UNKNOWN_SCHEMA. Each validator checks one
 * schema's data strictly (no unknown properties) and returns it typed.
 * @module
 */
import { fromBase64urlExact } from '../bytes.js'
import { LIMITS, SUITE_HYBRID } from '../domain.js'
import {
  ATTACHMENT_MAX_COUNT,
  ATTACHMENT_MAX_NAME_CHARS,
  isBlobHash,
} from '../attachment/attachment.js'
import { decodeKeyRecord } from '../identity/keys.js'
import { decodeRotation } from '../identity/rotation.js'
import { assertAddress } from '../identity/address.js'
import { ErrorCode } from '../errors.js'
import type { Json } from '../json.js'
import {
  assertArray,
  assertDigest,
  assertEnum,
  assertInteger,
  assertObject,
  assertString,
  assertTimestamp,
  assertUnique,
  violation,
} from './fields.js'
import { SYNC_SCHEMAS } from './schemas-sync.js'
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

/** message: a private message; always sealed inside an `encrypted` resource. */
function message(v: Json, l: string) {
  const o = assertObject(
    v,
    l,
    ['body', 'type', 'to'],
    [
      'subject',
      'conversation',
      'replyTo',
      'expires',
      'attachments',
      'forwarded',
      'delegation',
      'group',
    ],
  )
  const to = assertArray(
    o['to'],
    `${l}.to`,
    (x, li) => assertDigest(x, li),
    LIMITS.maxRecipients,
    1,
  )
  assertUnique(to, `${l}.to`)
  return {
    body: assertString(o['body'], `${l}.body`, LIMITS.maxBodyChars, 0),
    type: assertEnum(o['type'], `${l}.type`, ['text', 'markdown', 'html'] as const),
    to,
    subject: optional(o['subject'], (x) => assertString(x, `${l}.subject`, 512)),
    conversation: optional(o['conversation'], (x) => assertDigest(x, `${l}.conversation`)),
    replyTo: optional(o['replyTo'], (x) => assertDigest(x, `${l}.replyTo`)),
    expires: optional(o['expires'], (x) => assertTimestamp(x, `${l}.expires`)),
    attachments: optional(o['attachments'], (x) =>
      assertArray(
        x,
        `${l}.attachments`,
        (a, la) => {
          const ao = assertObject(a, la, ['hash', 'size', 'name', 'key'], ['type'])
          if (!isBlobHash(ao['hash']))
            violation(`${la}.hash`, 'expected 64 lowercase hex characters')
          if (typeof ao['key'] !== 'string')
            violation(`${la}.key`, 'expected 32-byte base64url key')
          fromBase64urlExact(ao['key'], 32, `${la}.key`)
          return {
            hash: ao['hash'],
            size: assertInteger(ao['size'], `${la}.size`, 0, Number.MAX_SAFE_INTEGER),
            name: assertString(ao['name'], `${la}.name`, ATTACHMENT_MAX_NAME_CHARS),
            key: ao['key'],
            type: optional(ao['type'], (t) =>
              assertString(t, `${la}.type`, ATTACHMENT_MAX_NAME_CHARS),
            ),
          }
        },
        ATTACHMENT_MAX_COUNT,
      ),
    ),
    forwarded: optional(o['forwarded'], (x) => forwarded(x, `${l}.forwarded`)),
    // Sent on behalf of another user: that user's signed `delegation` resource, as its canonical
    // text (docs/protocol/delegation.md §2); the daemon verifies it, core checks the shape.
    delegation: optional(o['delegation'], (x) =>
      assertString(x, `${l}.delegation`, LIMITS.maxDelegationChars),
    ),
    // The group conversation it belongs to (docs/protocol/groups.md §3).
    group: optional(o['group'], (x) => assertDigest(x, `${l}.group`)),
  }
}

/**
 * The `forwarded` member of a message (docs/protocol/forwarding.md): another message's signed
 * resource, unchanged, as its JSON text, and the identity and trust resources that prove who
 * signed it. Only the shape is checked here; `verifyForwarded` (resource/forward.ts) verifies.
 */
function forwarded(v: Json, l: string) {
  const o = assertObject(v, l, ['resource', 'proof'], ['chain'])
  const text = (x: Json | undefined, lx: string) => assertString(x, lx, LIMITS.maxResourceBytes)
  return {
    resource: text(o['resource'], `${l}.resource`),
    proof: assertArray(o['proof'], `${l}.proof`, text, LIMITS.maxForwardProof),
    // The users it was forwarded by, in order, the last being this forward's author
    // (forwarding.md §6): automatic rules never forward past a loop or the hop limit.
    chain: optional(o['chain'], (x) =>
      assertArray(x, `${l}.chain`, (u, lu) => assertDigest(u, lu), LIMITS.maxForwardHops, 1),
    ),
  }
}

/** post: a public (signed, unencrypted) note for everyone who trusts the author. */
function post(v: Json, l: string) {
  const o = assertObject(v, l, ['body', 'type'], ['subject'])
  return {
    body: assertString(o['body'], `${l}.body`, LIMITS.maxBodyChars, 0),
    type: assertEnum(o['type'], `${l}.type`, ['text', 'markdown'] as const),
    subject: optional(o['subject'], (x) => assertString(x, `${l}.subject`, 512)),
  }
}

/**
 * receipt: the recipient's node confirms it holds (or the user read) messages of one author;
 * sealed. One receipt names up to {@link LIMITS.maxReceiptMessages} messages, so a backlog costs
 * one receipt per author instead of one per message (docs/messaging.md §4).
 */
function receipt(v: Json, l: string) {
  const o = assertObject(v, l, ['resources', 'status'])
  const resources = assertArray(
    o['resources'],
    `${l}.resources`,
    (x, li) => assertDigest(x, li),
    LIMITS.maxReceiptMessages,
    1,
  )
  assertUnique(resources, `${l}.resources`)
  return {
    resources,
    status: assertEnum(o['status'], `${l}.status`, ['delivered', 'read'] as const),
  }
}

/**
 * contacts: a user's contact list and names, sealed to the user's own reading devices only, so
 * that every device of one person shows the same contacts (issue 11; schemas.md "contacts").
 * Entries merge last-writer-wins by `at`; a removed contact stays as a tombstone.
 */
function contacts(v: Json, l: string) {
  const o = assertObject(v, l, ['entries'])
  const entries = assertArray(
    o['entries'],
    `${l}.entries`,
    (x, li) => {
      const e = assertObject(x, li, ['user', 'name', 'at'], ['removed'])
      if (e['removed'] !== undefined && e['removed'] !== true)
        violation(`${li}.removed`, 'expected true or absent')
      return {
        user: assertDigest(e['user'], `${li}.user`),
        name: assertString(e['name'], `${li}.name`, 64),
        at: assertTimestamp(e['at'], `${li}.at`),
        removed: e['removed'] === true ? (true as const) : undefined,
      }
    },
    LIMITS.maxContacts,
    0,
  )
  assertUnique(
    entries.map((e) => e.user),
    `${l}.entries`,
  )
  return { entries }
}

/**
 * group: one version of a named group conversation, signed for its admin and sealed to its
 * members (docs/protocol/groups.md §2). Each member entry names, by id, the identity, trust
 * and prekey resources that let members who are not each other's contacts verify and reach
 * each other; readers fetch them from peers (§5). Only the shape is checked here;
 * `isGroupIdOf` and the reader's version rule (groups.md §4) decide the rest.
 */
function group(v: Json, l: string) {
  const o = assertObject(v, l, ['id', 'salt', 'name', 'version', 'members'])
  const salt = assertString(o['salt'], `${l}.salt`, 43, 43)
  fromBase64urlExact(salt, 32, `${l}.salt`)
  const members = assertArray(
    o['members'],
    `${l}.members`,
    (x, li) => {
      const m = assertObject(x, li, ['user', 'proof'])
      const proof = assertArray(
        m['proof'],
        `${li}.proof`,
        (t, lt) => assertDigest(t, lt),
        LIMITS.maxGroupMemberProof,
      )
      assertUnique(proof, `${li}.proof`)
      return { user: assertDigest(m['user'], `${li}.user`), proof }
    },
    LIMITS.maxGroupMembers,
    1,
  )
  assertUnique(
    members.map((m) => m.user),
    `${l}.members`,
  )
  return {
    id: assertDigest(o['id'], `${l}.id`),
    salt,
    name: assertString(o['name'], `${l}.name`, 64),
    version: assertInteger(o['version'], `${l}.version`, 1, 2 ** 31 - 1),
    members,
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
  message,
  post,
  receipt,
  contacts,
  group,
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
