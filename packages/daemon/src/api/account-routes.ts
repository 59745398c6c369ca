/**
 * The client API routes (api-app.ts) of contacts, devices and identity, peers and sync, the
 * journal, delegations and rules, blocking, message requests, settings, profile and address
 * (docs/api.md): each parses its input, calls `SdmpApi` and returns its JSON.
 * @module
 */
import type { Hono } from 'hono'
import type { SdmpApi } from '@sdmp/client'
import {
  AddContactRequest,
  AddressRequest,
  AuthorizeDeviceRequest,
  BlockRequest,
  DelegationRequest,
  EmptyRequest,
  JoinRequest,
  JournalQuery,
  ProfileRequest,
  RecoverRequest,
  RequestAccept,
  RequestSend,
  RuleRequest,
  SettingsRequest,
  SyncRequest,
} from '@sdmp/client/schemas'
import { bodyOf, param, plain, queryOf } from './route-helpers.js'

/** Register the routes of contacts, devices, sync, delegation, blocking, requests and profile. */
export function accountRoutes(app: Hono, api: SdmpApi): void {
  app.get(
    '/v1/contacts',
    plain(() => api.contacts()),
  )
  app.post('/v1/contacts', async (c) => {
    return c.json(await api.addContact(await bodyOf(c, AddContactRequest)))
  })
  app.delete('/v1/contacts/:name', async (c) => {
    const name = param(c, 'name')
    await bodyOf(c, EmptyRequest)
    return c.json(await api.removeContact(name))
  })
  app.get('/v1/contacts/:name/invite', async (c) => {
    const name = param(c, 'name')
    return c.json(await api.contactInvite(name))
  })
  app.get(
    '/v1/devices',
    plain(() => api.devices()),
  )
  app.post('/v1/devices', async (c) => {
    return c.json(await api.authorizeDevice(await bodyOf(c, AuthorizeDeviceRequest)))
  })
  // Registered before /v1/devices/:node would matter only for POST; DELETE has no clash.
  app.post('/v1/devices/join', async (c) => {
    return c.json(await api.join(await bodyOf(c, JoinRequest)))
  })
  app.post('/v1/identity/rotate', async (c) => {
    await bodyOf(c, EmptyRequest)
    return c.json(await api.rotateIdentity())
  })
  app.post('/v1/identity/recover', async (c) => {
    return c.json(await api.recoverIdentity(await bodyOf(c, RecoverRequest)))
  })
  app.delete('/v1/devices/:node', async (c) => {
    const node = param(c, 'node')
    await bodyOf(c, EmptyRequest)
    return c.json(await api.revokeDevice(node))
  })
  app.get(
    '/v1/invite',
    plain(() => api.invite()),
  )
  app.get(
    '/v1/peers',
    plain(() => api.peers()),
  )
  app.post('/v1/sync', async (c) => {
    return c.json(await api.sync(await bodyOf(c, SyncRequest)))
  })
  app.get('/v1/journal', async (c) => c.json(await api.journal(queryOf(c, JournalQuery))))
  // Delegations and forwarding rules (docs/api.md "Delegation and rules").
  app.get(
    '/v1/delegations',
    plain(() => api.delegations()),
  )
  app.post('/v1/delegations', async (c) =>
    c.json(await api.grantDelegation(await bodyOf(c, DelegationRequest))),
  )
  app.delete('/v1/delegations/:contact', async (c) => {
    const contact = param(c, 'contact')
    await bodyOf(c, EmptyRequest)
    return c.json(await api.revokeDelegation(contact))
  })
  app.get(
    '/v1/rules',
    plain(() => api.rules()),
  )
  app.post('/v1/rules', async (c) => c.json(await api.addRule(await bodyOf(c, RuleRequest))))
  app.delete('/v1/rules/:id', async (c) => {
    const id = param(c, 'id')
    await bodyOf(c, EmptyRequest)
    return c.json(await api.removeRule(id))
  })
  // Blocking, read receipts, profile (docs/api.md "Blocking, settings, profile").
  app.get(
    '/v1/blocks',
    plain(() => api.blocks()),
  )
  app.post('/v1/blocks', async (c) => c.json(await api.block(await bodyOf(c, BlockRequest))))
  app.delete('/v1/blocks/:user', async (c) => {
    const user = param(c, 'user')
    await bodyOf(c, EmptyRequest)
    return c.json(await api.unblock(user))
  })
  // Message requests (docs/protocol/requests.md, docs/api.md "Message requests").
  app.get(
    '/v1/requests',
    plain(() => api.requests()),
  )
  app.post('/v1/requests', async (c) => c.json(await api.sendRequest(await bodyOf(c, RequestSend))))
  app.post('/v1/requests/:id/accept', async (c) => {
    const id = param(c, 'id')
    return c.json(await api.acceptRequest(id, await bodyOf(c, RequestAccept)))
  })
  app.post('/v1/requests/:id/decline', async (c) => {
    const id = param(c, 'id')
    await bodyOf(c, EmptyRequest)
    return c.json(await api.declineRequest(id))
  })
  app.post('/v1/requests/:id/block', async (c) => {
    const id = param(c, 'id')
    await bodyOf(c, EmptyRequest)
    return c.json(await api.blockRequest(id))
  })
  app.get(
    '/v1/settings',
    plain(() => api.settings()),
  )
  app.put('/v1/settings', async (c) =>
    c.json(await api.updateSettings(await bodyOf(c, SettingsRequest))),
  )
  app.get(
    '/v1/profile',
    plain(() => api.profile()),
  )
  app.put('/v1/profile', async (c) => c.json(await api.setProfile(await bodyOf(c, ProfileRequest))))
  app.put('/v1/address', async (c) => c.json(await api.setAddress(await bodyOf(c, AddressRequest))))
}
