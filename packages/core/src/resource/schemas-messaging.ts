/**
 * The messaging content schemas of the profile (docs/protocol/schemas.md, messaging.md): a
 * message (sealed inside `encrypted`), a forwarded message, a post, a receipt, a contact list
 * and a group. Part of the bundled core schemas (schemas.ts), split off by domain.
 * @module
 */
import { fromBase64urlExact } from '../bytes.js'
import { LIMITS } from '../domain.js'
import {
  ATTACHMENT_MAX_COUNT,
  ATTACHMENT_MAX_NAME_CHARS,
  isBlobHash,
} from '../attachment/attachment.js'
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

const optional = <T>(v: Json | undefined, f: (x: Json) => T): T | undefined =>
  v === undefined ? undefined : f(v)

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

/** The messaging schemas, spread into `CONTENT_SCHEMAS` (schemas.ts). */
export const MESSAGING_SCHEMAS = Object.freeze({
  message,
  post,
  receipt,
  contacts,
  group,
})
