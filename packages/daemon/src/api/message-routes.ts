/**
 * The client API routes (api-app.ts) of node status, messages, groups, chats, edits and posts
 * (docs/api.md): each parses its input, calls `SdmpApi` and returns its JSON.
 * @module
 */
import type { Hono } from 'hono'
import type { SdmpApi, SendBatchRequest } from '@sdmp/client'
import {
  ChatId,
  ChatsQuery,
  EditRequest,
  EmptyRequest,
  ForwardRequest,
  GroupCreateRequest,
  GroupMemberRequest,
  GroupSendRequest,
  InboxQuery,
  PostRequest,
  PostsQuery,
  SendRequest,
} from '@sdmp/client/schemas'
import { bodyOf, noQuery, param, plain, queryOf } from './route-helpers.js'
import { checkParam, incomingOf, readJsonBody } from './validate.js'

/** Register the routes of node status, messages, groups, chats and posts, in this order. */
export function messageRoutes(app: Hono, api: SdmpApi): void {
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
}
