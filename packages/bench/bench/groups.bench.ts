/**
 * Groups (docs/protocol/groups.md §7), in process: the admin's mailbox with 10 and 50 members
 * (each a contact with one reading device), what one message to the group costs the sender
 * (sign, seal once for every member's node, publish, index) and weighs (the envelope), what the
 * first version of the 50-member group weighs, and what removing one member of the 50 costs (a
 * new version naming the remaining members and their proof resources by id, sealed to all of
 * them and the removed one). Delivery is not included: it is ordinary sync of one envelope
 * (and, for a member that did not know a fellow, of its proof resources).
 * @module
 */
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import { tmpDir } from '@sdmp/testkit'
import { befriendPeers, closePeers, createPeer } from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'

const GROUP = 'groups'
/** The largest group measured (SDMP_BENCH_GROUP; LIMITS.maxGroupMembers - 1 at most). */
const BIG = Number(process.env['SDMP_BENCH_GROUP'] ?? 50)

/** Run `f` `n` times; mean ms per run. */
async function timed(n: number, f: (i: number) => Promise<void>): Promise<number> {
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await f(i)
  return (performance.now() - t0) / n
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const cleanups: (() => void)[] = []
  const dir = tmpDir((f) => void cleanups.push(f), 'sdmp-bench-groups-')
  const peers: Peer[] = []
  const out: BenchResult[] = []
  const sends = Math.max(3, Math.round(20 * ctx.scale))
  try {
    const admin = await createPeer(dir, 'admin')
    peers.push(admin)
    ctx.log(`groups: ${BIG} contacts`)
    const members: string[] = []
    for (let i = 0; i < BIG; i++) {
      const m = await createPeer(dir, `m${i}`)
      peers.push(m)
      await befriendPeers(admin, m)
      members.push(m.account.requireUser())
    }
    const store = admin.account.store
    const size = async (outer: string) => (await store.getResource(outer))!.length
    /** Bytes of the admin's newest envelope (the version just published). */
    const newest = async () => {
      const mine = await store.queryResources({
        kinds: ['encrypted'],
        user: admin.account.requireUser(),
        limit: 10_000,
      })
      return size(mine[mine.length - 1]!.id)
    }
    for (const n of [10, BIG]) {
      const created = await admin.mailbox.createGroup(`g${n}`, members.slice(0, n))
      if (n === BIG)
        out.push({
          group: GROUP,
          name: `groups: first version of a ${n}-member group`,
          value: await newest(),
          unit: 'bytes',
          lowerIsBetter: true,
          notes: `${n} members and the admin, each with the ids of its identity, node identity, trust and prekey; a version must fit one resource (${1024 * 1024} bytes)`,
        })
      let bytes = 0
      const ms = await timed(sends, async (i) => {
        const sent = await admin.mailbox.send({ to: [], group: created.id, body: `hello ${i}` })
        bytes = await size(sent.outer)
      })
      out.push(
        {
          group: GROUP,
          name: `groups: send one message to ${n} members`,
          value: ms,
          unit: 'ms',
          lowerIsBetter: true,
          notes: `mean of ${sends}: sign, seal once (one key wrap per member node, ${n + 1} nodes with the admin's own), publish and index on the sender`,
        },
        {
          group: GROUP,
          name: `groups: envelope of one message to ${n} members`,
          value: bytes,
          unit: 'bytes',
          lowerIsBetter: true,
          notes: 'the encrypted resource stored and synced (a short text body)',
        },
      )
    }
    // Remove one member of the 50-member group: sign and seal version 2 with every proof.
    const t0 = performance.now()
    const v2 = await admin.mailbox.changeGroup(`g${BIG}`, members[BIG - 1]!, false)
    const removeMs = performance.now() - t0
    const versionBytes = await newest()
    out.push(
      {
        group: GROUP,
        name: `groups: remove a member of a ${BIG}-member group`,
        value: removeMs,
        unit: 'ms',
        lowerIsBetter: true,
        notes: `one run: version ${v2.version} naming the ${BIG - 1} remaining members and their proof ids, sealed to them and the removed member`,
      },
      {
        group: GROUP,
        name: `groups: group version after the removal (${BIG - 1} members and the admin)`,
        value: versionBytes,
        unit: 'bytes',
        lowerIsBetter: true,
        notes: 'the encrypted resource of the new version (every member gets it once)',
      },
    )
    return out
  } finally {
    await closePeers(peers)
    for (const f of cleanups) f()
  }
}
