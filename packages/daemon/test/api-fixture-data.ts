/**
 * Canned values of the client API tests (api-fixture.ts): the token, a fingerprint and one of
 * each kind of thing the fake API answers with (message, request, group, post, delegation,
 * rule, peer), shaped like the real responses.
 * @module
 */
import type { GroupInfo, Message, MessageDetail, Peer, Post } from '@sdmp/client'

export const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstu'
export const FP = 'A'.repeat(86)

export const MESSAGE: Message = {
  id: 'm'.repeat(86),
  from: FP,
  to: [FP],
  subject: null,
  body: 'hello',
  type: 'text',
  created: '2026-01-01T00:00:00.000Z',
  conversation: 'm'.repeat(86),
  chat: FP,
  replyTo: null,
  expires: null,
  state: 'unread',
  reason: null,
  direction: 'in',
  forwardedFrom: null,
  edited: null,
  deleted: false,
  onBehalfOf: null,
  group: null,
}
export const DETAIL: MessageDetail = { ...MESSAGE, receipts: [] }
/** A received message request (docs/protocol/requests.md §6). */
export const REQUEST = {
  id: 'r'.repeat(86),
  user: FP,
  name: 'carol',
  text: 'hi, we met at the conference',
  received: '2026-01-01T00:00:00.000Z',
}
export const GROUP: GroupInfo = {
  id: 'G'.repeat(86),
  name: 'team',
  admin: FP,
  version: 1,
  members: [{ user: FP, name: 'me', admin: true }],
  member: true,
  chat: `g-${'G'.repeat(86)}`,
  updated: '2026-01-01T00:00:00.000Z',
}
export const POST: Post = {
  id: 'p'.repeat(86),
  from: FP,
  body: 'public',
  type: 'text',
  subject: null,
  created: '2026-01-01T00:00:00.000Z',
  edited: null,
  deleted: false,
}
export const DELEGATION = {
  id: 'd'.repeat(86),
  principal: FP,
  delegate: FP,
  scope: ['send' as const],
  created: '2026-01-01T00:00:00.000Z',
  until: null,
  state: 'active' as const,
}
export const RULE = { id: 'r1', from: '*', to: [FP], created: '2026-01-01T00:00:00.000Z' }
export const PEER: Peer = {
  node: FP,
  user: FP,
  address: '127.0.0.1:1',
  state: 'connected',
  direction: 'outbound',
  lastError: null,
  nextAttempt: null,
}
