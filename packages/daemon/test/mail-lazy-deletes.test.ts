/**
 * Lazy deletes of the mailbox records (records.ts `settleDeletes`): stale keys go together once
 * enough wait, from the namespace of the records that deleted them. An instance of a node over a
 * shared store indexes into its own namespace (`mailNamespace`), so its deletes must not reach
 * the first instance's records, nor leave its own stale keys behind.
 * @module
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { MemoryStore, SecretVault } from '@sdmp/store'
import { MailRecords, mailNamespace } from '../src/mail/records.js'

const sha512 = (b: Uint8Array) => new Uint8Array(createHash('sha512').update(b).digest())
const KEYS = Array.from({ length: 256 }, (_, i) => `x:${String(i).padStart(4, '0')}`)

describe('Lazy deletes', () => {
  it('leave from the namespace of the records that deleted them, and only from it', async () => {
    const store = new MemoryStore({ sha512 })
    const vault = await SecretVault.open(store)
    const first = new MailRecords(store, vault, mailNamespace(undefined))
    const second = new MailRecords(store, vault, mailNamespace('two'))
    for (const records of [first, second]) {
      const batch = records.batch()
      for (const key of KEYS) batch.set(key, 1)
      await batch.commit()
    }
    // Enough stale keys in one batch of the second instance: deleted at its commit.
    const batch = second.batch()
    for (const key of KEYS) batch.delete(key, { lazy: true })
    await batch.commit()
    const left = async (records: MailRecords) =>
      (await records.keysBetween('x:', 'x;', 1_000)).length
    assert.equal(await left(second), 0, "the second instance's stale keys are gone")
    assert.equal(await left(first), KEYS.length, "the first instance's records are untouched")
  })
})
