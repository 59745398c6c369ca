/**
 * The client API as a Hono app (docs/api.md): bearer authentication, strict input checks, one
 * error mapping, the SSE event stream and the OpenAPI document. Routes only parse, call
 * {@link SdmpApi} and shape the output; `listen` lives in {@link startApiServer}.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { Hono } from 'hono'
import type { Context } from 'hono'
import { serveStatic } from '@hono/node-server/serve-static'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { supportsAttachments } from '@sdmp/client'
import type { AttachmentApi, SdmpApi, SendBatchRequest } from '@sdmp/client'
import {
  AddContactRequest,
  AddressRequest,
  AttachmentIndex,
  AuthorizeDeviceRequest,
  ChatId,
  ChatsQuery,
  BlockRequest,
  DelegationRequest,
  RuleRequest,
  EditRequest,
  EmptyRequest,
  EventsQuery,
  ForwardRequest,
  GroupCreateRequest,
  GroupMemberRequest,
  GroupSendRequest,
  InboxQuery,
  JoinRequest,
  JournalQuery,
  PostRequest,
  PostsQuery,
  ProfileRequest,
  RecoverRequest,
  RequestAccept,
  RequestSend,
  SendRequest,
  SettingsRequest,
  SyncRequest,
} from '@sdmp/client/schemas'
import type { Static, TObject } from '@sinclair/typebox'
import { attachmentResponse, requestBytes } from './attachment-routes.js'
import { allowedApiHosts, hostGuard, securityHeaders } from './browser-guard.js'
import { errorBody, toErrorResponse } from './http-errors.js'
import { KEEPALIVE_MS, openEventStream } from './event-stream.js'
import type { EventFeed } from './event-stream.js'
import { OPENAPI_DOCUMENT } from './openapi.js'
import { WELL_KNOWN_PREFIX } from '../address/address-document.js'
import {
  checkBody,
  checkParam,
  checkQuery,
  incomingOf,
  parseInteger,
  readJsonBody,
} from './validate.js'

/** Options of {@link createApiApp}. */
export interface ApiAppOptions {
  readonly api: SdmpApi
  readonly events: EventFeed
  /** The bearer token (the home's api-token file); compared in constant time. */
  readonly token: string
  /** Serve the web client's static files from this directory (no authentication). */
  readonly web?: { readonly root: string }
  /** Interval of the SSE `: keepalive` comment; default {@link KEEPALIVE_MS}. */
  readonly keepaliveMs?: number
  /**
   * Which `Host` names to answer (DNS rebinding guard, {@link allowedApiHosts}); default: loopback
   * names only.
   */
  readonly allowedHost?: (host: string) => boolean
  /** Told about every internal (500) error, e.g. to log its stack; never sent to clients. */
  readonly onInternalError?: (error: unknown) => void
  /**
   * The well-known address document for a name (docs/protocol/addresses.md §2), or undefined
   * when this node's user claims no such name. Served without a token, for any Host.
   */
  readonly wellKnown?: (name: string) => Promise<string | undefined>
}

/** Open SSE streams per app, so {@link startApiServer}'s close() can end them. */
const openStreams = new WeakMap<Hono, Set<{ close(): void; closed: Promise<void> }>>()

