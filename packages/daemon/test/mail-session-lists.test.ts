/**
 * The lists of sessions kept per peer (sessions.ts `readSessions`, `storeSession`): whatever
 * was read and stored before, a list is stored as the texts `encodeSession` gives and read as
 * what `decodeSession` gives, damaged texts dropped; and a list read again after it was read or
 * stored is not decoded again (the same session objects come back).
 * @module
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { decodeSession, encodeSession, keepSession } from '@sdmp/core'
import type { Session } from '@sdmp/core'
import { MemoryStore, SecretVault } from '@sdmp/store'
import { MailRecords } from '../src/mail/records.js'
import type { MailBatch } from '../src/mail/records.js'
import { readSessions, sessionKey, storeSession } from '../src/mail/sessions.js'

const sha512 = (b: Uint8Array) => new Uint8Array(createHash('sha512').update(b).digest())
const PEERS = ['P'.repeat(86), 'Q'.repeat(86)]

/** A session with made-up keys (only its shape matters here). */
function session(peer: string, id: number, seed: number): Session {
  const key = (k: number) => new Uint8Array(32).fill((seed * 7 + k) & 0xff)
  return {
    id: `session-${id}`,
    peer,
    role: id % 2 === 0 ? 'initiator' : 'responder',
    created: 1_000 + id,
    received: seed % 3 === 0 ? 0 : 2_000 + seed,
    ratchet: {
      dhs: { secret: key(1), public: key(2) },
      dhr: seed % 4 === 0 ? null : key(3),
      rk: key(4),
      cks: key(5),
      ckr: seed % 5 === 0 ? null : key(6),
      ns: seed % 7,
      nr: seed % 11,
      pn: 0,
      hks: key(7),
      hkr: key(8),
      nhks: key(9),
      nhkr: key(10),
      skipped: seed % 2 === 0 ? [] : [{ hk: key(11), n: 3, mk: key(12) }],
    },
  }
}

type Op =
  | { readonly kind: 'store'; readonly peer: number; readonly id: number; readonly seed: number }
  | { readonly kind: 'read'; readonly peer: number }
  | { readonly kind: 'damage'; readonly peer: number }
  | { readonly kind: 'commit' }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('store' as const),
    peer: fc.integer({ min: 0, max: 1 }),
    id: fc.integer({ min: 0, max: 6 }),
    seed: fc.integer({ min: 0, max: 1_000 }),
  }),
  fc.record({ kind: fc.constant('read' as const), peer: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('damage' as const), peer: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('commit' as const) }),
)

/** What a reader without any kept list makes of a stored list. */
function decodeAll(texts: readonly string[] | undefined): Session[] {
  const out: Session[] = []
  for (const text of texts ?? []) {
    try {
      out.push(decodeSession(text))
    } catch {
      // dropped, as readSessions drops it
    }
  }
  return out
}

describe('Kept session lists', () => {
  it('store and read as encodeSession and decodeSession would, in any order, damage included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const store = new MemoryStore({ sha512 })
        const records = new MailRecords(store, await SecretVault.open(store))
        let batch: MailBatch = records.batch()
        const stored = (peer: string) => batch.get<string[]>(sessionKey(peer))
        for (const o of ops) {
          if (o.kind === 'commit') {
            await batch.commit()
            batch = records.batch()
            continue
          }
          const peer = PEERS[o.peer]!
          if (o.kind === 'damage') {
            batch.set(sessionKey(peer), [...((await stored(peer)) ?? []), '{"id":"torn'])
            continue
          }
          if (o.kind === 'read') {
            assert.deepEqual(await readSessions(batch, peer), decodeAll(await stored(peer)))
            continue
          }
          const s = session(peer, o.id, o.seed)
          const want = keepSession(decodeAll(await stored(peer)), s)
          const kept = await storeSession(batch, s)
          assert.deepEqual(kept, want)
          assert.deepEqual(await stored(peer), want.map(encodeSession))
          // Read again: the very objects just stored, not a decoding of their texts.
          const again = await readSessions(batch, peer)
          assert.equal(again.length, kept.length)
          for (const [i, x] of again.entries()) assert.equal(x, kept[i], `session ${i}`)
        }
      }),
    )
  })

  it('lists of two records with the same peer stay apart', async () => {
    const store = new MemoryStore({ sha512 })
    const vault = await SecretVault.open(store)
    const one = new MailRecords(store, vault, 'mail.one').batch()
    const two = new MailRecords(store, vault, 'mail.two').batch()
    const peer = PEERS[0]!
    const a = session(peer, 1, 1)
    const b = session(peer, 2, 2)
    await storeSession(one, a)
    await storeSession(two, b)
    assert.deepEqual(await readSessions(one, peer), [a])
    assert.deepEqual(await readSessions(two, peer), [b])
  })
})
