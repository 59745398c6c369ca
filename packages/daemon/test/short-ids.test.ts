/**
 * Short ids (mail/queries.ts, docs/cli.md "Short ids"): a message is named by any unique prefix
 * of 6 or more characters of its id, as git takes short hashes; an ambiguous prefix is an error
 * that lists the candidates, never a guess.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import { befriendPeers, closePeers, createPeer, pushPeer } from '@sdmp/testkit/daemon-world'
import { isMessageRef } from '@sdmp/client/ids'
import { resolveMessageId } from '../src/mail/queries.js'
import type { MailRecords } from '../src/mail/records.js'

/** Records whose message keys are exactly `ids` (only what resolveMessageId reads). */
function recordsWith(ids: readonly string[]): MailRecords {
  return {
    messageKeysStartingWith: async (prefix: string, limit: number) =>
      ids
        .filter((id) => id.startsWith(prefix))
        .sort()
        .slice(0, limit)
        .map((id) => `m:${id}`),
  } as unknown as MailRecords
}

const idOf = (head: string) => head + 'A'.repeat(86 - head.length)

describe('short message ids', () => {
  it('resolves a unique prefix, refuses an ambiguous one naming the candidates', async () => {
    const a = idOf('abcdefX')
    const b = idOf('abcdefY')
    const records = recordsWith([a, b, idOf('zzzzzz')])
    assert.equal(await resolveMessageId(records, 'abcdefX'), a)
    assert.equal(await resolveMessageId(records, a), a, 'a full id is itself')
    assert.equal(await resolveMessageId(records, 'qqqqqq'), undefined)
    assert.equal(await resolveMessageId(records, 'abc'), undefined, 'too short to be a prefix')
    await assert.rejects(
      resolveMessageId(records, 'abcdef'),
      (e) =>
        isProtocolError(e, ErrorCode.CONFLICT) &&
        e.message.includes(a.slice(0, 14)) &&
        e.message.includes(b.slice(0, 14)),
    )
    assert.equal(isMessageRef('abcde'), false)
    assert.equal(isMessageRef('abc$ef'), false)
    assert.equal(isMessageRef('abcdef'), true)
  })

  it('lets show, reply and read name a message by a prefix of its id', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const sent = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'ping' })
    await pushPeer(alice, bob)
    const short = sent.id.slice(0, 10)
    assert.equal((await bob.mailbox.get(short))?.id, sent.id)
    assert.equal((await bob.mailbox.markRead(short)).state, 'read')
    const reply = await bob.mailbox.send({
      to: [alice.account.requireUser()],
      body: 'pong',
      replyTo: sent.id.slice(0, 6),
    })
    assert.equal((await bob.mailbox.get(reply.id))?.replyTo, sent.id)
    assert.equal(await bob.mailbox.get('zzzzzzzz'), undefined)
  })
})
