/**
 * The hand-written OpenAPI 3.1 document of the client API (docs/api.md), served at
 * `GET /openapi.json`. A test checks that its paths and methods are exactly the app's routes.
 * @module
 */
import { API_PAGE_LIMITS } from '@sdmp/client'
import { LIMITS } from '@sdmp/core'

type Schema = Record<string, unknown>

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const str: Schema = { type: 'string' }
const strOrNull: Schema = { type: ['string', 'null'] }
const int: Schema = { type: 'integer', minimum: 0 }
const bool: Schema = { type: 'boolean' }
const time: Schema = { type: 'string', format: 'date-time' }
const arr = (items: Schema): Schema => ({ type: 'array', items })
const enumOf = (...values: string[]): Schema => ({ type: 'string', enum: values })
/** A closed object: every listed member required unless named in `optional`. */
const obj = (properties: Record<string, Schema>, optional: string[] = []): Schema => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
})

const schemas: Record<string, Schema> = {
  Error: obj({ error: obj({ code: str, message: str }) }),
  Whoami: obj(
    {
      user: strOrNull,
      node: str,
      uri: strOrNull,
      name: str,
      listen: obj({ peer: str, api: str }),
      running: obj({ peer: str, api: str, pid: int }),
      revoked: ref('Revoked'),
    },
    ['name', 'running', 'revoked'],
  ),
  Revoked: obj({ at: time, by: str, message: str }),
  Status: obj(
    {
      user: strOrNull,
      node: str,
      store: str,
      encrypted: bool,
      counts: obj({ resources: int, journal: int, contacts: int, devices: int, messages: int }),
      daemon: obj({ pid: int, uptimeMs: int, peers: int }),
      revoked: ref('Revoked'),
    },
    ['daemon', 'revoked'],
  ),
  SendRequest: obj(
    {
      to: {
        ...arr({ type: 'string', minLength: 1, maxLength: 256 }),
        minItems: 1,
        maxItems: LIMITS.maxRecipients,
      },
      body: { type: 'string', maxLength: LIMITS.maxBodyChars },
      type: enumOf('text', 'markdown', 'html'),
      subject: { type: 'string', maxLength: LIMITS.maxStringChars },
      replyTo: { type: 'string', maxLength: 256 },
      expiresInMs: { type: 'integer', minimum: 1, maximum: 3_153_600_000_000 },
      attachments: { ...arr(ref('AttachmentRef')), maxItems: 64 },
    },
    ['type', 'subject', 'replyTo', 'expiresInMs', 'attachments'],
  ),
  AttachmentRef: obj(
    {
      hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      size: int,
      key: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
      name: { type: 'string', minLength: 1, maxLength: 255 },
      type: { type: 'string', maxLength: 255 },
    },
    ['type'],
  ),
  UploadedBlob: obj({ hash: str, size: int, key: str }),
  AttachmentInfo: obj({ name: str, size: int, type: strOrNull, hash: str, available: bool }),
  PostRequest: obj(
    {
      body: { type: 'string', maxLength: LIMITS.maxBodyChars },
      type: enumOf('text', 'markdown'),
      subject: { type: 'string', maxLength: LIMITS.maxStringChars },
    },
    ['type', 'subject'],
  ),
  Published: obj({ id: str }),
  Message: obj(
    {
      id: str,
      from: str,
      to: arr(str),
      subject: strOrNull,
      body: str,
      type: enumOf('text', 'markdown', 'html'),
      created: time,
      conversation: str,
      replyTo: strOrNull,
      expires: { type: ['string', 'null'], format: 'date-time' },
      state: enumOf('sent', 'delivered', 'read', 'unread'),
      direction: enumOf('in', 'out'),
      attachments: arr(ref('AttachmentInfo')),
    },
    ['attachments'],
  ),
  ReceiptInfo: obj({ user: str, status: enumOf('delivered', 'read'), at: time }),
  MessageDetail: {
    allOf: [
      ref('Message'),
      { type: 'object', required: ['receipts'], properties: { receipts: arr(ref('ReceiptInfo')) } },
    ],
  },
  Post: obj({
    id: str,
    from: str,
    body: str,
    type: enumOf('text', 'markdown'),
    subject: strOrNull,
    created: time,
  }),
  Shown: { oneOf: [obj({ message: ref('MessageDetail') }), obj({ post: ref('Post') })] },
  Contact: obj({
    name: str,
    user: str,
    trust: str,
    added: time,
    status: enumOf('mutual', 'waiting'),
  }),
  ContactAdded: obj(
    {
      name: str,
      user: str,
      trust: str,
      added: time,
      nodes: int,
      refreshed: { type: 'boolean' },
      replaced: obj({ from: str, kind: { type: 'string', enum: ['key', 'recovery'] } }),
    },
    ['refreshed', 'replaced'],
  ),
  ContactRemoved: obj({ name: str, user: str, revokes: arr(str) }),
  Device: obj(
    {
      node: str,
      name: str,
      authorization: arr(str),
      status: enumOf('active', 'revoked', 'expired', 'pending'),
      self: bool,
      trusts: arr(str),
    },
    ['name'],
  ),
  DeviceAuthorized: obj({ node: str, name: str, trust: str, authorization: arr(str) }, ['name']),
  DeviceRevoked: obj({ node: str, revokes: arr(str) }),
  IdentityRotated: obj(
    {
      user: str,
      previous: str,
      kind: { type: 'string', enum: ['key', 'recovery'] },
      devices: int,
      contacts: int,
      recoveryWords: str,
    },
    ['recoveryWords'],
  ),
  Peer: obj({
    node: strOrNull,
    user: strOrNull,
    address: strOrNull,
    state: enumOf('connected', 'connecting', 'backoff', 'offline'),
    direction: { type: ['string', 'null'], enum: ['inbound', 'outbound', null] },
    lastError: strOrNull,
    nextAttempt: { type: ['string', 'null'], format: 'date-time' },
  }),
  SyncRequest: obj({ wait: bool, timeoutMs: { type: 'integer', minimum: 1, maximum: 3_600_000 } }, [
    'wait',
    'timeoutMs',
  ]),
  SyncResult: obj({ synced: bool, peers: arr(ref('Peer')) }),
  JournalLine: obj({ position: int, line: str }),
}

