/**
 * Message positions (records.ts `messagePosition`): what a receipt's index needs of each message
 * it names. Always the position of the record as the batch would leave it; a message committed
 * or looked up before is answered without reading its record from the store again. And keys a
 * batch is told are absent (`MailBatch.absent`) are not looked up in the store.
 * @module
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MemoryStore, SecretVault } from '@sdmp/store'
import { MailRecords, messageKey } from '../src/mail/records.js'
import type { MailBatch, MessageRecord } from '../src/mail/records.js'

const sha512 = (b: Uint8Array) => new Uint8Array(createHash('sha512').update(b).digest())
const ID = (n: number) => String.fromCharCode(65 + n).repeat(86)

/** A message record at `position` (only its id and position matter here). */
function record(n: number, position: number, body = 'hi'): MessageRecord {
  return {
    id: ID(n),
    outer: 'O'.repeat(86),
    from: 'F'.repeat(86),
    to: [],
    body,
    type: 'text',
    created: 1_000,
    conversation: ID(n),
    direction: 'in',
    position,
  }
}

/** A memory store that counts the local reads of each key. */
function countingStore(): { store: MemoryStore; reads: Map<string, number> } {
  const store = new MemoryStore({ sha512 })
  const reads = new Map<string, number>()
  const getLocal = store.getLocal.bind(store)
  store.getLocal = (ns, key) => {
    reads.set(key, (reads.get(key) ?? 0) + 1)
    return getLocal(ns, key)
  }
  return { store, reads }
}

type Op =
  | { readonly kind: 'index'; readonly n: number; readonly position: number }
  | { readonly kind: 'edit'; readonly n: number }
  | { readonly kind: 'look'; readonly n: number }
  | { readonly kind: 'commit' }
  | { readonly kind: 'reopen' }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('index' as const),
    n: fc.integer({ min: 0, max: 5 }),
    position: fc.integer({ min: 1, max: 1_000 }),
  }),
  fc.record({ kind: fc.constant('edit' as const), n: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('look' as const), n: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('commit' as const) }),
  fc.record({ kind: fc.constant('reopen' as const) }),
)

describe('Message positions', () => {
  it('are the position of the record as the batch would leave it, whatever came before', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const store = new MemoryStore({ sha512 })
        const vault = await SecretVault.open(store)
        let records = new MailRecords(store, vault)
        let batch: MailBatch = records.batch()
        for (const o of ops) {
          if (o.kind === 'commit') {
            await batch.commit()
            batch = records.batch()
          } else if (o.kind === 'reopen') {
            // A restart: what was not committed is gone, nothing is kept.
            records = new MailRecords(store, vault)
            batch = records.batch()
          } else {
            const key = messageKey(ID(o.n))
            const known = await batch.get<MessageRecord>(key)
            // As the indexer does: a message is indexed once; an edit rewrites its record
            // and keeps its position.
            if (o.kind === 'index' && !known) batch.set(key, record(o.n, o.position))
            if (o.kind === 'edit' && known) batch.set(key, { ...known, body: 'edited' })
            if (o.kind === 'look')
              assert.equal(await batch.messagePosition(ID(o.n)), known?.position)
          }
        }
      }),
    )
  })

  it('read no record committed or looked up before', async () => {
    const { store, reads } = countingStore()
    const vault = await SecretVault.open(store)
    const first = new MailRecords(store, vault)
    const batch = first.batch()
    batch.set(messageKey(ID(0)), record(0, 7))
    batch.set(messageKey(ID(1)), record(1, 9))
    // In the batch that writes it, the record at hand gives it.
    assert.equal(await batch.messagePosition(ID(0)), 7)
    await batch.commit()
    reads.clear()
    assert.equal(await first.batch().messagePosition(ID(0)), 7)
    assert.equal(await first.batch().messagePosition(ID(1)), 9)
    assert.equal(await first.batch().messagePosition(ID(2)), undefined)
    assert.deepEqual([...reads.keys()], [messageKey(ID(2))], 'only the unknown message is read')

    // Another instance (a restart) reads a record once, then keeps its position.
    const second = new MailRecords(store, vault)
    reads.clear()
    assert.equal(await second.batch().messagePosition(ID(1)), 9)
    assert.equal(await second.batch().messagePosition(ID(1)), 9)
    assert.equal(reads.get(messageKey(ID(1))), 1)
  })

  it('a key known absent is read from the batch only, until it is set', async () => {
    const { store, reads } = countingStore()
    const vault = await SecretVault.open(store)
    const records = new MailRecords(store, vault)
    const batch = records.batch()
    batch.absent('r:7')
    assert.equal(await batch.get('r:7'), undefined)
    assert.equal(reads.get('r:7'), undefined, 'the store is not asked')
    batch.set('r:7', { x: 1 })
    batch.absent('r:7') // ignored: the batch holds a value for it
    assert.deepEqual(await batch.get('r:7'), { x: 1 })
    await batch.commit()
    assert.deepEqual(await records.batch().get('r:7'), { x: 1 }, 'a later batch reads the store')
  })

  it('a batch that fails to commit leaves no position behind', async () => {
    const { store } = countingStore()
    const vault = await SecretVault.open(store)
    const records = new MailRecords(store, vault)
    const batch = records.batch()
    batch.set(messageKey(ID(3)), record(3, 11))
    const putLocal = store.putLocal.bind(store)
    store.putLocal = () => Promise.reject(new Error('disk full'))
    await assert.rejects(batch.commit(), /disk full/)
    store.putLocal = putLocal
    assert.equal(await records.batch().messagePosition(ID(3)), undefined)
  })
})
