/**
 * Issue 11 "done when", end to end through the real `sdmp` executable and real daemons on
 * loopback: Alice adds a phone after her contacts exist (the order that used to fail), Bob's
 * messages reach both of her devices, the phone's messages reach Bob, Carol (a contact of Alice
 * only) stores nothing of Alice and Bob's private traffic (docs/protocol/sync.md §10), and a
 * revoked phone is told, refuses to publish and receives nothing new (trust.md §6.1), and after
 * the laptop is lost Alice recovers her identity on a fresh device with her recovery words and
 * Bob keeps talking to her (keys.md §5). The same
 * behaviours at library level: packages/daemon/test/devices.test.ts and packages/node/test/visibility.test.ts.
 * @module
 */
import assert from 'node:assert/strict'
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, afterEach, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import { newHome, newJoinedHome, startDaemon, stopAllDaemons } from './daemon-proc.js'
import { linesOf, runSdmp } from './run-sdmp.js'

const T = { timeout: 300_000 }
/** How long one delivery may take; polling every 100 ms (each poll is one `sdmp` process). */
const WAIT = { timeout: 60_000, interval: 100 }

afterEach(stopAllDaemons)

/** `sdmp ARGS --home HOME --json`, which must succeed: its parsed stdout. */
async function sdmp(home: string, ...args: string[]): Promise<any> {
  const r = await runSdmp([...args, '--home', home, '--json'])
  assert.equal(r.code, 0, `sdmp ${args.join(' ')} failed: ${r.stderr}`)
  return JSON.parse(linesOf(r.stdout)[0]!)
}

/** The ids of the messages `sdmp inbox --json` lists (received ones only). */
async function inboxIds(home: string): Promise<Set<string>> {
  const { messages } = await sdmp(home, 'inbox', '--messages')
  return new Set((messages as { id: string }[]).map((m) => m.id))
}

/** Wait until every id is in the inbox of `home`. */
async function waitInbox(home: string, ids: readonly string[], what: string): Promise<void> {
  await waitFor(
    async () => {
      const have = await inboxIds(home)
      return ids.every((id) => have.has(id))
    },
    { ...WAIT, what },
  )
}

/** Wait until `home`'s node has a connected session with node `node`. */
async function waitConnectedTo(home: string, node: string, what: string): Promise<void> {
  await waitFor(
    async () =>
      ((await sdmp(home, 'peers')).peers as { node: string; state: string }[]).some(
        (p) => p.node === node && p.state === 'connected',
      ),
    { ...WAIT, what },
  )
}

/** The resource ids in the journal of `home` (`sdmp journal --json`; line 1 is the node). */
async function journalIds(home: string): Promise<Set<string>> {
  const lines = (await sdmp(home, 'journal')) as { line: string }[]
  return new Set(lines.filter((l) => l.line.includes('/')).map((l) => l.line.split('/')[1]!))
}

/** Bytes under a directory (the SQLite store with its WAL, blobs). */
function sizeOf(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    const s = statSync(join(dir, name))
    total += s.isDirectory() ? sizeOf(join(dir, name)) : s.size
  }
  return total
}

/**
 * What a node holds: journal lines and resources (`sdmp status --json`), and the bytes of its
 * store directory. The bytes are reported, not compared: SQLite's write-ahead log grows with
 * every write, including the node's own bookkeeping (the last line seen from each peer, updated
 * on every sync round), so only the counts say whether anything was stored.
 */
async function footprint(home: string) {
  const { counts, store } = await sdmp(home, 'status')
  return { journal: counts.journal, resources: counts.resources, storeBytes: sizeOf(store) }
}

