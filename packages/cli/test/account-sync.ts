/**
 * Test helper: what sync will do between two homes, done in process. Every resource of one
 * home's store is offered to the other home's ingest pipeline (validated, stored, journaled).
 * @module
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { createNodeProvider } from '@sdmp/crypto-node'
import { Account } from '@sdmp/daemon/account'
import { SqliteStore } from '@sdmp/store-sqlite'

const provider = createNodeProvider()

/** Copy every resource of the home `from` into the home `to`; all must be accepted. */
export async function simulateSync(from: string, to: string): Promise<void> {
  const source = new SqliteStore({ dir: join(from, 'store'), sha512: provider.sha512 })
  await source.open()
  const bytes: Uint8Array[] = []
  try {
    for (const m of await source.queryResources({ limit: 100_000 }))
      bytes.push((await source.getResource(m.id))!)
  } finally {
    await source.close()
  }
  const account = await Account.open({
    home: to,
    provider,
    createStore: (dir) => new SqliteStore({ dir, sha512: provider.sha512 }),
  })
  try {
    const outcomes = await account.ingestor.ingest(bytes)
    const refused = outcomes.filter((o) => o.status !== 'stored' && o.status !== 'duplicate')
    assert.deepEqual(refused, [], 'every synced resource is accepted')
  } finally {
    await account.close()
  }
}
