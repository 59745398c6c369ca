/**
 * The pending start (docs/protocol/sessions.md §6): until the peer answers, a sender's messages
 * carry an entry on the session its first wrap started beside a wrap, the peer opens the entry
 * and starts nothing new, and the pending session is kept beside the 4 newest however many newer
 * sessions start, also once it aged out for sending. Before it, a burst started a session per message, each side kept the newest 4,
 * and answers went on sessions the other side had dropped: messages were lost both ways.
 * Nodes here choose as the mailbox does (mail/sessions.ts): a usable session, else a wrap plus
 * the pending start; clocks move on every message, as under load.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SESSION_MAX_AGE_MS, pendingSession } from '../src/index.js'
import { loadPresets } from './envelope-helpers.js'
import { Node } from './session-nodes.js'

const presets = await loadPresets()

for (const provider of presets) {
  describe(`pending session start (${provider.name})`, () => {
    it('a burst before any answer, an answer, more of the burst: every message opens, both ways', () => {
      const a = new Node(provider, 'A'.repeat(86))
      const b = new Node(provider, 'B'.repeat(86))
      const burst = Array.from({ length: 12 }, (_, i) => a.seal(b, `burst ${i}`))
      assert.equal(burst[0]!.entries, 0, 'the first message is a wrap only')
      assert.ok(burst.slice(1).every((m) => m.wraps === 1 && m.entries === 1))
      // Bob reads half of it, answers, and Alice writes more before the answer reaches her.
      for (const [i, m] of burst.slice(0, 6).entries())
        assert.equal(b.open(m.data, a), `burst ${i}`)
      assert.equal(b.sessions.get(a.fp)!.length, 1, 'one session at Bob: the entries opened')
      const answer = b.seal(a, 'answer')
      assert.equal(answer.wraps, 0, 'a responder answers at once')
      const more = Array.from({ length: 12 }, (_, i) => a.seal(b, `more ${i}`))
      for (const [i, m] of burst.slice(6).entries())
        assert.equal(b.open(m.data, a), `burst ${i + 6}`)
      for (const [i, m] of more.entries()) assert.equal(b.open(m.data, a), `more ${i}`)
      assert.equal(a.open(answer.data, b), 'answer')
      // Confirmed: entries only from now on, both ways.
      const after = a.seal(b, 'after')
      assert.equal(after.wraps, 0)
      assert.equal(b.open(after.data, a), 'after')
      assert.equal(a.open(b.seal(a, 'reply').data, b), 'reply')
    })

    it('the first message late: the answer still opens, and wraps stop once each side is heard', () => {
      // The shrunk case of session-order.test.ts (sessions.md §6 "Answers"): before, Bob answered
      // on the session Alice's second wrap started, Alice had dropped it, and the answer was lost.
      const a = new Node(provider, 'A'.repeat(86))
      const b = new Node(provider, 'B'.repeat(86))
      const m0 = a.seal(b, 'm0')
      const m1 = a.seal(b, 'm1')
      assert.equal(b.open(m1.data, a), 'm1') // before m0: Bob starts the session of m1's wrap
      const m2 = a.seal(b, 'm2')
      const answer = b.seal(a, 'answer')
      assert.equal(answer.wraps, 1, 'Alice has not written on that session: a wrap goes too')
      const later = [a.seal(b, 'm3'), a.seal(b, 'm4')]
      assert.equal(a.open(answer.data, b), 'answer')
      for (const [m, text] of [
        [m0, 'm0'],
        [m2, 'm2'],
        [later[0]!, 'm3'],
        [later[1]!, 'm4'],
      ] as const)
        assert.equal(b.open(m.data, a), text)
      const after = a.seal(b, 'after')
      assert.equal(b.open(after.data, a), 'after')
      const reply = b.seal(a, 'reply')
      assert.equal(reply.wraps, 0, 'Bob has heard Alice on the session: no more wraps')
      assert.equal(a.open(reply.data, b), 'reply')
      const last = a.seal(b, 'last')
      assert.equal(last.wraps, 0, 'Alice has heard Bob on it too')
      assert.equal(b.open(last.data, a), 'last')
    })

    it('an answer on a pending start that aged out meanwhile still opens', () => {
      // The shrunk case of session-order.test.ts that lost the answer: the first pending start
      // was dropped once a day passed and three sends started a second one and two more.
      const a = new Node(provider, 'A'.repeat(86))
      const b = new Node(provider, 'B'.repeat(86))
      const first = [a.seal(b, 'a0'), a.seal(b, 'a1')]
      a.advance(SESSION_MAX_AGE_MS)
      for (const [i, m] of first.entries()) assert.equal(b.open(m.data, a), `a${i}`)
      const answer = b.seal(a, 'b2')
      assert.equal(answer.wraps, 0, 'Bob answers on the session Alice started')
      const later = [3, 4, 5].map((i) => a.seal(b, `a${i}`))
      assert.equal(later[0]!.entries, 0, 'too old to send on: Alice starts again')
      a.advance(SESSION_MAX_AGE_MS)
      assert.equal(a.open(answer.data, b), 'b2')
      for (const [i, m] of later.entries()) assert.equal(b.open(m.data, a), `a${i + 3}`)
    })

    it('keeps the pending start in use however many newer sessions start', () => {
      const a = new Node(provider, 'A'.repeat(86))
      const b = new Node(provider, 'B'.repeat(86))
      for (let i = 0; i < 3; i++) a.seal(b, `m${i}`) // the start and two pending sends
      const inUse = pendingSession(a.sessions.get(b.fp)!, { now: a.now(), peerPrekeyCreated: 0 })!
      assert.equal(inUse.ratchet.ns, 2)
      // Many more wraps of Alice, each starting a session newer than the pending start.
      for (let i = 0; i < 10; i++) a.seal(b, `n${i}`)
      const kept = a.sessions.get(b.fp)!
      assert.ok(
        kept.some((s) => s.id === inUse.id),
        'the pending start is still there',
      )
      // Beside it, the newest 4 its wraps started (the peer answers on one it opened a wrap of).
      const newest = kept.filter((s) => s.id !== inUse.id)
      assert.equal(newest.length, 4)
      assert.ok(newest.every((s) => s.ratchet.ns === 0 && s.created > inUse.created))
    })
  })
}
