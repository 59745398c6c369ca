/**
 * The OpenAPI 3.1 document of the client API (docs/api.md), served at `GET /openapi.json`. Its
 * schemas are the very request and response schemas of `@sdmp/client/schemas` (TypeBox schemas
 * are JSON Schema), so the document, the types and the boundary checks cannot disagree. A test
 * checks that its paths and methods are exactly the app's routes.
 * @module
 */
import * as S from '@sdmp/client/schemas'
import type { TObject, TSchema } from '@sinclair/typebox'

type Doc = Record<string, unknown>

/** Named schemas of `components.schemas` (each embedded whole; `$ref`s point here). */
const schemas = {
  Error: S.ApiErrorBody,
  Whoami: S.Whoami,
  Revoked: S.RevokedInfo,
  Status: S.Status,
  SendRequest: S.SendRequest,
  SendBatchRequest: S.SendBatchRequest,
  BatchPublished: S.BatchPublished,
  ForwardRequest: S.ForwardRequest,
  ForwardedFrom: S.ForwardedFrom,
  GroupInfo: S.GroupInfo,
  AttachmentRef: S.AttachmentRef,
  UploadedBlob: S.UploadedBlob,
  AttachmentInfo: S.AttachmentInfo,
  PostRequest: S.PostRequest,
  Published: S.Published,
  Message: S.Message,
  ReceiptInfo: S.ReceiptInfo,
  MessageDetail: S.MessageDetail,
  Post: S.Post,
  Shown: S.Shown,
  Contact: S.Contact,
  ContactAdded: S.ContactAdded,
  ContactRemoved: S.ContactRemoved,
  Device: S.Device,
  DeviceAuthorized: S.DeviceAuthorized,
  DeviceRevoked: S.DeviceRevoked,
  IdentityRotated: S.IdentityRotated,
  Peer: S.Peer,
  SyncRequest: S.SyncRequest,
  SyncResult: S.SyncResult,
  JournalLine: S.JournalLine,
  Block: S.Block,
  Delegation: S.Delegation,
  Rule: S.Rule,
  Settings: S.Settings,
  Profile: S.Profile,
} satisfies Record<string, TSchema>

const ref = (name: keyof typeof schemas): Doc => ({ $ref: `#/components/schemas/${name}` })

const errorResponse = (description: string): Doc => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
})
/** Error responses every authenticated route can return. */
const errors: Record<string, Doc> = {
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

const json = (schema: Doc): Doc => ({ 'application/json': { schema } })
const binary = { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } }
const ok = (schema: Doc): Record<string, Doc> => ({
  '200': { description: 'success', content: json(schema) },
  ...errors,
})
const body = (schema: Doc, required = true): Doc => ({ required, content: json(schema) })
/** The query parameters of a query schema, one per member (all optional). */
const query = (schema: TObject): Doc[] =>
  Object.entries(schema.properties).map(([name, member]) => ({
    name,
    in: 'query',
    required: false,
    schema: member,
    ...(member.description !== undefined && { description: member.description }),
  }))
