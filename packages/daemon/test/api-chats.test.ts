/**
 * The chat routes and paging over HTTP between two daemons (docs/api.md "Chats", "Paging"):
 * `GET /v1/chats` with names and unread counts, a chat's messages and the inbox paged with
 * cursors (every message exactly once), and malformed cursors and chat ids answered with a
 * coded 400.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import type { Message, SdmpApi } from '@sdmp/client'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriendDaemons,
  connectedTo,
  createAccount,
  startDaemon,
  stopDaemons,
} from '@sdmp/testkit/daemon-world'
import { readApiToken } from '../src/index.js'

afterEach(stopDaemons)

/** Every page of `read`, following `next`; each page but the last holds `limit` entries. */
async function pages<T>(
  read: (before?: string) => Promise<{ items: readonly T[]; next: string | null }>,
  limit: number,
): Promise<(readonly T[])[]> {
  const out: (readonly T[])[] = []
  let before: string | undefined
  for (;;) {
    const { items, next } = await read(before)
    out.push(items)
    if (next === null) return out
    assert.equal(items.length, limit)
    before = next
  }
}

const ids = (messages: readonly Message[]) => messages.map((m) => m.body)
const q = (before?: string) => (before === undefined ? {} : { before })

describe('chats over HTTP', () => {
  it('lists chats with names and unread counts, and pages every message once', async () => {
    const dir = tmpDir(after, 'sdmp-chats-')
    const alice = await startDaemon(await createAccount(dir, 'alice'))
    const bob = await startDaemon(await createAccount(dir, 'bob'))
    await befriendDaemons(alice, 'alice', bob, 'bob')
    await connectedTo(alice, (await bob.api.whoami()).node)
    const a = (await alice.api.whoami()).user!
    const b = (await bob.api.whoami()).user!

    const bodies = ['m1', 'm2', 'm3', 'm4', 'm5']
    let lastId = ''
    for (const body of bodies) lastId = (await alice.api.send({ to: ['bob'], body })).id
    await waitFor(async () => (await bob.api.inbox()).messages.some((m) => m.id === lastId), {
      timeout: 30_000,
      what: 'the five messages at bob',
    })

    const { chats, next } = await bob.api.chats()
    assert.equal(next, null)
    assert.equal(chats.length, 1)
    const chat = chats[0]!
    assert.deepEqual([chat.id, chat.with, chat.names], [a, [a], ['alice']])
    assert.deepEqual([chat.unread, chat.messages, chat.last.body], [5, 5, 'm5'])
    assert.equal(chat.last.chat, a)

    // A chat's messages in pages of 2: every message once, newest first.
    const chatPages = await pages(async (before) => {
      const page = await bob.api.chatMessages(a, { limit: 2, ...q(before) })
      return { items: page.messages, next: page.next }
    }, 2)
    assert.deepEqual(chatPages.map(ids), [['m5', 'm4'], ['m3', 'm2'], ['m1']])
    // The inbox too (no more silent cut: `next` says there is more).
    const inboxPages = await pages(async (before) => {
      const page = await bob.api.inbox({ limit: 3, ...q(before) })
      return { items: page.messages, next: page.next }
    }, 3)
    assert.deepEqual(inboxPages.map(ids), [
      ['m5', 'm4', 'm3'],
      ['m2', 'm1'],
    ])

    // Reading one: the chat's unread count goes down; the sender's chat is named by bob's id.
    await bob.api.markRead(chatPages[0]![0]!.id)
    assert.equal((await bob.api.chats()).chats[0]!.unread, 4)
    const mine = (await alice.api.chats()).chats[0]!
    assert.deepEqual([mine.id, mine.names, mine.unread, mine.messages], [b, ['bob'], 0, 5])

    // A chat with no message yet: empty, not an error. Notes to self: our own id.
    assert.deepEqual(await alice.api.chatMessages('Q'.repeat(86)), { messages: [], next: null })
    assert.deepEqual(await bob.api.chatMessages(b), { messages: [], next: null })
  })

  it('answers a malformed cursor or chat id with 400 BAD_REQUEST', async () => {
    const dir = tmpDir(after, 'sdmp-chats-bad-')
    const alice = await startDaemon(await createAccount(dir, 'alice'))
    const a = (await alice.api.whoami()).user!
    const bad = async (call: Promise<unknown>, match: RegExp) =>
      assert.rejects(call, (e: Error & { code?: string }) => {
        assert.equal(e.code, 'BAD_REQUEST')
        assert.match(e.message, match)
        return true
      })
    const api: SdmpApi = alice.api
    await bad(api.inbox({ before: 'bm90IGEgY3Vyc29y' }), /before/)
    await bad(api.chats({ before: '!!' }), /before/)
    await bad(api.chatMessages(a, { before: 'AAAA' }), /before/)
    await bad(api.chatMessages('not-a-chat'), /id/)
    await bad(api.chatMessages(`${a}.${a}`), /chat/)
    // The raw status code and error body.
    const res = await fetch(`${alice.daemon.apiUrl}/v1/chats?before=%2F%2F`, {
      headers: { authorization: `Bearer ${readApiToken(alice.home)}` },
    })
    assert.equal(res.status, 400)
    const body = (await res.json()) as { error: { code: string } }
    assert.equal(body.error.code, 'BAD_REQUEST')
  })
})
