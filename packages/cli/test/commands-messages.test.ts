/**
 * The messaging commands between homes, through the real `sdmp` executable in direct mode (no
 * daemon): send with every flag, inbox and show fields, show marking read, a reply threading
 * into the conversation, receipts coming back, three recipients by name and fingerprint.
 * Delivery between homes is simulated by copying stored resources (`syncHomes` of the fixture kit).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { makeMutual, newUser, sdmpJson, sdmpText } from './messaging-helpers.js'

const ID = /^[A-Za-z0-9_-]{86}$/
const DAY = 86_400_000
const FIELDS = [
  'id',
  'from',
  'to',
  'subject',
  'body',
  'type',
  'created',
  'conversation',
  'replyTo',
  'expires',
  'state',
  'reason',
]

/** The messages of `home`'s inbox (`--all` with all). */
async function inbox(home: string, all = false): Promise<Record<string, any>[]> {
  const doc = await sdmpJson(home, all ? ['inbox', '--all'] : ['inbox', '--messages'])
  assert.deepEqual(Object.keys(doc), ['messages', 'next'])
  return doc['messages'] as Record<string, any>[]
}

describe('sdmp send, inbox and show (direct mode)', () => {
  it('alice writes, bob reads and replies in the same conversation', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)
    // Read receipts are off by default (issue 16): Bob lets Alice know he read it.
    await sdmpJson(bob.home, ['settings', 'set', 'read-receipts', 'on', '--contact', 'Alice'])

    const body = 'hello bob\nsecond line'
    const sent = await sdmpJson(alice.home, [
      'send',
      'Bob',
      body,
      '--subject',
      'Greetings',
      '--type',
      'markdown',
      '--expires',
      '7d',
    ])
    assert.deepEqual(Object.keys(sent), ['id', 'state', 'reason'])
    // Bob added Alice back (mutual): nothing holds it back, no receipt yet.
    assert.equal(sent['state'], 'sent')
    assert.equal(sent['reason'], null)
    assert.match(sent['id'], ID)
    const id = sent['id'] as string

    // Alice's own copy is a sent message; her inbox of received messages stays empty.
    assert.deepEqual(await inbox(alice.home), [])
    const [mine] = await inbox(alice.home, true)
    assert.equal(mine!['id'], id)
    assert.equal(mine!['state'], 'sent')
    assert.equal(mine!['direction'], 'out')

    await syncHomes(alice.home, bob.home)
    const received = await inbox(bob.home)
    assert.equal(received.length, 1)
    const m = received[0]!
    for (const f of FIELDS) assert.ok(Object.hasOwn(m, f), `inbox field ${f}`)
    assert.equal(m['id'], id)
    assert.equal(m['from'], alice.user)
    assert.deepEqual(m['to'], [bob.user])
    assert.equal(m['subject'], 'Greetings')
    assert.equal(m['body'], body)
    assert.equal(m['type'], 'markdown')
    assert.equal(m['conversation'], id, 'a first message starts its conversation')
    assert.equal(m['replyTo'], null)
    assert.equal(m['state'], 'unread')
    assert.equal(m['direction'], 'in')
    // --expires 7d: seven days after creation (to the precision of the stored times).
    const ttl = Date.parse(m['expires']) - Date.parse(m['created'])
    assert.ok(Math.abs(ttl - 7 * DAY) < 60_000, `expires 7d after created (${ttl} ms)`)

    // People output: aligned columns, the sender by contact name.
    const table = (await sdmpText(bob.home, ['inbox', '--messages'])).trimEnd().split('\n')
    assert.match(table[0]!, /^ID +DATE +FROM +SUBJECT +STATE$/)
    assert.match(table[1]!, /^\S{10} +\d{4}-\d\d-\d\d \d\d:\d\d +Alice +Greetings +unread$/)
    // The short id `inbox` prints names the message for show, save and --reply-to.
    const short = table[1]!.split(' ')[0]!
    assert.equal(short, id.slice(0, 10))
    assert.equal(table[0]!.indexOf('FROM'), table[1]!.indexOf('Alice'), 'columns align')

    // show prints headers then the body, and marks the message read (named by its short id).
    const text = await sdmpText(bob.home, ['show', short])
    const [head, rest] = text.split('\n\n', 2) as [string, string]
    assert.match(head, new RegExp(`^from: +Alice \\(${alice.user}\\)$`, 'm'))
    assert.match(head, /^subject: +Greetings$/m)
    assert.match(head, /^state: +read$/m)
    assert.equal(rest, `${body}\n`)
    assert.equal((await inbox(bob.home))[0]!['state'], 'read')
    const shown = await sdmpJson(bob.home, ['show', id])
    assert.deepEqual(Object.keys(shown), ['message'])
    assert.equal(shown['message']['state'], 'read')

    // Bob replies by name; the reply joins alice's conversation.
    const reply = await sdmpJson(bob.home, ['send', 'Alice', 'hi back', '--reply-to', id])
    await syncHomes(bob.home, alice.home)
    const got = await inbox(alice.home)
    assert.deepEqual(
      got.map((r) => [r['id'], r['from'], r['replyTo'], r['conversation'], r['subject']]),
      [[reply['id'], bob.user, id, id, null]],
    )
    // Bob's receipts came back with the reply: alice's message is now read.
    const original = (await inbox(alice.home, true)).find((r) => r['id'] === id)
    assert.equal(original!['state'], 'read')
    const detail = await sdmpJson(alice.home, ['show', id])
    assert.deepEqual(
      detail['message']['receipts'].map((r: any) => [r.user, r.status]),
      [[bob.user, 'read']],
    )
    // Newest first.
    const all = await inbox(alice.home, true)
    assert.deepEqual(
      all.map((r) => r['id']),
      [reply['id'], id],
    )

    // Without a daemon, sync dials the known peers once: none here (no daemon ever published
    // an address), so it is done at once and peers lists nobody.
    assert.deepEqual(await sdmpJson(alice.home, ['sync', '--wait']), { synced: true, peers: [] })
    assert.deepEqual(await sdmpJson(alice.home, ['peers']), { peers: [] })
  })

  it('one message to three recipients, by name and by fingerprint', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const others = [
      await newUser(dir, 'Bob'),
      await newUser(dir, 'Carol'),
      await newUser(dir, 'Dave'),
    ]
    for (const o of others) await makeMutual(alice.home, o.home)

    // Dave by fingerprint, a repeated name once only.
    const to = `Bob,Carol,${others[2]!.user},Bob`
    const { id } = await sdmpJson(alice.home, ['send', to, 'to all of you'])
    const users = others.map((o) => o.user).sort()
    for (const o of others) {
      await syncHomes(alice.home, o.home)
      const [m, ...more] = await inbox(o.home)
      assert.deepEqual(more, [])
      assert.equal(m!['id'], id)
      assert.equal(m!['body'], 'to all of you')
      assert.deepEqual([...m!['to']].sort(), users)
    }
    const text = await sdmpText(alice.home, ['send', 'Carol', 'just carol'])
    assert.match(text, /^sent [A-Za-z0-9_-]{86} to 1 recipient$/m)
  })
})
