/**
 * Envelopes with session entries (docs/protocol/sessions.md §8): a first message with prekey
 * wraps starts sessions with every reading node, later ones carry only 116-byte entries; the
 * sealing node reads its own through a self entry; every reading node opens every message once;
 * any change to any session entry (a dummy included) fails for everyone; the shape checks.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  decodeEncryptedData,
  generateRecipientKeyPair,
  isProtocolError,
  keepSession,
  openEnvelope,
  openSessionEnvelope,
  sealEnvelope,
  sealSessionEnvelope,
  selfEntryKey,
  utf8,
} from '../src/index.js'
import type { CryptoProvider, EncryptedData, RecipientKeyPair, Session } from '../src/index.js'
import { INNER, loadPresets, seededRandom } from './envelope-helpers.js'
import { NODE_A, NODE_B, startPair } from './session-helpers.js'

const presets = await loadPresets()
const inner = utf8(INNER)
const failsUniformly = (e: unknown) =>
  isProtocolError(e, 'DECRYPT_FAILED') && e.message === 'decryption failed'
const code = (f: () => unknown) => {
  try {
    f()
    return 'ok'
  } catch (e) {
    return isProtocolError(e) ? e.code : String(e)
  }
}

/** A node: its fingerprint, one prekey, and its sessions by peer node. */
class Node {
  readonly prekey: RecipientKeyPair
  readonly sessions = new Map<string, Session[]>()
  constructor(
    readonly provider: CryptoProvider,
    readonly fp: string,
  ) {
    this.prekey = generateRecipientKeyPair(provider)
  }
  keep(s: Session) {
    this.sessions.set(s.peer, keepSession(this.sessions.get(s.peer) ?? [], s))
  }
  /** Seal to `readers`: a session entry where one exists, a prekey wrap otherwise. */
  seal(readers: readonly Node[], now = 1_000): EncryptedData {
    const sessions: Session[] = []
    const prekeys: { node: string; publicKey: Uint8Array }[] = []
    for (const r of readers) {
      const s = this.sessions.get(r.fp)?.[0]
      if (s) sessions.push(s)
      else prekeys.push({ node: r.fp, publicKey: r.prekey.publicKey })
    }
    const out = sealSessionEnvelope(this.provider, inner, {
      self: this.fp,
      now,
      prekeys,
      sessions,
      selfKey: selfEntryKey(this.provider, this.prekey.secret),
    })
    for (const s of out.sessions) this.keep(s)
    return out.data
  }
  open(data: unknown, from: Node): Uint8Array {
    const out = openSessionEnvelope(this.provider, data, {
      self: this.fp,
      peer: from.fp,
      now: 2_000,
      secrets: [this.prekey.secret],
      sessions: this.sessions.get(from.fp) ?? [],
    })
    if (out.session) this.keep(out.session)
    return out.inner
  }
}