/** Two homes with running daemons become mutual contacts through `sdmp invite`/`contact add`. */
async function makeContacts(a: string, aName: string, b: string, bName: string) {
  const { invite: ia } = await sdmp(a, 'invite')
  const { invite: ib } = await sdmp(b, 'invite')
  await sdmp(b, 'contact', 'add', ia, '--name', aName)
  await sdmp(a, 'contact', 'add', ib, '--name', bName)
  for (const [home, name] of [
    [a, bName],
    [b, aName],
  ] as const)
    await waitFor(
      async () =>
        ((await sdmp(home, 'contact', 'list')).contacts as { name: string; status: string }[])
          .filter((c) => c.name === name)
          .every((c) => c.status === 'mutual'),
      { ...WAIT, what: `${name} to be a mutual contact of ${home}` },
    )
}

/**
 * Alice adds her phone from her laptop: `init --join` on the phone, `device authorize` and
 * `invite` on the laptop, `device join` on the phone, then the phone's daemon.
 */
async function addPhone(laptop: string): Promise<{ home: string; node: string }> {
  const { home, request } = await newJoinedHome(after, 'phone')
  const { node } = await sdmp(laptop, 'device', 'authorize', request)
  const { invite } = await sdmp(laptop, 'invite')
  const joined = await sdmp(home, 'device', 'join', invite)
  assert.equal(joined.node, node)
  await startDaemon(home)
  return { home, node }
}

