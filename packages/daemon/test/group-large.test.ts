/**
 * A group of more than 32 members, in process (docs/protocol/groups.md §2, §4, §5): the admin
 * creates a group of 40 contacts who are not each other's contacts. The version names every
 * member's proof by id; a member's node applies it, then takes from the admin's node only
 * what the fellow rule admits (the other members' identities, trusts and prekeys), writes to
 * the group, and another member reads it. A removal is one more version of the same size.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { LIMITS } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import { befriendPeers, closePeers, createPeer } from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'

const MEMBERS = 40

/** Ids of the envelopes `p` published, in order. */
const envelopes = async (p: Peer) =>
  (
    await p.account.store.queryResources({
      kinds: ['encrypted'],
      user: p.account.requireUser(),
      limit: 10_000,
    })
  ).map((m) => m.id)

/** `to` gets these resources of `from` as from a peer (the trust closure and fellow rule). */
async function relay(from: Peer, to: Peer, ids: readonly string[]) {
  const bytes = await Promise.all(
    ids.map(async (id) => (await from.account.store.getResource(id))!),
  )
  const outcomes = await to.account.ingestor.ingest(bytes, { source: from.account.node })
  await to.mailbox.waitProcessed((await to.account.store.journalHead())!.position)
  await to.mailbox.fellowKeysSettled()
  return outcomes
}

/** `to` is offered everything `from` stores, as from a peer; it keeps what it admits. */
async function relayAll(from: Peer, to: Peer) {
  const ids = (await from.account.store.queryResources({ limit: 100_000 })).map((m) => m.id)
  return relay(from, to, ids)
}

describe('a group of more than 32 members', () => {
  it(
    'is created, read and written by members who are not contacts; a removal seals them out',
    { timeout: 600_000 },
    async () => {
      assert.ok(LIMITS.maxGroupMembers > MEMBERS)
      const dir = tmpDir(after, 'sdmp-group-large-')
      const peers: Peer[] = []
      try {
        const admin = await createPeer(dir, 'admin')
        peers.push(admin)
        const members: Peer[] = []
        for (let i = 0; i < MEMBERS; i++) {
          const m = await createPeer(dir, `m${i}`)
          peers.push(m)
          members.push(m)
          await befriendPeers(admin, m)
        }
        const fps = members.map((m) => m.account.requireUser())
        const [m0, m1, m2] = members as [Peer, Peer, Peer]

        const created = await admin.mailbox.createGroup('big', fps)
        assert.equal(created.members.length, MEMBERS + 1)
        const [v1] = (await envelopes(admin)).slice(-1) as [string]
        assert.ok((await admin.account.store.getResource(v1))!.length <= LIMITS.maxResourceBytes)

        // m0 applies version 1, then admits its fellows' proofs relayed by the admin's node.
        await relay(admin, m0, [v1])
        assert.equal(m0.mailbox.group('big').members.length, MEMBERS + 1)
        assert.equal(m0.account.ingestor.graph.identity(fps[1]!), undefined)
        await relayAll(admin, m0)
        for (const u of fps.slice(1)) assert.ok(m0.account.ingestor.graph.identity(u), 'a fellow')

        // m0 writes to the group; m1 (not its contact) gets it through the admin's node.
        const hi = await m0.mailbox.send({ to: [], group: created.id, body: 'hello 40 people' })
        await relay(m0, admin, [hi.outer])
        await relay(admin, m1, [v1])
        await relayAll(admin, m1)
        const atM1 = (await m1.mailbox.get(hi.id))!
        assert.equal(atM1.body, 'hello 40 people')
        assert.equal(atM1.group?.id, created.id)
        assert.equal(atM1.to.length, MEMBERS)

        // Removal: version 2 names the 39 left; once m0 applied it, the removed member is
        // no longer a reader of what m0 sends (groups.md §4).
        const gone = fps[MEMBERS - 1]!
        const v2state = await admin.mailbox.changeGroup('big', gone, false)
        assert.equal(v2state.members.length, MEMBERS)
        const [v2] = (await envelopes(admin)).slice(-1) as [string]
        assert.ok((await admin.account.store.getResource(v2))!.length <= LIMITS.maxResourceBytes)
        await relay(admin, m0, [v2])
        assert.equal(m0.mailbox.group('big').version, 2)
        const after2 = await m0.mailbox.send({ to: [], group: created.id, body: 'only 39' })
        const sent = (await m0.mailbox.get(after2.id))!
        assert.equal(sent.to.length, MEMBERS - 1)
        assert.ok(!sent.to.includes(gone))
        // m2 gets it from the admin's node and reads it.
        await relay(m0, admin, [after2.outer])
        await relay(admin, m2, [v2])
        await relayAll(admin, m2)
        assert.equal((await m2.mailbox.get(after2.id))?.body, 'only 39')
      } finally {
        await closePeers(peers)
      }
    },
  )
})
