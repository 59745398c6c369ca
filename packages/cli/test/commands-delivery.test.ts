/**
 * Delivery told truthfully on the command line (issue 15 item 5, docs/cli.md "Delivery"):
 * `send` to a contact who has not added you says so and the message waits; `sync --wait` fails
 * with a hint when their node refuses; a contact who removed you shows as such, and what you
 * send them ends rejected with the reason. Bob runs a daemon; Alice works in direct mode.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor } from '@sdmp/testkit'
import { newHome, sdmpJson, startDaemon, stopAllDaemons } from './daemon-proc.js'
import { linesOf, runSdmp } from './run-sdmp.js'

afterEach(stopAllDaemons)

/** `sdmp ARGS --home HOME` for people: exit code, stdout, stderr lines. */
async function run(home: string, args: string[]) {
  const r = await runSdmp([...args, '--home', home])
  return { code: r.code, stdout: r.stdout, err: linesOf(r.stderr) }
}

describe('delivery states on the command line', () => {
  it('waiting, a refused sync, removed you and rejected', { timeout: 120_000 }, async () => {
    const alice = await newHome(after, 'alice')
    const bobHome = await newHome(after, 'bob')
    const bob = await startDaemon(bobHome)
    const { invite: ib } = await sdmpJson(bobHome, ['invite'])
    await sdmpJson(alice, ['contact', 'add', ib, '--name', 'Bob'])

    // Bob has not added Alice: send says so on stderr, exits 0, and --json has the state.
    const sent = await run(alice, ['send', 'Bob', 'hello?'])
    assert.equal(sent.code, 0, sent.err.join('\n'))
    assert.deepEqual(sent.err, ['note: Bob has not added you yet; the message waits'])
    const doc = await sdmpJson(alice, ['send', 'Bob', 'still there?'])
    assert.equal(doc.state, 'waiting')
    assert.equal(doc.reason, 'Bob has not added you yet; the message waits')
    const shown = await run(alice, ['show', doc.id])
    assert.match(shown.stdout, /state: +waiting \(Bob has not added you yet; the message waits\)/)
    const inbox = await run(alice, ['inbox', '--all'])
    assert.match(inbox.stdout, /waiting: Bob has not added you yet; the message waits/)

    // Bob's node refuses Alice's: sync --wait fails, coded, with what to do.
    const refused = await run(alice, ['sync', '--wait'])
    assert.equal(refused.code, 77, refused.err.join('\n'))
    assert.equal(
      refused.err.at(-1),
      "sdmp: sync: Bob's node refused us (forbidden): Bob has not added you yet; give them your invite (sdmp invite)",
    )
    const json = await runSdmp(['sync', '--wait', '--json', '--home', alice])
    assert.equal(json.code, 77)
    assert.equal(JSON.parse(linesOf(json.stderr).at(-1)!).error.code, 'FORBIDDEN')

    // Bob adds Alice; her next sync reaches him and brings his trust: mutual, delivered.
    const { invite: ia } = await sdmpJson(alice, ['invite'])
    await bob.client.addContact({ invite: ia, name: 'alice' })
    assert.equal((await sdmpJson(alice, ['sync', '--wait'])).synced, true)
    const contacts = async () => (await sdmpJson(alice, ['contact', 'list'])).contacts[0].status
    assert.equal(await contacts(), 'mutual')
    await waitFor(
      async () => {
        await sdmpJson(alice, ['sync', '--wait'])
        return (await sdmpJson(alice, ['show', doc.id])).message.state === 'delivered'
      },
      { timeout: 30_000, interval: 100, what: 'the waiting message to be delivered' },
    )

    // Bob removes Alice: her next sync is refused, and now she knows he removed her.
    await bob.client.removeContact('alice')
    const removed = await run(alice, ['sync', '--wait'])
    assert.equal(removed.code, 77)
    assert.equal(
      removed.err.at(-1),
      "sdmp: sync: Bob's node refused us (forbidden): Bob removed you as a contact",
    )
    assert.equal(await contacts(), 'removed')
    assert.match((await run(alice, ['contact', 'list'])).stdout, /Bob .* removed you /)
    const late = await run(alice, ['send', 'Bob', 'why?'])
    assert.equal(late.code, 0)
    assert.deepEqual(late.err, [
      'note: Bob removed you as a contact; the message will not be delivered',
    ])
    const last = (await sdmpJson(alice, ['inbox', '--all'])).messages[0]
    assert.equal(last.state, 'rejected')
    assert.equal(last.reason, 'Bob removed you as a contact; the message will not be delivered')
    // The message Bob already held stays delivered: his receipt counts.
    assert.equal((await sdmpJson(alice, ['show', doc.id])).message.state, 'delivered')
  })
})