const path = (name: string, schema: TSchema = S.PathParam): Doc => ({
  name,
  in: 'path',
  required: true,
  schema,
})
const op = (operationId: string, summary: string, rest: Doc): Doc => ({
  operationId,
  summary,
  security: [{ bearer: [] }],
  ...rest,
})

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
    '/.well-known/sdmp/{name}': {
      get: {
        operationId: 'addressDocument',
        summary:
          "the user's address document for name@domain (docs/protocol/addresses.md §2; no " +
          'authentication, any Host)',
        parameters: [path('name')],
        responses: {
          '200': { description: 'the address document', content: json({ type: 'object' }) },
          '404': errorResponse('NOT_FOUND: this node’s user claims no such name'),
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
        parameters: query(S.InboxQuery),
        responses: ok(S.MessageList),
      }),
    },
    '/v1/messages/batch': {
      post: op('sendBatch', 'send up to 256 messages together, answered per message', {
        requestBody: body(ref('SendBatchRequest')),
        responses: ok(ref('BatchPublished')),
      }),
    },
    '/v1/chats': {
      get: op('chats', 'chats, most recent activity first, with unread counts', {
        parameters: query(S.ChatsQuery),
        responses: ok(S.ChatList),
      }),
    },
    '/v1/chats/{id}/messages': {
      get: op('chatMessages', "a chat's messages, newest first (an unknown chat: none)", {
        parameters: [path('id', S.ChatId), ...query(S.ChatsQuery)],
        responses: ok(S.MessageList),
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
        requestBody: { required: true, content: binary },
        responses: ok(ref('UploadedBlob')),
      }),
    },
    '/v1/messages/{id}/attachments/{index}': {
      get: op('attachment', 'one attachment of a message, decrypted (404 until it arrived)', {
        parameters: [path('id'), path('index', S.AttachmentIndex)],
        responses: {
          '200': {
            description:
              'the file; X-Attachment-Name, X-Attachment-Type (percent-encoded) and X-Attachment-Size headers',
            content: binary,
          },
          ...errors,
        },
      }),
    },
    '/v1/messages/{id}/forward': {
      post: op('forward', "forward a message, its author's signature kept inside", {
        parameters: [path('id')],
        requestBody: body(ref('ForwardRequest')),
        responses: ok(ref('Published')),
      }),
    },
    '/v1/groups': {
      get: op('groups', 'the groups this node knows, mine first (docs/protocol/groups.md)', {
        responses: ok(S.GroupList),
      }),
      post: op('createGroup', 'create a group of contacts, administered by me', {
        requestBody: body(S.GroupCreateRequest),
        responses: ok(ref('GroupInfo')),
      }),
    },
    '/v1/groups/{group}/members': {
      post: op('addGroupMember', 'add a contact to a group I administer (a new version)', {
        parameters: [path('group')],
        requestBody: body(S.GroupMemberRequest),
        responses: ok(ref('GroupInfo')),
      }),
    },
    '/v1/groups/{group}/members/{member}': {
      delete: op('removeGroupMember', 'remove a member: later messages are not sealed to them', {
        parameters: [path('group'), path('member')],
        responses: ok(ref('GroupInfo')),
      }),
    },
    '/v1/groups/{group}/messages': {
      post: op('sendToGroup', 'send to every member of a group (sealed once for all)', {
        parameters: [path('group')],
        requestBody: body(S.GroupSendRequest),
        responses: ok(ref('Published')),
      }),
    },
    '/v1/messages/{id}/read': {
      post: op('markRead', 'mark a received message read (sends a read receipt once)', {
        parameters: [path('id')],
        responses: ok(S.MessageRead),
      }),
    },
    '/v1/messages/{id}': {
      put: op('editMessage', 'edit my own message (an update sealed to its recipients)', {
        parameters: [path('id')],
        requestBody: body(S.EditRequest),
        responses: ok(S.MessageRead),
      }),
      delete: op('deleteMessage', 'delete my own message on every node that holds it', {
        parameters: [path('id')],
        responses: ok(S.MessageRead),
      }),
    },
    '/v1/messages/{id}/history': {
      get: op('messageHistory', 'a message and its versions, oldest first', {
        parameters: [path('id')],
        responses: ok(S.MessageHistory),
      }),
    },
    '/v1/posts/{id}': {
      put: op('editPost', 'publish a new version of my own post', {
        parameters: [path('id')],
        requestBody: body(S.EditRequest),
        responses: ok(S.PostChanged),
      }),
      delete: op('deletePost', 'delete my own post', {
        parameters: [path('id')],
        responses: ok(S.PostChanged),
      }),
    },
    '/v1/posts': {
      post: op('post', 'publish a public post', {
        requestBody: body(ref('PostRequest')),
        responses: ok(ref('Published')),
      }),
      get: op('posts', 'public posts', {
        parameters: query(S.PostsQuery),
        responses: ok(S.PostList),
      }),
    },
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
    '/v1/peers': {
      get: op('peers', 'peers of the running node', { responses: ok(S.PeerList) }),
    },
    '/v1/sync': {
      post: op('sync', 'sync with every reachable peer now', {
        requestBody: body(ref('SyncRequest'), false),
        responses: ok(ref('SyncResult')),
      }),
    },
    '/v1/journal': {
      get: op('journal', 'journal lines in order', {
        parameters: query(S.JournalQuery),
        responses: ok(S.JournalPage),
      }),
    },
    '/v1/events': {
      get: op(
        'events',
        'Server-Sent Events: journal-derived events (id = journal position) and peer events',
        {
          parameters: [
            ...query(S.EventsQuery),
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