/** End every open SSE stream of an app and wait until they are closed. */
export async function closeEventStreams(app: Hono): Promise<void> {
  const streams = [...(openStreams.get(app) ?? [])]
  for (const s of streams) s.close()
  await Promise.all(streams.map((s) => s.closed))
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()

const unauthorized = (): never => {
  throw new ProtocolError(ErrorCode.UNAUTHORIZED, 'missing or wrong bearer token')
}

/**
 * Build the client API app.
 * @example
 * const app = createApiApp({ api: service, events: feed, token })
 * const server = await startApiServer(app, { host: '127.0.0.1', port: 0 })
 */
export function createApiApp(options: ApiAppOptions): Hono {
  const { api, events } = options
  // Hash both sides so the comparison takes the same time whatever the lengths (hono's
  // bearer-auth does the same); the token itself is never logged or echoed.
  const expected = sha256(options.token)
  const keepaliveMs = options.keepaliveMs ?? KEEPALIVE_MS
  const app = new Hono()
  const streams = new Set<{ close(): void; closed: Promise<void> }>()
  openStreams.set(app, streams)

  app.use('*', securityHeaders())
  // The well-known document is public data meant for other domains' nodes: no Host guard
  // (it protects the token-holding API from DNS rebinding) and no token.
  const guard = hostGuard(options.allowedHost ?? allowedApiHosts('127.0.0.1'))
  app.use('*', (c, next) => (c.req.path.startsWith(WELL_KNOWN_PREFIX) ? next() : guard(c, next)))
  app.get(`${WELL_KNOWN_PREFIX}:name`, async (c) => {
    const name = c.req.param('name')
    // Only names an address may have (addresses.md §1); anything else is simply not here.
    const doc =
      options.wellKnown !== undefined && /^[a-z0-9._-]{1,64}$/.test(name)
        ? await options.wellKnown(name)
        : undefined
    if (doc === undefined) return c.json(errorBody(ErrorCode.NOT_FOUND, 'no such name here'), 404)
    return c.body(doc, 200, { 'Content-Type': 'application/json' })
  })
  app.use('/v1/*', async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(header)
    if (match === null) unauthorized()
    if (!timingSafeEqual(sha256(match![1]!), expected)) unauthorized()
    await next()
  })

  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error)
    if (status === 500) options.onInternalError?.(error)
    return c.json(body, status as 500)
  })
  app.notFound((c) => c.json(errorBody(ErrorCode.NOT_FOUND, 'no such route'), 404))

  /** Routes without parameters still refuse unknown ones (a typo should not pass silently). */
  const noQuery = (c: Context): void => void checkQuery(c.req.url, EmptyRequest)
  /** Parse a JSON body against its schema; an empty body counts as `{}`. */
  const bodyOf = async <T extends TObject>(c: Context, schema: T): Promise<Static<T>> => {
    noQuery(c) // no route with a body takes query parameters
    return checkBody(await readJsonBody(c.req.raw, incomingOf(c)), schema)
  }
  const queryOf = <T extends TObject>(c: Context, schema: T): Static<T> =>
    checkQuery(c.req.url, schema)
  const param = (c: Context, name: string): string => checkParam(c.req.param(name), `path.${name}`)

  /** A route with no parameters and no body. */
  const plain = (run: () => Promise<object>) => async (c: Context) => {
    noQuery(c)
    return c.json(await run())
  }

  app.get('/openapi.json', (c) => c.json(OPENAPI_DOCUMENT))

  app.get(
    '/v1/whoami',
    plain(() => api.whoami()),
  )
  app.get(
    '/v1/status',
    plain(() => api.status()),
  )
  app.post('/v1/messages', async (c) => {
    return c.json(await api.send(await bodyOf(c, SendRequest)))
  })
  // The items are checked one by one by the service, so that a bad one gets its own error
  // (docs/api.md "Batches"); the body as a whole is bounded and strict JSON like any other.
  app.post('/v1/messages/batch', async (c) => {
    noQuery(c)
    const raw = (await readJsonBody(c.req.raw, incomingOf(c))) ?? {}
    return c.json(await api.sendBatch(raw as unknown as SendBatchRequest))
  })
  app.post('/v1/messages/:id/forward', async (c) => {
    const id = param(c, 'id')
    return c.json(await api.forward(id, await bodyOf(c, ForwardRequest)))
  })
  // Groups (docs/protocol/groups.md).
  app.get(
    '/v1/groups',
    plain(() => api.groups()),
  )
  app.post('/v1/groups', async (c) =>
    c.json(await api.createGroup(await bodyOf(c, GroupCreateRequest))),
  )
  app.post('/v1/groups/:group/members', async (c) => {
    const group = param(c, 'group')
    return c.json(await api.addGroupMember(group, await bodyOf(c, GroupMemberRequest)))
  })
  app.delete('/v1/groups/:group/members/:member', async (c) => {
    noQuery(c)
    return c.json(await api.removeGroupMember(param(c, 'group'), param(c, 'member')))
  })
  app.post('/v1/groups/:group/messages', async (c) => {
    const group = param(c, 'group')
    return c.json(await api.sendToGroup(group, await bodyOf(c, GroupSendRequest)))
  })
  app.get('/v1/messages', async (c) => {
    return c.json(await api.inbox(queryOf(c, InboxQuery)))
  })
  app.get('/v1/chats', async (c) => c.json(await api.chats(queryOf(c, ChatsQuery))))
  app.get('/v1/chats/:id/messages', async (c) => {
    // A chat id is longer than other path parameters (a group's fingerprints): its own schema.
    const id = checkParam(c.req.param('id'), 'path.id', ChatId)
    return c.json(await api.chatMessages(id, queryOf(c, ChatsQuery)))
  })
  app.get('/v1/items/:id', async (c) => {
    noQuery(c)
    return c.json(await api.show(param(c, 'id')))
  })
  app.post('/v1/messages/:id/read', async (c) => {
    const id = param(c, 'id')
    await bodyOf(c, EmptyRequest)
    return c.json(await api.markRead(id))
  })
  // Edit and delete one's own messages and posts (docs/protocol/edits.md).
  app.put('/v1/messages/:id', async (c) => {
    const id = param(c, 'id')
    return c.json(await api.editMessage(id, await bodyOf(c, EditRequest)))
  })
  app.delete('/v1/messages/:id', async (c) => {
    noQuery(c)
    return c.json(await api.deleteMessage(param(c, 'id')))
  })
  app.get('/v1/messages/:id/history', async (c) => {
    noQuery(c)
    return c.json(await api.messageHistory(param(c, 'id')))
  })
  app.put('/v1/posts/:id', async (c) => {
    const id = param(c, 'id')
    return c.json(await api.editPost(id, await bodyOf(c, EditRequest)))
  })
  app.delete('/v1/posts/:id', async (c) => {
    noQuery(c)
    return c.json(await api.deletePost(param(c, 'id')))
  })
  app.post('/v1/posts', async (c) => {
    return c.json(await api.post(await bodyOf(c, PostRequest)))
  })
  app.get('/v1/posts', async (c) => c.json(await api.posts(queryOf(c, PostsQuery))))
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

  // Attachments (docs/protocol/attachments.md §4): raw bytes in and out, never a key out.
  const attachments = (): AttachmentApi => {
    if (!supportsAttachments(api))
      throw new ProtocolError(ErrorCode.UNAVAILABLE, 'this node does not handle attachments')
    return api
  }
  app.post('/v1/blobs', async (c) => {
    noQuery(c)
    const type = c.req.header('content-type') ?? ''
    if (!/^application\/octet-stream\s*(;|$)/i.test(type))
      throw new ProtocolError(
        ErrorCode.BAD_REQUEST,
        'content-type: expected application/octet-stream',
      )
    const uploaded = await attachments().uploadBlob(requestBytes(c.req.raw), {
      signal: c.req.raw.signal,
    })
    return c.json(uploaded)
  })
  app.get('/v1/messages/:id/attachments/:index', async (c) => {
    noQuery(c)
    const id = param(c, 'id')
    const index = parseInteger(param(c, 'index'), AttachmentIndex, 'path.index')
    return attachmentResponse(await attachments().attachment(id, index))
  })

  app.get('/v1/events', (c) => {
    const query = queryOf(c, EventsQuery)
    const lastId = c.req.header('last-event-id')
    let after = query.after
    // docs/api.md §Events: the Last-Event-ID header (a reconnect) wins over ?after.
    if (lastId !== undefined && lastId !== '') {
      after = parseInteger(lastId.trim(), EventsQuery.properties.after, 'last-event-id')
    }
    // A start past the processed head (a stale or made-up id, a store restored from a backup)
    // would wait silently for positions that may never come: clamp it to the head, and the
    // first frame's `id:` tells the client where it really resumes (docs/api.md §4, issue 12).
    const start = Math.min(after ?? events.processed, events.processed)
    const handle = openEventStream(events, start, keepaliveMs)
    streams.add(handle)
    void handle.closed.then(() => streams.delete(handle))
    return new Response(handle.stream, {
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        Connection: 'keep-alive',
      },
    })
  })

  if (options.web !== undefined) {
    // The web client is public static files; it carries no token (the user pastes it in).
    app.get('/*', serveStatic({ root: options.web.root }))
  }
  return app
}
