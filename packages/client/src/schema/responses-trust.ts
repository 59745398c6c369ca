/**
 * Response shapes of the client API (docs/api.md) for the trust relationships of the user:
 * contacts, this user's profile, devices, identity rotation and recovery, invites and joins
 * (docs/protocol/trust.md, keys.md).
 * @module
 */
import { Type } from '@sinclair/typebox'
import { RevokedInfo } from './responses-node.js'
import { closed, count, nullable, oneOf, text, time } from './schema-kit.js'
import type { Contract } from './schema-kit.js'

/**
 * A contact: `mutual` once the contact's trust back has arrived, `waiting` until then, `removed`
 * once they withdrew it (their trust revoked, or their nodes refuse us after they had added us).
 */
export const Contact = closed({
  name: text(),
  user: text(),
  trust: text(),
  added: time(),
  status: oneOf('mutual', 'waiting', 'removed'),
  displayName: Type.Optional(
    Type.String({ description: 'the name the contact gave themselves (their newest profile)' }),
  ),
  blocked: Type.Optional(Type.Literal(true, { description: 'blocked here' })),
})
export type Contact = Contract<typeof Contact>

/** `GET /v1/profile`, `PUT /v1/profile`: this user's published display name. */
export const Profile = closed({
  user: text(),
  name: nullable(text()),
  updated: nullable(Type.String({ format: 'date-time', description: 'when it was signed' })),
  address: Type.Optional(Type.String({ description: 'the name@domain claimed (addresses.md §2)' })),
})
export type Profile = Contract<typeof Profile>

/** How a replaced identity was proven (docs/protocol/keys.md §5). */
const RotationKind = oneOf('key', 'recovery')

/** `POST /v1/contacts`. */
export const ContactAdded = closed({
  name: text(),
  user: text(),
  trust: text(),
  added: time(),
  nodes: Type.Integer({ minimum: 0, description: "how many of the contact's devices it lists" }),
  refreshed: Type.Optional(Type.Boolean({ description: 'already a contact: devices refreshed' })),
  address: Type.Optional(
    Type.String({ description: 'the name@domain it was added by, now pinned' }),
  ),
  replaced: Type.Optional(
    closed({ from: text(), kind: RotationKind }, 'the invite replaces this identity (rotation)'),
  ),
})
export type ContactAdded = Contract<typeof ContactAdded>

/** `DELETE /v1/contacts/{name}`. */
export const ContactRemoved = closed({ name: text(), user: text(), revokes: Type.Array(text()) })
export type ContactRemoved = Contract<typeof ContactRemoved>

/** One of the user's devices. */
export const Device = closed({
  node: text(),
  name: Type.Optional(text()),
  authorization: Type.Array(text()),
  status: oneOf('active', 'revoked', 'expired', 'pending'),
  self: Type.Boolean(),
  trusts: Type.Array(text()),
})
export type Device = Contract<typeof Device>

/** `POST /v1/devices`. */
export const DeviceAuthorized = closed({
  node: text(),
  name: Type.Optional(text()),
  trust: text(),
  authorization: Type.Array(text()),
})
export type DeviceAuthorized = Contract<typeof DeviceAuthorized>

/** `DELETE /v1/devices/{node}`. */
export const DeviceRevoked = closed({ node: text(), revokes: Type.Array(text()) })
export type DeviceRevoked = Contract<typeof DeviceRevoked>

/** `POST /v1/identity/rotate` and `/recover`: the user identity was replaced (keys.md §5). */
export const IdentityRotated = closed({
  user: Type.String({ description: 'the new user identity' }),
  previous: Type.String({ description: 'the identity it replaces' }),
  kind: RotationKind,
  devices: count(),
  contacts: count(),
  recoveryWords: Type.Optional(Type.String({ description: 'after a recovery, shown once' })),
})
export type IdentityRotated = Contract<typeof IdentityRotated>

/** `GET /v1/contacts`. */
export const ContactList = closed({ contacts: Type.Array(Contact) })
/** `GET /v1/devices`: `revoked` when this device was revoked. */
export const DeviceList = closed({
  devices: Type.Array(Device),
  revoked: Type.Optional(RevokedInfo),
})
/** `GET /v1/contacts/{name}/invite`. */
export const Invite = closed({ invite: text() })
/**
 * `GET /v1/invite`: the full invite, and the short one (`sdmp-invite:3:`, fetched from this node
 * by whoever adds it) once this node has published a peer address (docs/cli.md "Invites").
 */
export const OwnInvite = closed({
  invite: text(),
  short: Type.Optional(text()),
})
/** `POST /v1/devices/join`: the user learned and this node. */
export const Joined = closed({ user: text(), node: text() })
