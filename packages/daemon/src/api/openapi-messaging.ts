/**
 * The messaging paths of the OpenAPI document (openapi.ts): messages and batches, chats, items,
 * blobs and attachments, forwards, groups, edits and deletions, read marks and public posts
 * (docs/api.md).
 * @module
 */
import * as S from '@sdmp/client/schemas'
import { binary, body, errors, ok, op, path, query, ref } from './openapi-parts.js'
import type { Doc } from './openapi-parts.js'

/** `paths` entries of the messaging routes, in the order the document lists them. */
export const MESSAGING_PATHS: Record<string, Doc> = {
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
}
