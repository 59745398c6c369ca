/**
 * The pending start (docs/protocol/sessions.md §6): until the peer answers, a sender's messages
 * carry an entry on the session its first wrap started beside a wrap, the peer opens the entry
 * and starts nothing new, and the pending session is kept among the 4 however many newer
 * sessions start. Before it, a burst started a session per message, each side kept the newest 4,
 * and answers went on sessions the other side had dropped: messages were lost both ways.
 * Nodes here choose as the mailbox does (mail/sessions.ts): a usable session, else a wrap plus
 * the pending start; clocks move on every message, as under load.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  generateRecipientKeyPair,
  keepSession,
  openSessionEnvelope,
  pendingSession,
  sealSessionEnvelope,
  sendingSession,
  utf8,
} from '../src/index.js'
import type { CryptoProvider, EncryptedData, RecipientKeyPair, Session } from '../src/index.js'
import { loadPresets } from './envelope-helpers.js'

const presets = await loadPresets()
const PREKEY_CREATED = 0

class Node {
  readonly prekey: RecipientKeyPair
  readonly sessions = new Map<string, Session[]>()
  #clock = 1_000
  constructor(
    readonly provider: CryptoProvider,
    readonly fp: string,
  ) {
    this.prekey = generateRecipientKeyPair(provider)
  }
  now(): number {
    return (this.#clock += 5)
  }
  keep(s: Session) {
    this.sessions.set(s.peer, keepSession(this.sessions.get(s.peer) ?? [], s))
  }
  seal(to: Node, text: string): { data: EncryptedData; wraps: number; entries: number } {
    const now = this.now()
    const list = this.sessions.get(to.fp) ?? []
    const fresh = { now, peerPrekeyCreated: PREKEY_CREATED }
    const usable = sendingSession(list, fresh)
    const pending = usable ? undefined : pendingSession(list, fresh)
    const out = sealSessionEnvelope(this.provider, utf8(text), {
      self: this.fp,
      now,
      prekeys: usable ? [] : [{ node: to.fp, publicKey: to.prekey.publicKey }],
      sessions: usable ? [usable] : pending ? [pending] : [],
    })
    for (const s of out.sessions) this.keep(s)
    return { data: out.data, wraps: usable ? 0 : 1, entries: usable || pending ? 1 : 0 }
  }
  /** The text, or undefined when this node cannot open it (a lost message). */
  open(data: EncryptedData, from: Node): string | undefined {
    try {
      const out = openSessionEnvelope(this.provider, data, {
        self: this.fp,
        peer: from.fp,
        now: this.now(),
        secrets: [this.prekey.secret],
        sessions: this.sessions.get(from.fp) ?? [],
      })
      if (out.session) this.keep(out.session)
      return new TextDecoder().decode(out.inner)
    } catch {
      return undefined
    }
  }
}

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

    it('keeps the pending start in use however many newer sessions start', () => {
      const a = new Node(provider, 'A'.repeat(86))
      const b = new Node(provider, 'B'.repeat(86))
      for (let i = 0; i < 3; i++) a.seal(b, `m${i}`) // the start and two pending sends
      const inUse = pendingSession(a.sessions.get(b.fp)!, { now: a.now(), peerPrekeyCreated: 0 })!
      assert.equal(inUse.ratchet.ns, 2)
      // Many more wraps of Alice, each starting a session newer than the pending start.
      for (let i = 0; i < 10; i++) a.seal(b, `n${i}`)
      const kept = a.sessions.get(b.fp)!
      assert.equal(kept.length, 4)
      assert.ok(
        kept.some((s) => s.id === inUse.id),
        'the pending start is still there',
      )
    })
  })
}
