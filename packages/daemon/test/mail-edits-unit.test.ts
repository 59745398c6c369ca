/**
 * The index rules of edits and deletes on their own (mail/edits.ts, docs/protocol/edits.md §2):
 * the author rule, versions ordered by creation time whatever the arrival order, the bounded
 * history, and the bounds on changes waiting for a message not indexed yet.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { MemoryStore, SecretVault } from '@sdmp/store'
import {
  MAX_HISTORY,
  MAX_PENDING,
  applyPending,
  historyOf,
  indexChange,
} from '../src/mail/edits.js'
import type { Change } from '../src/mail/edits.js'
import { MailRecords, messageKey } from '../src/mail/records.js'
import type { MailBatch, MessageRecord } from '../src/mail/records.js'

const sha512 = (b: Uint8Array) => new Uint8Array(createHash('sha512').update(b).digest())
const id = (n: number) => String(n).padStart(86, 'x')
const ALICE = 'A'.repeat(86)
const BOB = 'B'.repeat(86)

const original: MessageRecord = {
  id: id(0),
  outer: id(1),
  from: ALICE,
  to: [BOB],
  body: 'v0',
  type: 'text',
  created: 1_000,
  conversation: id(0),
  direction: 'in',
  position: 2,
}

const change = (n: number, created: number, over: Partial<Change> = {}): Change => ({
  id: id(100 + n),
  action: 'update',
  replaces: original.id,
  user: ALICE,
  created,
  body: `v${n}`,
  type: 'text',
  ...over,
})

async function batchOf(): Promise<{ records: MailRecords; batch: MailBatch }> {
  const store = new MemoryStore({ sha512 })
  await store.open()
  const records = new MailRecords(store, await SecretVault.open(store))
  return { records, batch: records.batch() }
}

describe('edits in the index', () => {
  it('refuses a change by anyone but the author, and any change after a delete', async () => {
    const { batch } = await batchOf()
    batch.set(messageKey(original.id), original)
    const forged = await indexChange(batch, 2, change(1, 2_000, { user: BOB }))
    assert.deepEqual(forged, { kind: 'rejected', reason: 'NOT_AUTHOR' })
    const del = await indexChange(batch, 3, change(2, 3_000, { action: 'delete', body: '' }))
    assert.equal(del.kind, 'applied')
    const late = await indexChange(batch, 4, change(3, 4_000))
    assert.deepEqual(late, { kind: 'rejected', reason: 'DELETED' })
    const record = (await batch.get<MessageRecord>(messageKey(original.id)))!
    assert.equal(record.deleted, true)
    assert.equal(record.body, '')
    assert.deepEqual(await historyOf(batch, record), [])
  })

  it('shows the newest version whatever the order; history is bounded', async () => {
    const { batch } = await batchOf()
    batch.set(messageKey(original.id), original)
    await indexChange(batch, 2, change(2, 3_000))
    await indexChange(batch, 3, change(1, 2_000)) // older than the one shown
    let record = (await batch.get<MessageRecord>(messageKey(original.id)))!
    assert.equal(record.body, 'v2')
    assert.equal(record.edited, 3_000)
    assert.deepEqual(
      (await historyOf(batch, record)).map((v) => v.body),
      ['v0', 'v1', 'v2'],
    )
    // The same change again changes nothing.
    assert.deepEqual(await indexChange(batch, 2, change(2, 3_000)), { kind: 'ignored' })
    for (let n = 3; n < MAX_HISTORY + 10; n++) await indexChange(batch, n, change(n, 3_000 + n))
    record = (await batch.get<MessageRecord>(messageKey(original.id)))!
    const versions = await historyOf(batch, record)
    assert.equal(versions.length, MAX_HISTORY + 1, 'kept versions plus the one shown')
    assert.equal(versions[versions.length - 1]!.body, `v${MAX_HISTORY + 9}`)
    assert.notEqual(versions[0]!.body, 'v0', 'the oldest went first')
  })

  it('keeps changes for a message not indexed yet, bounded, and applies them later', async () => {
    const { batch } = await batchOf()
    for (let n = 1; n <= MAX_PENDING; n++)
      assert.equal((await indexChange(batch, 1_000 + n, change(n, 1_000 + n))).kind, 'pending')
    assert.deepEqual(await indexChange(batch, 2_000, change(99, 5_000)), {
      kind: 'rejected',
      reason: 'TOO_MANY_PENDING',
    })
    batch.set(messageKey(original.id), original)
    const settled = await applyPending(batch, original)
    assert.deepEqual(settled.rejected, [])
    assert.equal(settled.record.body, `v${MAX_PENDING}`)
  })
})
