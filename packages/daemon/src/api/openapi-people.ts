/**
 * The paths of the OpenAPI document (openapi.ts) about the people a user deals with and the
 * account itself: contacts, delegations, forwarding rules, blocks, message requests, settings,
 * profile and address, devices, identity rotation and recovery, invites (docs/api.md).
 * @module
 */
import * as S from '@sdmp/client/schemas'
import { body, ok, op, path, ref } from './openapi-parts.js'
import type { Doc } from './openapi-parts.js'

/** `paths` entries of the contact, trust and account routes, in the order the document lists them. */
export const PEOPLE_PATHS: Record<string, Doc> = {
  '/v1/contacts': {
    get: op('contacts', 'contacts by name', { responses: ok(S.ContactList) }),
    post: op('addContact', 'add a contact from an invite', {
      requestBody: body(S.AddContactRequest),
      responses: ok(ref('ContactAdded')),
    }),
  },
  '/v1/contacts/{name}': {
    delete: op('removeContact', 'revoke trust in a contact and forget its name', {
      parameters: [path('name')],
      responses: ok(ref('ContactRemoved')),
    }),
  },
  '/v1/contacts/{name}/invite': {
    get: op('contactInvite', "a contact's invite as this node knows it (for its recovery)", {
      parameters: [path('name')],
      responses: ok(S.Invite),
    }),
  },
  '/v1/delegations': {
    get: op('delegations', 'delegations granted by and to this user', {
      responses: ok(S.DelegationList),
    }),
    post: op('grantDelegation', 'let a contact send or read for this user', {
      requestBody: body(S.DelegationRequest),
      responses: ok(ref('Delegation')),
    }),
  },
  '/v1/delegations/{contact}': {
    delete: op('revokeDelegation', 'revoke every active delegation to a contact, at once', {
      parameters: [path('contact')],
      responses: ok(S.DelegationsRevoked),
    }),
  },
  '/v1/rules': {
    get: op('rules', 'forwarding rules of this node', { responses: ok(S.RuleList) }),
    post: op('addRule', 'forward what matching senders send us to other contacts', {
      requestBody: body(S.RuleRequest),
      responses: ok(ref('Rule')),
    }),
  },
  '/v1/rules/{id}': {
    delete: op('removeRule', 'remove a forwarding rule', {
      parameters: [path('id')],
      responses: ok(ref('Rule')),
    }),
  },
  '/v1/blocks': {
    get: op('blocks', 'blocked users', { responses: ok(S.BlockList) }),
    post: op('block', 'block a user: their resources and nodes are refused', {
      requestBody: body(S.BlockRequest),
      responses: ok(ref('Block')),
    }),
  },
  '/v1/blocks/{user}': {
    delete: op('unblock', 'unblock a user (contact name or fingerprint)', {
      parameters: [path('user')],
      responses: ok(S.Unblocked),
    }),
  },
  '/v1/requests': {
    get: op('requests', 'message requests received, oldest first (requests.md)', {
      responses: ok(S.RequestList),
    }),
    post: op('sendRequest', 'send a message request to someone not yet a contact', {
      requestBody: body(S.RequestSend),
      responses: ok(S.RequestSent),
    }),
  },
  '/v1/requests/{id}/accept': {
    post: op('acceptRequest', 'accept a request: its sender becomes a contact', {
      parameters: [path('id')],
      requestBody: body(S.RequestAccept),
      responses: ok(S.RequestAccepted),
    }),
  },
  '/v1/requests/{id}/decline': {
    post: op('declineRequest', 'decline a request: it is deleted', {
      parameters: [path('id')],
      requestBody: body(S.EmptyRequest),
      responses: ok(S.RequestRemoved),
    }),
  },
  '/v1/requests/{id}/block': {
    post: op('blockRequest', "block a request's sender and delete the request", {
      parameters: [path('id')],
      requestBody: body(S.EmptyRequest),
      responses: ok(S.RequestRemoved),
    }),
  },
  '/v1/settings': {
    get: op('settings', 'read receipts: the default and per contact', {
      responses: ok(ref('Settings')),
    }),
    put: op('updateSettings', 'turn read receipts on or off, for all or one contact', {
      requestBody: body(S.SettingsRequest),
      responses: ok(ref('Settings')),
    }),
  },
  '/v1/profile': {
    get: op('profile', "this user's published display name", { responses: ok(ref('Profile')) }),
    put: op('setProfile', 'publish a new profile with this display name', {
      requestBody: body(S.ProfileRequest),
      responses: ok(ref('Profile')),
    }),
  },
  '/v1/address': {
    put: op('setAddress', 'claim name@domain in the profile (null drops the claim)', {
      requestBody: body(S.AddressRequest),
      responses: ok(ref('Profile')),
    }),
  },
  '/v1/devices': {
    get: op('devices', 'devices of the user', { responses: ok(S.DeviceList) }),
    post: op('authorizeDevice', 'authorize a device from its join request', {
      requestBody: body(S.AuthorizeDeviceRequest),
      responses: ok(ref('DeviceAuthorized')),
    }),
  },
  '/v1/devices/{node}': {
    delete: op('revokeDevice', 'revoke a device (fingerprint, 6+ character prefix or name)', {
      parameters: [path('node')],
      responses: ok(ref('DeviceRevoked')),
    }),
  },
  '/v1/devices/join': {
    post: op('join', "on a joined device: take the user's invite", {
      requestBody: body(S.JoinRequest),
      responses: ok(S.Joined),
    }),
  },
  '/v1/identity/rotate': {
    post: op('rotateIdentity', 'replace the user identity key (this device holds it)', {
      requestBody: body(S.EmptyRequest),
      responses: ok(ref('IdentityRotated')),
    }),
  },
  '/v1/identity/recover': {
    post: op('recoverIdentity', 'on a joined device: recover a lost identity with its words', {
      requestBody: body(S.RecoverRequest),
      responses: ok(ref('IdentityRotated')),
    }),
  },
  '/v1/invite': {
    get: op('invite', 'an invite for contacts (full, and short once this node has an address)', {
      responses: ok(S.OwnInvite),
    }),
  },
}