for (const provider of presets) {
  describe(`envelopes with sessions (${provider.name})`, () => {
    const world = () => {
      const a = new Node(provider, 'A'.repeat(86))
      const b1 = new Node(provider, 'B'.repeat(86))
      const b2 = new Node(provider, 'C'.repeat(86))
      return { a, b1, b2 }
    }

    it('a first message wraps and starts sessions; later ones carry entries only', () => {
      const { a, b1, b2 } = world()
      const first = a.seal([b1, b2])
      assert.equal(first.v, 2)
      assert.equal(first.recipients.length, 2)
      assert.equal(first.sessions!.length, 2) // the self entry and a dummy
      for (const r of [b1, b2]) assert.deepEqual(r.open(first, a), inner)
      assert.deepEqual(a.open(first, a), inner) // the self entry
      assert.equal(a.sessions.get(b1.fp)!.length, 1)
      for (let i = 0; i < 3; i++) {
        const later = a.seal([b1, b2])
        assert.equal(later.recipients.length, 0)
        assert.equal(later.sessions!.length, 4) // two entries, the self entry, a dummy
        assert.ok(later.sessions!.every((e) => e.length === 155))
        for (const r of [b1, b2, a]) assert.deepEqual(r.open(later, a), inner)
        // Each message opens once per session: the key was deleted.
        assert.ok(failsUniformly(catchOf(() => b1.open(later, a))))
      }
      // The answer goes over the responder's session: no wrap at all.
      const answer = b1.seal([a])
      assert.equal(answer.recipients.length, 0)
      assert.deepEqual(a.open(answer, b1), inner)
      // ... and a plain prekey opener still reads an envelope with wraps.
      assert.deepEqual(openEnvelope(provider, first, [b2.prekey.secret]), inner)
    })

    it('a reader whose session entry opens the content never tries the wraps (no decapsulation)', () => {
      const { a, b1, b2 } = world()
      // a's session with b1, confirmed by b1's answer: b1 gets an entry, b2 (new) a prekey wrap.
      b1.open(a.seal([b1]), a)
      a.open(b1.seal([a]), b1)
      const mixed = a.seal([b1, b2])
      assert.equal(mixed.recipients.length, 2) // b2's wrap and a dummy
      let decapsulations = 0
      const counting: CryptoProvider = {
        ...provider,
        mlkem768: {
          ...provider.mlkem768,
          decapsulate: (c, k) => (decapsulations++, provider.mlkem768.decapsulate(c, k)),
        },
      }
      const out = openSessionEnvelope(counting, mixed, {
        self: b1.fp,
        peer: a.fp,
        now: 2_000,
        secrets: [b1.prekey.secret],
        sessions: b1.sessions.get(a.fp) ?? [],
      })
      assert.deepEqual(out.inner, inner)
      assert.equal(decapsulations, 0)
      // b2 has no session: it opens its wrap, which takes a decapsulation.
      const viaWrap = openSessionEnvelope(counting, mixed, {
        self: b2.fp,
        peer: a.fp,
        now: 2_000,
        secrets: [b2.prekey.secret],
        sessions: [],
      })
      assert.deepEqual(viaWrap.inner, inner)
      assert.ok(decapsulations > 0)
    })

    it('the size: a later message to two nodes is entries only (4 x 155 characters)', () => {
      const { a, b1, b2 } = world()
      const first = JSON.stringify(a.seal([b1, b2]))
      const later = JSON.stringify(a.seal([b1, b2]))
      const old = JSON.stringify(
        sealEnvelope(provider, inner, [b1.prekey, b2.prekey, a.prekey], { version: 2 }),
      )
      assert.ok(later.length < first.length && first.length < old.length)
      assert.ok(later.length < 1_200, `${later.length}`)
    })

    it('changing any session entry, a dummy included, fails for every reader', () => {
      const { a, b1, b2 } = world()
      const first = a.seal([b1, b2])
      for (const r of [b1, b2]) r.open(first, a)
      const later = a.seal([b1, b2])
      for (let i = 0; i < later.sessions!.length; i++) {
        const sessions = [...later.sessions!]
        const s = sessions[i]!
        sessions[i] = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11)
        const bad = { ...later, sessions }
        for (const r of [b1, b2, a]) assert.ok(failsUniformly(catchOf(() => r.open(bad, a))))
      }
      // Reordered entries: the AAD binds the order too.
      const swapped = { ...later, sessions: [...later.sessions!].reverse() }
      for (const r of [b1, b2, a]) assert.ok(failsUniformly(catchOf(() => r.open(swapped, a))))
      // Stripping the member leaves no entry at all: a shape error, before any key is used.
      const { sessions: _, ...stripped } = later
      assert.equal(
        code(() => b1.open(stripped, a)),
        'SCHEMA_VIOLATION',
      )
      // The untouched envelope still opens (a failed open changed no state).
      for (const r of [b1, b2, a]) assert.deepEqual(r.open(later, a), inner)
    })

    it('no session, the wrong sealer, a replay: the same uniform failure', () => {
      const { a, b1, b2 } = world()
      const first = a.seal([b1])
      const stranger = new Node(provider, 'D'.repeat(86))
      assert.ok(failsUniformly(catchOf(() => stranger.open(first, a))))
      b1.open(first, a)
      const later = a.seal([b1])
      // Opened as if b2 (no session with a) or as if sealed by another node: nothing.
      assert.ok(failsUniformly(catchOf(() => b2.open(later, a))))
      assert.ok(failsUniformly(catchOf(() => b1.open(later, b2))))
      assert.deepEqual(b1.open(later, a), inner)
      assert.ok(failsUniformly(catchOf(() => b1.open(later, a))))
      // The prekey message again (indexed twice): it opens, and the session is not replaced.
      const before = b1.sessions.get(a.fp)![0]!
      const again = openSessionEnvelope(provider, first, {
        self: b1.fp,
        peer: a.fp,
        now: 3_000,
        secrets: [b1.prekey.secret],
        sessions: b1.sessions.get(a.fp)!,
      })
      assert.equal(again.session, undefined)
      assert.equal(b1.sessions.get(a.fp)![0], before)
      // A wrap in an envelope without a sessions member (a sender that keeps no session state)
      // opens but starts nothing: the sender could never answer on it.
      const plain = sealEnvelope(provider, inner, [b2.prekey], { version: 2 })
      const opened = openSessionEnvelope(provider, plain, {
        self: b2.fp,
        peer: a.fp,
        now: 3_000,
        secrets: [b2.prekey.secret],
        sessions: [],
      })
      assert.deepEqual([opened.inner, opened.session], [inner, undefined])
    })

    it('a reinstalled device (new node) gets a prekey wrap again, never nothing', () => {
      const { a, b1, b2 } = world()
      const first = a.seal([b1, b2])
      for (const r of [b1, b2]) r.open(first, a)
      const b2new = new Node(provider, 'E'.repeat(86))
      const next = a.seal([b1, b2new])
      assert.equal(next.recipients.length, 2)
      assert.deepEqual(b2new.open(next, a), inner)
      assert.deepEqual(b1.open(next, a), inner)
    })

    it('decoder: the sessions member and its shape', () => {
      const { a, b1 } = world()
      const later = (() => {
        b1.open(a.seal([b1]), a)
        return a.seal([b1])
      })()
      assert.deepEqual(decodeEncryptedData(later), later)
      const entry = later.sessions![0]!
      const cases: [unknown, string][] = [
        [{ ...later, sessions: 'x' }, 'SCHEMA_VIOLATION'],
        [{ ...later, sessions: [entry, entry, entry] }, 'SCHEMA_VIOLATION'],
        [{ ...later, sessions: [entry] }, 'SCHEMA_VIOLATION'],
        [{ ...later, sessions: [entry, 7] }, 'SCHEMA_VIOLATION'],
        [{ ...later, sessions: [entry, entry.slice(1)] }, 'INVALID_ENCODING'],
        [{ ...later, sessions: [entry, entry.slice(0, -1) + '!'] }, 'INVALID_ENCODING'],
        [{ ...later, sessions: Array(2048).fill(entry) }, 'LIMIT_EXCEEDED'],
        [{ ...later, v: undefined }, 'SCHEMA_VIOLATION'],
      ]
      for (const [json, want] of cases) {
        const j = JSON.parse(JSON.stringify(json)) as Record<string, unknown>
        assert.equal(
          code(() => decodeEncryptedData(j)),
          want,
          JSON.stringify(j).slice(0, 80),
        )
      }
      // A profile 1 envelope may not carry sessions.
      const v1 = sealEnvelope(provider, inner, [b1.prekey], { version: 1 })
      assert.equal(
        code(() => decodeEncryptedData({ ...v1, sessions: [entry, entry] })),
        'SCHEMA_VIOLATION',
      )
    })

    it('a node twice, or the sealer among its readers, is refused', () => {
      const { a, b1 } = world()
      const p = { node: b1.fp, publicKey: b1.prekey.publicKey }
      const seal = (prekeys: { node: string; publicKey: Uint8Array }[]) =>
        code(() =>
          sealSessionEnvelope(provider, inner, { self: a.fp, now: 0, prekeys, sessions: [] }),
        )
      assert.equal(seal([p, p]), 'BAD_REQUEST')
      assert.equal(seal([{ ...p, node: a.fp }]), 'BAD_REQUEST')
      assert.equal(seal([]), 'BAD_REQUEST')
    })

    it('two entries for one node on distinct sessions open with either (sessions.md §6 "Answers")', () => {
      const random = seededRandom(provider, 'two entries')
      const [one, two, three] = [1, 2, 3].map((i) => startPair(provider, random, 1_000 * i))
      const seal = (sessions: Session[]) =>
        sealSessionEnvelope(provider, inner, { self: NODE_A, now: 5_000, prekeys: [], sessions })
      const data = seal([one!.a, two!.a]).data
      for (const held of [one!.b, two!.b]) {
        const out = openSessionEnvelope(provider, data, {
          self: NODE_B,
          peer: NODE_A,
          now: 5_000,
          secrets: [],
          sessions: [held],
        })
        assert.deepEqual(out.inner, inner)
        assert.equal(out.session?.id, held.id)
      }
      // The same session twice, or a third entry for one node, is refused.
      assert.equal(
        code(() => seal([one!.a, one!.a])),
        'BAD_REQUEST',
      )
      assert.equal(
        code(() => seal([one!.a, two!.a, three!.a])),
        'BAD_REQUEST',
      )
    })
  })
}

function catchOf(f: () => unknown): unknown {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}