const errorResponse = (description: string): Schema => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
})
/** Error responses every authenticated route can return. */
const errors: Record<string, Schema> = {
  '400': errorResponse('BAD_REQUEST, INVALID_ENCODING or SCHEMA_VIOLATION'),
  '401': errorResponse('UNAUTHORIZED: missing or wrong bearer token'),
  '403': errorResponse('FORBIDDEN'),
  '404': errorResponse('NOT_FOUND'),
  '409': errorResponse('CONFLICT'),
  '413': errorResponse('LIMIT_EXCEEDED: body over 2 MiB or a limit of the node'),
  '422': errorResponse('any other ProtocolError code'),
  '500': errorResponse('INTERNAL: a bug; the message is generic'),
  '503': errorResponse('IN_USE or UNAVAILABLE'),
}

const json = (schema: Schema): Schema => ({ 'application/json': { schema } })
const ok = (schema: Schema): Record<string, Schema> => ({
  '200': { description: 'success', content: json(schema) },
  ...errors,
})
const body = (schema: Schema, required = true): Schema => ({ required, content: json(schema) })
const query = (name: string, schema: Schema, description: string): Schema => ({
  name,
  in: 'query',
  required: false,
  schema,
  description,
})
const path = (name: string): Schema => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 256 },
})
const op = (operationId: string, summary: string, rest: Schema): Schema => ({
  operationId,
  summary,
  security: [{ bearer: [] }],
  ...rest,
})
const limitParam = (max: number): Schema =>
  query('limit', { type: 'integer', minimum: 1, maximum: max }, `at most this many (1..${max})`)

