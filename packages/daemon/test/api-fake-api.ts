/**
 * {@link FakeApi}: a small in-memory {@link SdmpApi} for the client API tests that answers with
 * the canned values of api-fixture-data.ts and records every call. Not the real node (the
 * end-to-end tests cover that).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { SdmpApi } from '@sdmp/client'
import {
  DELEGATION,
  DETAIL,
  FP,
  GROUP,
  MESSAGE,
  PEER,
  POST,
  REQUEST,
  RULE,
} from './api-fixture-data.js'

/** A fake API: canned answers, every call recorded; `fail` makes the next call throw it. */
export class FakeApi implements SdmpApi {
  calls: { method: string; args: unknown[] }[] = []
  fail: unknown = undefined

  #record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args })
    const error = this.fail
    if (error !== undefined) {
      this.fail = undefined
      throw error
    }
  }
  async whoami() {
    this.#record('whoami')
    return { user: FP, node: FP, uri: `sdmp://${FP}`, listen: { peer: 'a:1', api: 'b:2' } }
  }
  async status() {
    this.#record('status')
    const counts = { resources: 1, journal: 2, contacts: 3, devices: 4, messages: 5 }
    return { user: FP, node: FP, store: 'sqlite', encrypted: false, counts }
  }
  async send(request: unknown) {
    this.#record('send', request)
    return { id: 'x'.repeat(86) }
  }
  async sendBatch(request: { messages: readonly unknown[] }) {
    this.#record('sendBatch', request)
    return { results: request.messages.map(() => ({ id: 'x'.repeat(86) })) }
  }
  async forward(id: string, request: unknown) {
    this.#record('forward', id, request)
    return { id: 'f'.repeat(86) }
  }
  async groups() {
    this.#record('groups')
    return { groups: [GROUP] }
  }
  async createGroup(request: unknown) {
    this.#record('createGroup', request)
    return GROUP
  }
  async addGroupMember(group: string, request: unknown) {
    this.#record('addGroupMember', group, request)
    return GROUP
  }
  async removeGroupMember(group: string, member: string) {
    this.#record('removeGroupMember', group, member)
    return GROUP
  }
  async sendToGroup(group: string, request: unknown) {
    this.#record('sendToGroup', group, request)
    return { id: 'g'.repeat(86) }
  }
  async inbox(query?: unknown) {
    this.#record('inbox', query)
    return { messages: [MESSAGE], next: null }
  }
  async chats(query?: unknown) {
    this.#record('chats', query)
    return { chats: [], next: null }
  }
  async chatMessages(id: string, query?: unknown) {
    this.#record('chatMessages', id, query)
    return { messages: [MESSAGE], next: null }
  }
  async show(id: string) {
    this.#record('show', id)
    if (id === 'missing') throw new ProtocolError(ErrorCode.NOT_FOUND, 'no item missing')
    return { message: DETAIL }
  }
  async markRead(id: string) {
    this.#record('markRead', id)
    return { message: { ...DETAIL, state: 'read' as const } }
  }
  async editMessage(id: string, request: unknown) {
    this.#record('editMessage', id, request)
    return { message: { ...DETAIL, edited: '2026-01-02T00:00:00.000Z' } }
  }
  async deleteMessage(id: string) {
    this.#record('deleteMessage', id)
    return { message: { ...DETAIL, body: '', deleted: true } }
  }
  async messageHistory(id: string) {
    this.#record('messageHistory', id)
    return { message: DETAIL, versions: [] }
  }
  async editPost(id: string, request: unknown) {
    this.#record('editPost', id, request)
    return { post: POST }
  }
  async deletePost(id: string) {
    this.#record('deletePost', id)
    return { post: { ...POST, deleted: true } }
  }
  async post(request: unknown) {
    this.#record('post', request)
    return { id: POST.id }
  }
  async posts(query?: unknown) {
    this.#record('posts', query)
    return { posts: [POST] }
  }
  async contacts() {
    this.#record('contacts')
    const contact = {
      name: 'bob',
      user: FP,
      trust: FP,
      added: POST.created,
      status: 'mutual' as const,
    }
    return { contacts: [contact] }
  }
  async addContact(request: { readonly invite: string; readonly name?: string }) {
    this.#record('addContact', request)
    return { name: request.name ?? 'bob', user: FP, trust: FP, added: POST.created, nodes: 1 }
  }
  async blocks() {
    this.#record('blocks')
    return { blocks: [{ user: FP, name: 'bob', hide: false, at: POST.created }] }
  }
  async block(request: { readonly user: string; readonly hide?: boolean }) {
    this.#record('block', request)
    return { user: FP, name: 'bob', hide: request.hide === true, at: POST.created }
  }
  async unblock(user: string) {
    this.#record('unblock', user)
    return { user: FP, name: 'bob', unblocked: true }
  }
  async settings() {
    this.#record('settings')
    return { readReceipts: false, requests: 'open' as const, contacts: [] }
  }
  async updateSettings(request: { readonly readReceipts?: boolean | null }) {
    this.#record('updateSettings', request)
    return { readReceipts: request.readReceipts === true, requests: 'open' as const, contacts: [] }
  }
  async requests() {
    this.#record('requests')
    return { requests: [REQUEST] }
  }
  async acceptRequest(id: string, request: { readonly name?: string } = {}) {
    this.#record('acceptRequest', id, request)
    return {
      request: REQUEST,
      contact: { name: 'carol', user: FP, trust: 't'.repeat(86), added: POST.created, nodes: 1 },
    }
  }
  async declineRequest(id: string) {
    this.#record('declineRequest', id)
    return { request: REQUEST }
  }
  async blockRequest(id: string) {
    this.#record('blockRequest', id)
    return { request: REQUEST }
  }
  async sendRequest(request: { readonly to: string; readonly text: string }) {
    this.#record('sendRequest', request)
    return { user: FP, outcome: 'delivered' as const, reason: null, contact: 'bob' }
  }
  async profile() {
    this.#record('profile')
    return { user: FP, name: 'alice', updated: POST.created }
  }
  async setProfile(request: { readonly name: string }) {
    this.#record('setProfile', request)
    return { user: FP, name: request.name, updated: POST.created }
  }
  async setAddress(request: { readonly address: string | null }) {
    this.#record('setAddress', request)
    return {
      user: FP,
      name: 'alice',
      updated: POST.created,
      ...(request.address !== null && { address: request.address }),
    }
  }
  async delegations() {
    this.#record('delegations')
    return { granted: [DELEGATION], received: [] }
  }
  async grantDelegation(request: {
    readonly contact: string
    readonly scope: readonly ('send' | 'read')[]
  }) {
    this.#record('grantDelegation', request)
    return { ...DELEGATION, scope: [...request.scope] }
  }
  async revokeDelegation(contact: string) {
    this.#record('revokeDelegation', contact)
    return { revoked: [{ ...DELEGATION, state: 'revoked' as const }] }
  }
  async rules() {
    this.#record('rules')
    return { rules: [RULE] }
  }
  async addRule(request: { readonly from: string; readonly to: readonly string[] }) {
    this.#record('addRule', request)
    return { ...RULE, from: request.from }
  }
  async removeRule(id: string) {
    this.#record('removeRule', id)
    return { ...RULE, id }
  }
  async removeContact(name: string) {
    this.#record('removeContact', name)
    return { name, user: FP, revokes: [FP] }
  }
  async devices() {
    this.#record('devices')
    const device = {
      node: FP,
      authorization: [],
      status: 'active' as const,
      self: true,
      trusts: [],
    }
    return { devices: [device] }
  }
  async authorizeDevice(request: { readonly request: string; readonly hostOnly?: boolean }) {
    this.#record('authorizeDevice', request)
    return { node: FP, trust: FP, authorization: request.hostOnly ? ['read_resource'] : [] }
  }
  async revokeDevice(node: string) {
    this.#record('revokeDevice', node)
    return { node, revokes: [FP] }
  }
  async join(request: { readonly invite: string }) {
    this.#record('join', request)
    return { user: FP, node: FP }
  }
  async contactInvite(name: string) {
    this.#record('contactInvite', name)
    return { invite: 'sdmp-invite:1:abc' }
  }
  async rotateIdentity() {
    this.#record('rotateIdentity')
    return { user: FP, previous: FP, kind: 'key' as const, devices: 1, contacts: 0 }
  }
  async recoverIdentity(request: { readonly invite: string; readonly words: string }) {
    this.#record('recoverIdentity', request)
    return { user: FP, previous: FP, kind: 'recovery' as const, devices: 1, contacts: 0 }
  }
  async invite() {
    this.#record('invite')
    return { invite: 'sdmp-invite:1:abc' }
  }
  async peers() {
    this.#record('peers')
    return { peers: [PEER] }
  }
  async sync(request?: unknown) {
    this.#record('sync', request)
    return { synced: true, peers: [PEER] }
  }
  async journal(query?: unknown) {
    this.#record('journal', query)
    return { lines: [{ position: 1, line: FP }] }
  }
}
