/**
 * Chats in the mailbox index (docs/messaging.md "Chats"): per-chat summaries after send,
 * receive, replies, read receipts and expiry; the upgrade of an index without chats; and
 * paging with cursors that returns every message exactly once (a fast-check property).
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MemoryStore, SecretVault } from '@sdmp/store'
import { tmpDir } from '@sdmp/testkit'
import {
  befriendPeers,
  closePeers,
  createPeer,
  pushPeer,
  restartPeer,
  syncPeers,
} from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import { ingestAccepted } from '@sdmp/testkit/node-world'
import type { SdmpEvent } from '@sdmp/client'
import { authorizeDevice, publishPrekey } from '../src/account/index.js'
import { MAIL_NS } from '../src/mail/index.js'
import { decodeCursor, encodeCursor, listMessages } from '../src/mail/queries.js'
import { MailRecords, listKey, messageKey } from '../src/mail/records.js'
import type { MessageRecord, ReceiptMap } from '../src/mail/records.js'

const sha512 = (b: Uint8Array) => new Uint8Array(createHash('sha512').update(b).digest())
const fp = (c: string) => c.repeat(86)

/** Every page of a mailbox listing, following `next` until it is null. */
async function allPages<T>(
  page: (before?: string) => Promise<{ items: T[]; next: string | null }>,
  limit: number,
): Promise<T[][]> {
  const pages: T[][] = []
  let before: string | undefined
  for (;;) {
    const { items, next } = await page(before)
    pages.push(items)
    if (next === null) return pages
    assert.equal(items.length, limit, 'a page before the last one is full')
    before = next
  }
}

describe('Mailbox paging', () => {
  it('returns every unexpired message exactly once, newest first, across pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            created: fc.integer({ min: 0, max: 50 }),
            id: fc.stringMatching(/^[A-Za-z0-9_-]{86}$/),
            expired: fc.boolean(),
          }),
          { selector: (m) => m.id, maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 12 }),
        async (messages, limit) => {
          const store = new MemoryStore({ sha512 })
          const records = new MailRecords(store, await SecretVault.open(store))
          const batch = records.batch()
          for (const m of messages) {
            const record: MessageRecord = {
              id: m.id,
              outer: m.id,
              from: fp('F'),
              to: [fp('M')],
              body: '',
              type: 'text',
              created: m.created,
              conversation: m.id,
              direction: 'in',
              position: 1,
              ...(m.expired && { expires: 5 }),
            }
            batch.set(messageKey(m.id), record)
            batch.set(listKey('a', m.created, m.id), 1)
          }
          await batch.commit()
          const pages = await allPages(async (before) => {
            const page = await listMessages(
              records,
              'a',
              limit,
              { me: fp('M'), now: 10, hidden: new Set() },
              before,
            )
            return { items: page.items.map((m) => m.id), next: page.next }
          }, limit)
          const want = messages
            .filter((m) => !m.expired)
            .sort((a, b) =>
              a.created !== b.created ? b.created - a.created : a.id < b.id ? 1 : -1,
            )
            .map((m) => m.id)
          assert.deepEqual(pages.flat(), want)
          assert.ok(pages.every((p) => p.length <= limit))
          assert.ok(pages.length === 1 || pages[pages.length - 1]!.length > 0, 'no empty last page')
        },
      ),
      { numRuns: 60 },
    )
  })

  it('refuses a malformed cursor with BAD_REQUEST', () => {
    const good = encodeCursor(`${'0'.repeat(14)}:${fp('a')}`)
    assert.equal(decodeCursor(good, 86), `${'0'.repeat(14)}:${fp('a')}`)
    for (const bad of [
      '',
      'not base64url!',
      `${good}A`,
      encodeCursor('00000000000001:short'),
      encodeCursor(`0000000000000x:${fp('a')}`),
      encodeCursor(`${'0'.repeat(14)}:${fp('a')}\n`),
      'x'.repeat(300),
    ])
      assert.throws(() => decodeCursor(bad, 86), { code: 'BAD_REQUEST' }, bad)
  })
})

