/**
 * The conversation view through the real `sdmp` executable in direct mode (docs/cli.md
 * "Chats"): `chat NAME` as a chat log oldest first with replies quoting what they answer,
 * `inbox` grouped by chat with unread counts, paging with the exact next-page command,
 * `--mark-read`, `thread ID`, and clear errors.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { makeMutual, newUser, sdmpFails, sdmpJson, sdmpText } from './messaging-helpers.js'

/** The command a hint line names, as arguments (after `sdmp `). */
function hinted(text: string, label: string): string[] {
  const line = text.trimEnd().split('\n').at(-1)!
  assert.match(line, new RegExp(`^${label}: sdmp `), text)
  return line.slice(`${label}: sdmp `.length).split(' ')
}

describe('sdmp chat, thread and the grouped inbox (direct mode)', () => {
  it('shows chats in order with replies in place, grouped with unread counts, paged', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    const carol = await newUser(dir, 'Carol')
    await makeMutual(alice.home, bob.home)
    await makeMutual(alice.home, carol.home)

    const first = await sdmpJson(alice.home, ['send', 'Bob', 'first words of a long message'])
    await sdmpJson(alice.home, ['send', 'Bob', 'second\nwith two lines'])
    await syncHomes(alice.home, bob.home)
    const reply = await sdmpJson(bob.home, ['send', 'alice', 'a reply', '--reply-to', first['id']])
    await syncHomes(bob.home, alice.home)
    await sdmpJson(carol.home, ['send', 'Alice', 'hi from carol'])
    await syncHomes(carol.home, alice.home)

    // chat: oldest first; time, sender, short id, body; the reply quotes in place.
    const log = (await sdmpText(bob.home, ['chat', 'ALICE'])).trimEnd().split('\n')
    const time = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d'
    assert.equal(log.length, 5, log.join('\n'))
    assert.match(log[0]!, new RegExp(`^${time}  Alice  \\S{10}  first words of a long message$`))
    assert.equal(log[0]!.split(/ +/)[3], first['id'].slice(0, 10))
    assert.match(log[1]!, new RegExp(`^${time}  Alice  \\S{10}  second$`))
    assert.match(log[2]!, /^ +with two lines$/)
    assert.equal(log[2]!.indexOf('with'), log[1]!.indexOf('second'), 'continuation aligned')
    assert.match(
      log[3]!,
      new RegExp(`^${time}  me     \\S{10}  > Alice: first words of a long message$`),
    )
    assert.match(log[4]!, /^ +a reply$/)
    // Alice sees the same chat from her side: her own message quoted as "me".
    const hers = await sdmpText(alice.home, ['chat', 'bob'])
    assert.match(hers, /Bob +\S{10}  > me: first words/)

    // The grouped inbox: one line per chat, newest activity first, unread counts.
    const inbox = (await sdmpText(alice.home, ['inbox'])).trimEnd().split('\n')
    assert.match(inbox[0]!, /^ID +CHAT +UNREAD +LAST +MESSAGE$/)
    assert.match(inbox[1]!, new RegExp(`^\\S{10}  Carol +1 +${time}  hi from carol$`))
    assert.match(inbox[2]!, new RegExp(`^${reply['id'].slice(0, 10)}  Bob +1 +${time}  a reply$`))
    assert.equal(inbox.length, 3)
    const grouped = await sdmpJson(bob.home, ['inbox'])
    assert.deepEqual(Object.keys(grouped), ['chats', 'next'])
    assert.deepEqual(
      grouped['chats'].map((c: any) => [c.id, c.names, c.unread, c.messages, c.last.body]),
      [[alice.user, ['Alice'], 2, 3, 'a reply']],
    )
    assert.match((await sdmpText(bob.home, ['inbox'])).split('\n')[1]!, /me: a reply$/)

    // Paging: the hint is the exact command of the next page, and every message comes once.
    const page1 = await sdmpText(bob.home, ['chat', 'alice', '--limit', '2'])
    const older = hinted(page1, 'older')
    assert.deepEqual(older.slice(0, 4), ['chat', 'alice', '--limit', '2'])
    const page2 = await sdmpText(bob.home, older)
    assert.match(page2, /first words of a long message/)
    assert.doesNotMatch(page2, /a reply|older:/)
    assert.doesNotMatch(page1, /\S{10} {2}first words/, 'the first message is on page 2')
    const flat = await sdmpText(alice.home, ['inbox', '--all', '--limit', '3'])
    const nextFlat = hinted(flat, 'more')
    assert.deepEqual(nextFlat.slice(0, 3), ['inbox', '--all', '--limit'])
    const rest = await sdmpJson(alice.home, nextFlat)
    assert.deepEqual(Object.keys(rest), ['messages', 'next'])
    assert.deepEqual(
      rest['messages'].map((m: any) => m.body),
      ['first words of a long message'],
    )
    assert.equal(rest['next'], null)

    // chat does not mark read; --mark-read does.
    assert.equal((await sdmpJson(bob.home, ['inbox']))['chats'][0].unread, 2)
    const marked = await sdmpJson(bob.home, ['chat', 'Alice', '--mark-read'])
    assert.deepEqual(Object.keys(marked), ['chat', 'with', 'messages', 'next'])
    assert.equal(marked['chat'], alice.user)
    assert.ok(marked['messages'].every((m: any) => m.state !== 'unread'))
    assert.equal((await sdmpJson(bob.home, ['inbox']))['chats'][0].unread, 0)

    // thread: the first message and its reply, not the other message of the chat.
    const thread = await sdmpJson(alice.home, ['thread', reply['id'].slice(0, 8)])
    assert.deepEqual(
      thread['messages'].map((m: any) => m.id),
      [first['id'], reply['id']],
    )
    assert.equal(thread['conversation'], first['id'])
    const threadText = await sdmpText(alice.home, ['thread', first['id']])
    assert.doesNotMatch(threadText, /second/)
    assert.match(threadText, /> me: first words/)
  })

  it('explains bad names, limits and cursors', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)
    const cases: [string[], number, RegExp, string?][] = [
      [['chat'], 2, /chat: missing argument NAME/],
      [['chat', 'Bbo'], 66, /no contact named Bbo; did you mean 'Bob'\?/, 'NOT_FOUND'],
      [['chat', 'bob', '--limit', '0'], 2, /--limit: expected a whole number/],
      [['inbox', '--limit', '1001'], 2, /--limit: expected a whole number/],
      [['chat', 'bob', '--before', '!!'], 2, /--before: expected the cursor/],
      [['chat', 'bob', '--before', 'AAAA'], 65, /before: expected a cursor/, 'BAD_REQUEST'],
      [['inbox', '--before', 'AAAA'], 65, /before: expected a cursor/, 'BAD_REQUEST'],
      [['thread', 'abc'], 65, /thread: malformed id 'abc'/, 'BAD_REQUEST'],
      [['thread', 'abcdefgh'], 66, /./, 'NOT_FOUND'],
    ]
    for (const [args, exit, message, code] of cases) {
      const f = await sdmpFails(alice.home, args)
      const what = args.join(' ')
      assert.equal(f.code, exit, `${what}: ${f.line}`)
      assert.match(f.line, message, what)
      assert.equal(f.error, code ?? (exit === 2 ? 'USAGE' : f.error), what)
    }
    // A contact with no message yet: an empty chat, not an error.
    assert.equal((await sdmpText(alice.home, ['chat', 'bob'])).trim(), 'no messages')
    assert.equal((await sdmpText(alice.home, ['inbox'])).trim(), 'no messages')
    for (const cmd of ['chat', 'thread', 'inbox'])
      assert.match(await sdmpText(alice.home, [cmd, '--help']), /--json/)
  })
})