/** The OpenAPI 3.1 document of the client API. */
export const OPENAPI_DOCUMENT = Object.freeze({
  openapi: '3.1.0',
  info: {
    title: 'sdmp node client API',
    version: '1',
    description:
      'Local HTTP/JSON API of an sdmp node (docs/api.md). Every /v1 route needs ' +
      '`Authorization: Bearer <token>` (the api-token file of the home).',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas,
  },
  paths: {
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'this document (no authentication)',
        responses: {
          '200': { description: 'the OpenAPI document', content: json({ type: 'object' }) },
        },
      },
    },
    '/v1/whoami': {
      get: op('whoami', 'user and node of this home', { responses: ok(ref('Whoami')) }),
    },
    '/v1/status': {
      get: op('status', 'store counts and daemon state', { responses: ok(ref('Status')) }),
    },
    '/v1/messages': {
      post: op('send', 'send an end-to-end encrypted message', {
        requestBody: body(ref('SendRequest')),
        responses: ok(ref('Published')),
      }),
      get: op('inbox', 'received (and with all=true sent) messages', {
        parameters: [query('all', bool, 'include sent messages'), limitParam(API_PAGE_LIMITS.list)],
        responses: ok(obj({ messages: arr(ref('Message')) })),
      }),
    },
    '/v1/items/{id}': {
      get: op('show', 'a message or post by id', {
        parameters: [path('id')],
        responses: ok(ref('Shown')),
      }),
    },
    '/v1/blobs': {
      post: op('uploadBlob', 'encrypt and store a file (streamed) for a later send', {
        requestBody: {
          required: true,
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        responses: ok(ref('UploadedBlob')),
      }),
    },
    '/v1/messages/{id}/attachments/{index}': {
      get: op('attachment', 'one attachment of a message, decrypted (404 until it arrived)', {
        parameters: [
          path('id'),
          {
            name: 'index',
            in: 'path',
            required: true,
            schema: { type: 'integer', minimum: 0, maximum: 63 },
          },
        ],
        responses: {
          '200': {
            description:
              'the file; X-Attachment-Name, X-Attachment-Type (percent-encoded) and X-Attachment-Size headers',
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...errors,
        },
      }),
    },
    '/v1/messages/{id}/read': {
      post: op('markRead', 'mark a received message read (sends a read receipt once)', {
        parameters: [path('id')],
        responses: ok(obj({ message: ref('MessageDetail') })),
      }),
    },
    '/v1/posts': {
      post: op('post', 'publish a public post', {
        requestBody: body(ref('PostRequest')),
        responses: ok(ref('Published')),
      }),
      get: op('posts', 'public posts', {
        parameters: [limitParam(API_PAGE_LIMITS.list)],
        responses: ok(obj({ posts: arr(ref('Post')) })),
      }),
    },
    '/v1/contacts': {
      get: op('contacts', 'contacts by name', {
        responses: ok(obj({ contacts: arr(ref('Contact')) })),
      }),
      post: op('addContact', 'add a contact from an invite', {
        requestBody: body(obj({ invite: str, name: str }, ['name'])),
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
        responses: ok(obj({ invite: str })),
      }),
    },
    '/v1/devices': {
      get: op('devices', 'devices of the user', {
        responses: ok(obj({ devices: arr(ref('Device')), revoked: ref('Revoked') }, ['revoked'])),
      }),
      post: op('authorizeDevice', 'authorize a device from its join request', {
        requestBody: body(obj({ request: str, hostOnly: bool }, ['hostOnly'])),
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
        requestBody: body(obj({ invite: str })),
        responses: ok(obj({ user: str, node: str })),
      }),
    },
    '/v1/identity/rotate': {
      post: op('rotateIdentity', 'replace the user identity key (this device holds it)', {
        requestBody: body(obj({})),
        responses: ok(ref('IdentityRotated')),
      }),
    },
    '/v1/identity/recover': {
      post: op('recoverIdentity', 'on a joined device: recover a lost identity with its words', {
        requestBody: body(obj({ invite: str, words: str })),
        responses: ok(ref('IdentityRotated')),
      }),
    },
    '/v1/invite': {
      get: op('invite', 'an invite for contacts', { responses: ok(obj({ invite: str })) }),
    },
    '/v1/peers': {
      get: op('peers', 'peers of the running node', {
        responses: ok(obj({ peers: arr(ref('Peer')) })),
      }),
    },
    '/v1/sync': {
      post: op('sync', 'sync with every reachable peer now', {
        requestBody: body(ref('SyncRequest'), false),
        responses: ok(ref('SyncResult')),
      }),
    },
    '/v1/journal': {
      get: op('journal', 'journal lines in order', {
        parameters: [
          query('after', int, 'only lines after this position'),
          limitParam(API_PAGE_LIMITS.journal),
        ],
        responses: ok(obj({ lines: arr(ref('JournalLine')) })),
      }),
    },
    '/v1/events': {
      get: op(
        'events',
        'Server-Sent Events: journal-derived events (id = journal position) and peer events',
        {
          parameters: [
            query(
              'after',
              int,
              'start after this journal position (else the Last-Event-ID header, else now)',
            ),
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              schema: { type: 'string', pattern: '^[0-9]+$' },
            },
          ],
          responses: {
            '200': {
              description:
                'text/event-stream; `event:` is message, receipt, post, contact, device, peer or error; ' +
                '`data:` is the event JSON; a `: keepalive` comment every 15 s',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...errors,
          },
        },
      ),
    },
  },
})