/** Alice, Bob and Carol, all contacts of each other. */
async function threePeople(t: { after: (fn: () => Promise<void>) => void }, dir: string) {
  const alice = await createPeer(dir, 'alice')
  const bob = await createPeer(dir, 'bob')
  const carol = await createPeer(dir, 'carol')
  t.after(() => closePeers([alice, bob, carol]))
  await befriendPeers(alice, bob)
  await befriendPeers(alice, carol)
  await befriendPeers(bob, carol)
  return { alice, bob, carol }
}

const user = (p: Peer) => p.account.requireUser()
/** Chats as counts: id -> [messages, unread, last body]. */
async function chatCounts(p: Peer) {
  const { chats } = await p.mailbox.chats()
  return chats.map((c) => [c.id, c.messages, c.unread, c.last.body])
}

describe('Mailbox chats', () => {
  it('keeps one summary per chat through send, receive, replies, groups and notes to self', async (t) => {
    const { alice, bob, carol } = await threePeople(t, tmpDir(t.after.bind(t)))
    const [a, b, c] = [user(alice), user(bob), user(carol)]
    const first = await alice.mailbox.send({ to: [b], body: 'one' })
    await alice.mailbox.send({ to: [b], body: 'two' })
    await alice.mailbox.send({ to: [c, b], body: 'group' })
    await alice.mailbox.send({ to: [a], body: 'note' })
    await pushPeer(alice, bob)
    await bob.mailbox.send({ to: [a], body: 'three', replyTo: first.id })
    await syncPeers(alice, bob)

    const group = [a, c].sort().join('.')
    assert.deepEqual(await chatCounts(bob), [
      [a, 3, 2, 'three'],
      [group, 1, 1, 'group'],
    ])
    const { chats } = await bob.mailbox.chats()
    assert.deepEqual(chats[0]!.with, [a])
    assert.deepEqual(chats[1]!.with, [a, c].sort())
    assert.deepEqual(await chatCounts(alice), [
      [b, 3, 1, 'three'],
      [a, 1, 0, 'note'],
      [[b, c].sort().join('.'), 1, 0, 'group'],
    ])
    const self = (await alice.mailbox.chats()).chats[1]!
    assert.deepEqual(self.with, [], 'notes to self: nobody else')

    // A chat's messages, newest first; each names its chat; the reply keeps its thread.
    const page = await bob.mailbox.chatMessages(a)
    assert.deepEqual(
      page.messages.map((m) => [m.body, m.chat, m.direction]),
      [
        ['three', a, 'out'],
        ['two', a, 'in'],
        ['one', a, 'in'],
      ],
    )
    assert.equal(page.next, null)
    assert.equal(page.messages[0]!.replyTo, first.id)
    assert.equal(page.messages[0]!.conversation, first.id)
    // Unknown chats are empty (a contact with no message yet); a non-id is refused.
    assert.deepEqual(await bob.mailbox.chatMessages(c), { messages: [], next: null })
    await assert.rejects(bob.mailbox.chatMessages('nope'), { code: 'BAD_REQUEST' })
    await assert.rejects(bob.mailbox.chatMessages([a, c].sort().reverse().join('.')), {
      code: 'BAD_REQUEST',
    })
    await assert.rejects(bob.mailbox.chatMessages(`${b}.${c}`), { code: 'BAD_REQUEST' })

    // Paging: two chats, one per page.
    const one = await bob.mailbox.chats({ limit: 1 })
    assert.deepEqual(
      one.chats.map((x) => x.id),
      [a],
    )
    assert.ok(one.next !== null)
    const two = await bob.mailbox.chats({ limit: 1, before: one.next! })
    assert.deepEqual(
      two.chats.map((x) => x.id),
      [group],
    )
    assert.equal(two.next, null)
    await assert.rejects(bob.mailbox.chats({ before: 'AAAA' }), { code: 'BAD_REQUEST' })
  })

  it('counts a read once, from markRead or from our own read receipt, across restarts', async (t) => {
    const { alice, bob } = await threePeople(t, tmpDir(t.after.bind(t)))
    const a = user(alice)
    const one = await alice.mailbox.send({ to: [user(bob)], body: 'one' })
    await alice.mailbox.send({ to: [user(bob)], body: 'two' })
    await pushPeer(alice, bob)
    assert.deepEqual(await chatCounts(bob), [[a, 2, 2, 'two']])
    await bob.mailbox.markRead(one.id)
    assert.deepEqual(await chatCounts(bob), [[a, 2, 1, 'two']])
    // Our read receipt comes back through the journal (sealed to our devices too), and a
    // second markRead: neither counts again.
    await bob.mailbox.markRead(one.id)
    const head = (await bob.account.store.journalHead())!.position
    await bob.mailbox.waitProcessed(head)
    await restartPeer(bob)
    assert.deepEqual(await chatCounts(bob), [[a, 2, 1, 'two']])
  })

  it('counts a read on another device of ours down in this one', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const phone = await createPeer(dir, 'bob-phone', { join: true })
    t.after(() => closePeers([alice, bob, phone]))
    await authorizeDevice(bob.account, await phone.account.joinRequest())
    await pushPeer(bob, phone)
    await restartPeer(phone) // the phone learns its user from the trust that arrived
    await publishPrekey(phone.account)
    await syncPeers(bob, phone)
    await befriendPeers(alice, bob)
    await syncPeers(bob, phone)
    const a = user(alice)
    const sent = await alice.mailbox.send({ to: [user(bob)], body: 'two devices' })
    await alice.mailbox.send({ to: [user(bob)], body: 'still unread' })
    await pushPeer(alice, bob)
    await pushPeer(alice, phone)
    assert.deepEqual(await chatCounts(bob), [[a, 2, 2, 'still unread']])
    await phone.mailbox.markRead(sent.id)
    assert.deepEqual(await chatCounts(phone), [[a, 2, 1, 'still unread']])
    await pushPeer(phone, bob)
    assert.deepEqual(await chatCounts(bob), [[a, 2, 1, 'still unread']])
  })

  it('keeps a read receipt of ours that comes before its message, and counts it read', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const phone = await createPeer(dir, 'bob-phone', { join: true })
    t.after(() => closePeers([alice, bob, phone]))
    await authorizeDevice(bob.account, await phone.account.joinRequest())
    await pushPeer(bob, phone)
    await restartPeer(phone)
    await publishPrekey(phone.account)
    await syncPeers(bob, phone)
    await befriendPeers(alice, bob)
    await syncPeers(bob, phone)
    const a = user(alice)
    const sent = await alice.mailbox.send({ to: [user(bob)], body: 'read early' })
    await alice.mailbox.send({ to: [user(bob)], body: 'still unread' })
    await pushPeer(alice, phone)
    await phone.mailbox.markRead(sent.id)
    // Only the phone's read receipt reaches bob, before alice's messages (held under q:).
    const [receipt] = await phone.account.store.queryResources({
      kinds: ['encrypted'],
      descending: true,
      limit: 1,
    })
    const bytes = (await phone.account.store.getResource(receipt!.id))!
    await ingestAccepted(bob.account.ingestor, [bytes])
    await bob.mailbox.waitProcessed((await bob.account.store.journalHead())!.position)
    assert.deepEqual(await chatCounts(bob), [])
    await pushPeer(alice, bob)
    assert.deepEqual(await chatCounts(bob), [[a, 2, 1, 'still unread']])
    const early = await bob.account.store.listLocal(MAIL_NS, {
      after: 'q:',
      before: 'q;',
      limit: 10,
    })
    assert.deepEqual(early, [], 'moved to r: once the message was indexed')
  })

  it('leaves expired messages out of counts, last and pages, as the inbox does', async (t) => {
    const { alice, bob } = await threePeople(t, tmpDir(t.after.bind(t)))
    const a = user(alice)
    const now = Date.now()
    await alice.mailbox.send({ to: [user(bob)], body: 'stays' })
    await alice.mailbox.send({ to: [user(bob)], body: 'goes', expires: now + 60_000 })
    await pushPeer(alice, bob)
    assert.deepEqual(await chatCounts(bob), [[a, 2, 2, 'goes']])
    await restartPeer(bob, () => now + 120_000)
    assert.deepEqual(await chatCounts(bob), [[a, 1, 1, 'stays']])
    assert.deepEqual(
      (await bob.mailbox.chatMessages(a)).messages.map((m) => m.body),
      ['stays'],
    )
    assert.deepEqual(
      (await bob.mailbox.page()).messages.map((m) => m.body),
      ['stays'],
    )
  })

  it('builds the chats of an index made before chats existed, on start', async (t) => {
    const { alice, bob } = await threePeople(t, tmpDir(t.after.bind(t)))
    const one = await alice.mailbox.send({ to: [user(bob)], body: 'one' })
    await alice.mailbox.send({ to: [user(bob), user(alice)], body: 'two' })
    await pushPeer(alice, bob)
    await bob.mailbox.markRead(one.id)
    const before = await bob.mailbox.chats()
    assert.equal(before.chats.length, 1)
    // Make it a version 1 index: no version, no chat records.
    const store = bob.account.store
    const rows = await store.listLocal(MAIL_NS, { limit: 10_000 })
    const added = rows.map((r) => r.key).filter((k) => /^(version$|[ckl]:)/.test(k))
    assert.ok(added.some((k) => k.startsWith('c:')))
    await store.deleteLocal(MAIL_NS, added)
    await restartPeer(bob)
    assert.deepEqual(await bob.mailbox.chats(), before)
  })
  it('moves the o: and r: records of a layout 2 index from ids to journal positions, on start', async (t) => {
    const { alice, bob } = await threePeople(t, tmpDir(t.after.bind(t)))
    const sent = await alice.mailbox.send({ to: [user(bob)], body: 'one' })
    await pushPeer(alice, bob)
    await bob.mailbox.markRead(sent.id)
    const head = (await bob.account.store.journalHead())!.position
    await bob.mailbox.waitProcessed(head)
    const events = await bob.mailbox.eventsAfter(0, 1000)
    assert.ok(events.some((e) => e.type === 'message'))
    const detail = await bob.mailbox.get(sent.id)
    // Make it a layout 2 index: `o:<outer id>` and `r:<inner id>` keys, version 2.
    const store = bob.account.store
    const records = new MailRecords(store, bob.account.vault)
    const record = (await records.get<MessageRecord>(messageKey(sent.id)))!
    const byPosition = (
      await store.listLocal(MAIL_NS, { after: 'o:', before: 'o;', limit: 1000 })
    ).map((r) => r.key)
    assert.ok(byPosition.length >= 2, 'the message and the receipt')
    const old = records.batch()
    for (const key of byPosition) {
      const [row] = await store.readJournal(Number(key.slice(2)) - 1, 1)
      old.set(`o:${row!.line.slice(row!.line.lastIndexOf('/') + 1)}`, await records.get(key))
      old.delete(key)
    }
    const receiptKey = `r:${String(record.position).padStart(16, '0')}`
    const receipts = await records.get<ReceiptMap>(receiptKey)
    assert.equal(receipts?.[user(bob)]?.status, 'read')
    old.set(`r:${sent.id}`, receipts)
    old.delete(receiptKey)
    old.set('version', 2)
    await old.commit()

    await restartPeer(bob)
    const keys = (
      await bob.account.store.listLocal(MAIL_NS, { after: 'o:', before: 'o;', limit: 1000 })
    ).map((r) => r.key)
    // (A receipt may have come since: its record is keyed by position too.)
    assert.ok(
      keys.every((k) => /^o:\d{16}$/.test(k)),
      `no outer-id key left: ${keys.join(' ')}`,
    )
    assert.deepEqual(keys.slice(0, byPosition.length), byPosition)
    // The same events from the moved records (a message's receipts may have changed since).
    const shape = (es: SdmpEvent[]) =>
      es.flatMap((e) => ('position' in e && e.position <= head ? [[e.type, e.position]] : []))
    assert.deepEqual(shape(await bob.mailbox.eventsAfter(0, 1000)), shape(events))
    assert.equal((await bob.mailbox.get(sent.outer))?.body, 'one', 'found by its outer id')
    assert.deepEqual(await bob.mailbox.get(sent.id), detail, 'its receipts moved with it')
    const rKeys = await bob.account.store.listLocal(MAIL_NS, {
      after: 'r:',
      before: 'r;',
      limit: 10,
    })
    assert.deepEqual(
      rKeys.map((r) => r.key),
      [receiptKey],
    )
    const moved = new MailRecords(bob.account.store, bob.account.vault)
    assert.deepEqual(await moved.get(receiptKey), receipts)
  })
})
