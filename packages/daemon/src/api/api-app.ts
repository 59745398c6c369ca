/**
 * The client API as a Hono app (docs/api.md): bearer authentication, strict input checks, one
 * error mapping, the SSE event stream and the OpenAPI document. Routes only parse, call
 * {@link SdmpApi} and shape the output; `listen` lives in {@link startApiServer}.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { Hono } from 'hono'
import { serveStatic } from '@hono/node-server/serve-static'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { supportsAttachments } from '@sdmp/client'
import type { AttachmentApi, SdmpApi } from '@sdmp/client'
import { AttachmentIndex, EventsQuery } from '@sdmp/client/schemas'
import { attachmentResponse, requestBytes } from './attachment-routes.js'
import { allowedApiHosts, hostGuard, securityHeaders } from './browser-guard.js'
import { errorBody, toErrorResponse } from './http-errors.js'
import { KEEPALIVE_MS, openEventStream } from './event-stream.js'
import type { EventFeed } from './event-stream.js'
import { OPENAPI_DOCUMENT } from './openapi.js'
import { accountRoutes } from './account-routes.js'
import { messageRoutes } from './message-routes.js'
import { noQuery, param, queryOf } from './route-helpers.js'
import { WELL_KNOWN_PREFIX } from '../address/address-document.js'
import { parseInteger } from './validate.js'

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

  app.get('/openapi.json', (c) => c.json(OPENAPI_DOCUMENT))

  messageRoutes(app, api)
  accountRoutes(app, api)

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