describe('scenario: devices, contacts, visibility and revocation through the CLI', () => {
  it('a phone added after the contacts exist: delivery, visibility, revocation', T, async (t) => {
    // 1. Three users, three daemons; Alice<->Bob and Alice<->Carol are mutual contacts. Alice
    // keeps the recovery words `init` shows once (step 7).
    const laptop = join(tmpDir(after, 'sdmp-alice-'), 'home')
    const { recoveryWords } = await sdmp(laptop, 'init', '--name', 'alice')
    const [bob, carol] = await Promise.all(['bob', 'carol'].map((n) => newHome(after, n)))
    const [laptopDaemon] = await Promise.all([laptop, bob!, carol!].map((h) => startDaemon(h)))
    const { user: alice, node: laptopNode } = await sdmp(laptop!, 'whoami')
    await makeContacts(laptop!, 'alice', bob!, 'bob')
    await makeContacts(laptop!, 'alice', carol!, 'carol')
    await waitConnectedTo(bob!, laptopNode, 'bob connected to the laptop')
    const first = await sdmp(bob!, 'send', 'alice', 'before the phone')
    await waitInbox(laptop!, [first.id], 'the laptop to get the first message')

    // 2. Only now does Alice add her phone; Bob gets no new invite.
    const phone = await addPhone(laptop!)
    assert.equal((await sdmp(phone.home, 'whoami')).user, alice)
    await waitConnectedTo(bob!, phone.node, "bob's node to connect to the phone")
    // The session is up once the handshake is; the first pull from the phone (its prekey, which
    // the phone publishes after its address record) may still run: wait for it, never sleep.
    assert.equal((await sdmp(bob!, 'sync', '--wait')).synced, true)

    // 3. Bob -> Alice reaches both of her devices.
    const toBoth = await sdmp(bob!, 'send', 'alice', 'to both of your devices')
    await waitInbox(phone.home, [toBoth.id], 'the phone to get bob’s message')
    await waitInbox(laptop!, [toBoth.id], 'the laptop to get bob’s message')

    // 4. The phone -> Bob; Bob's reply reaches both devices, in the phone's conversation.
    const fromPhone = await sdmp(phone.home, 'send', 'bob', 'from the phone')
    await waitInbox(bob!, [fromPhone.id], 'bob to get the phone’s message')
    const reply = await sdmp(bob!, 'send', 'alice', 'reply', '--reply-to', fromPhone.id)
    await waitInbox(phone.home, [reply.id], 'the reply on the phone')
    await waitInbox(laptop!, [reply.id], 'the reply on the laptop')
    const shown = (await sdmp(laptop!, 'show', reply.id)).message
    assert.equal(shown.replyTo, fromPhone.id)
    assert.equal(shown.conversation, fromPhone.id)

    // 5. Carol's store does not grow while Alice and Bob exchange 20 private messages. Carol is
    // settled first: connected to both of Alice's devices and caught up with them.
    await waitConnectedTo(carol!, laptopNode, 'carol connected to the laptop')
    await waitConnectedTo(carol!, phone.node, 'carol connected to the phone')
    assert.equal((await sdmp(carol!, 'sync', '--wait')).synced, true)
    const before = await footprint(carol!)
    const toBob: string[] = []
    const toAlice: string[] = []
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) toBob.push((await sdmp(laptop!, 'send', 'bob', `a->b ${i}`)).id)
      else toAlice.push((await sdmp(bob!, 'send', 'alice', `b->a ${i}`)).id)
    }
    await waitInbox(bob!, toBob, 'all of alice’s messages on bob')
    await waitInbox(laptop!, toAlice, 'all of bob’s messages on the laptop')
    await waitInbox(phone.home, toAlice, 'all of bob’s messages on the phone')
    // Settled: every message of either side is delivered (its receipt is back at its sender).
    for (const [home, ids] of [
      [laptop!, toBob],
      [bob!, toAlice],
    ] as const)
      await waitFor(
        async () => {
          const { messages } = await sdmp(home, 'inbox', '--all')
          const delivered = new Set(
            (messages as { id: string; state: string }[])
              .filter((m) => m.state !== 'sent')
              .map((m) => m.id),
          )
          return ids.every((id) => delivered.has(id))
        },
        { ...WAIT, what: `the receipts of ${home}'s messages` },
      )
    // Control: a public post of Alice still reaches Carol, so Carol is still syncing.
    const post = await sdmp(laptop!, 'post', 'public, for my contacts')
    await waitFor(async () => (await journalIds(carol!)).has(post.id), {
      ...WAIT,
      what: 'the public post on carol',
    })
    assert.equal((await sdmp(carol!, 'sync', '--wait')).synced, true)
    const afterwards = await footprint(carol!)
    t.diagnostic(`carol before 20 messages: ${JSON.stringify(before)}`)
    t.diagnostic(`carol after 20 messages and 1 post: ${JSON.stringify(afterwards)}`)
    assert.deepEqual(
      { journal: afterwards.journal, resources: afterwards.resources },
      { journal: before.journal + 1, resources: before.resources + 1 },
      'carol holds only the public post',
    )
    const carolIds = await journalIds(carol!)
    for (const id of [...toBob, ...toAlice, toBoth.id, fromPhone.id, reply.id])
      assert.ok(!carolIds.has(id), `carol does not hold message ${id.slice(0, 8)}`)

    // 6. The laptop revokes the phone: the phone is told, stops, and refuses to publish.
    const { revokes } = await sdmp(laptop!, 'device', 'revoke', 'phone')
    const told = await waitFor(async () => (await sdmp(phone.home, 'whoami')).revoked, {
      ...WAIT,
      what: 'the phone to learn it was revoked',
    })
    assert.match(told.message, /^this device was revoked on \d{4}-\d{2}-\d{2} by /)
    assert.equal(told.by, laptopNode)
    const whoamiText = await runSdmp(['whoami', '--home', phone.home])
    assert.equal(linesOf(whoamiText.stdout)[0], told.message)
    assert.equal((await sdmp(phone.home, 'status')).revoked?.message, told.message)
    for (const args of [
      ['post', 'after revocation'],
      ['send', 'bob', 'after revocation'],
    ]) {
      const refused = await runSdmp([...args, '--home', phone.home])
      assert.equal(refused.code, 77, `sdmp ${args[0]} on the revoked phone: ${refused.stderr}`)
      assert.match(refused.stderr, /^sdmp: this device was revoked on /)
    }
    await waitFor(
      async () =>
        ((await sdmp(phone.home, 'peers')).peers as { state: string }[]).every(
          (p) => p.state !== 'connected',
        ),
      { ...WAIT, what: 'the phone to stop its network' },
    )
    // Once Bob's node holds the revocation, his messages reach the laptop only.
    await waitFor(
      async () => {
        const held = await journalIds(bob!)
        return (revokes as string[]).every((id) => held.has(id))
      },
      { ...WAIT, what: 'the revocation on bob' },
    )
    const later = await sdmp(bob!, 'send', 'alice', 'after the phone was revoked')
    await waitInbox(laptop!, [later.id], 'the laptop to get bob’s later message')
    assert.ok(!(await inboxIds(phone.home)).has(later.id), 'the revoked phone gets nothing new')
    assert.ok((await inboxIds(phone.home)).has(toBoth.id), 'the phone keeps what it had')

    // 7. The laptop is lost. On a fresh device, Alice recovers her identity with her words and
    // the invite of her old identity that Bob's node prints; Bob keeps talking to her.
    await laptopDaemon!.kill()
    const fresh = await newJoinedHome(after, 'new-laptop')
    await startDaemon(fresh.home)
    const { invite: oldInvite } = await sdmp(bob!, 'contact', 'invite', 'alice')
    const wordsFile = join(tmpDir(after, 'sdmp-words-'), 'words.txt')
    writeFileSync(wordsFile, recoveryWords as string, { mode: 0o600 })
    const recovered = await sdmp(
      fresh.home,
      'identity',
      'recover',
      oldInvite,
      '--words-file',
      wordsFile,
    )
    assert.deepEqual([recovered.kind, recovered.previous], ['recovery', alice])
    assert.equal((await sdmp(fresh.home, 'whoami')).user, recovered.user)
    const { invite: bobInvite } = await sdmp(bob!, 'invite')
    await sdmp(fresh.home, 'contact', 'add', bobInvite, '--name', 'bob')
    const { invite: newInvite } = await sdmp(fresh.home, 'invite')
    const moved = await sdmp(bob!, 'contact', 'add', newInvite)
    assert.deepEqual([moved.name, moved.replaced], ['alice', { from: alice, kind: 'recovery' }])
    await waitConnectedTo(
      bob!,
      (await sdmp(fresh.home, 'whoami')).node,
      'bob connected to the new device',
    )
    assert.equal((await sdmp(bob!, 'sync', '--wait')).synced, true)
    const welcome = await sdmp(bob!, 'send', 'alice', 'welcome back')
    await waitInbox(fresh.home, [welcome.id], 'the recovered device to get bob’s message')
    const thanks = await sdmp(fresh.home, 'send', 'bob', 'thanks', '--reply-to', welcome.id)
    await waitInbox(bob!, [thanks.id], 'bob to get the recovered identity’s message')
  })

  it('a phone added before the contacts exist: Bob -> Alice reaches both devices', T, async () => {
    const laptop = await newHome(after, 'alice')
    await startDaemon(laptop)
    const phone = await addPhone(laptop)
    const bob = await newHome(after, 'bob')
    await startDaemon(bob)
    await makeContacts(laptop, 'alice', bob, 'bob')
    const laptopNode = (await sdmp(laptop, 'whoami')).node as string
    await waitConnectedTo(bob, laptopNode, 'bob connected to the laptop')
    await waitConnectedTo(bob, phone.node, 'bob connected to the phone')
    assert.equal((await sdmp(bob, 'sync', '--wait')).synced, true)
    const toBoth = await sdmp(bob, 'send', 'alice', 'to both of your devices')
    await waitInbox(phone.home, [toBoth.id], 'the phone to get bob’s message')
    await waitInbox(laptop, [toBoth.id], 'the laptop to get bob’s message')
    const fromPhone = await sdmp(phone.home, 'send', 'bob', 'from the phone')
    await waitInbox(bob, [fromPhone.id], 'bob to get the phone’s message')
  })
})
