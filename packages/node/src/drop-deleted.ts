/**
 * Hosts drop the sealed bytes of deleted messages (docs/protocol/edits.md §3). A delete of a
 * message travels in an `encrypted` resource whose own header says `action: delete` and
 * `replaces` = the encrypted resource of the original: every node that stores the original can
 * act on it without opening anything. The rule is the author rule at the envelope level: the
 * delete's user must be the original's user (the publisher of an envelope is the inner
 * author, envelope.md). Either may arrive first; the bytes go when both are here. The metadata
 * and the journal line stay (the journal is a hash chain; the delete is the tombstone).
 * @module
 */
import type { Verified } from '@sdmp/core'
import type { Store } from '@sdmp/store'

/**
 * Drop the bytes of the encrypted resources that newly stored `resources` delete, and of newly
 * stored encrypted resources that an earlier delete names.
 * @returns the ids whose bytes were dropped now
 */
export async function dropDeletedBytes(
  store: Store,
  resources: readonly Verified[],
): Promise<string[]> {
  const drop = new Set<string>()
  for (const r of resources) {
    if (r.kind !== 'encrypted') continue
    const { action, replaces, user } = r.header
    if (action === 'delete' && replaces !== undefined) {
      const target = await store.getMeta(replaces)
      if (target?.kind === 'encrypted' && target.user === user) drop.add(replaces)
    } else if (action === 'create') {
      // The original after its delete (out of order): the delete is found by its `ref`.
      const deletes = await store.queryResources({ kinds: ['encrypted'], ref: r.id, user })
      if (deletes.length > 0) drop.add(r.id)
    }
  }
  if (drop.size === 0) return []
  await store.dropResourceBytes([...drop])
  return [...drop]
}
