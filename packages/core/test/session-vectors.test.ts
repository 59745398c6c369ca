/**
 * vectors/sessions.json (docs/protocol/sessions.md §9) on every crypto preset: the committed
 * file regenerates byte for byte, the start's key schedule and KDF_CK chain match, and the
 * recorded exchange replays: each entry opens, on the other side, to its recorded key.
 * @module
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  fromHex,
  fromUtf8,
  generateRecipientKeyPair,
  isProtocolError,
  kdfCk,
  openSessionEnvelope,
  toHex,
} from '../src/index.js'
import { loadPresets, seededRandom } from './envelope-helpers.js'
import { SESSION_VECTORS_PATH, sessionVectorsText } from './gen/session-vectors.js'
import { End, NODE_A, NODE_B, startPair } from './session-helpers.js'

const committed = readFileSync(SESSION_VECTORS_PATH, 'utf8')
const file = JSON.parse(committed) as {
  randomSeed: string
  sessionId: string
  start: { idB64u: string }
  steps: { from: 'A' | 'B'; keyHex: string; entryHex: string }[]
  kdfCk: { ckHex: string; chain: { ckHex: string; mkHex: string }[] }
  envelope: {
    innerUtf8: string
    sealerSelfPrekeySeedHex: string
    nodeC: string
    nodeCPrekeySeedHex: string
    encrypted: { sessions: string[] } & Record<string, unknown>
  }
}
const presets = await loadPresets()

for (const provider of presets) {
  describe(`session vectors (${provider.name})`, () => {
    it('regenerates the committed file byte for byte', () => {
      assert.equal(sessionVectorsText(provider), committed)
    })
    it('KDF_CK chain', () => {
      let ck = fromHex(file.kdfCk.ckHex)
      for (const step of file.kdfCk.chain) {
        const out = kdfCk(provider, ck)
        assert.deepEqual([toHex(out.ck), toHex(out.mk)], [step.ckHex, step.mkHex])
        ck = out.ck
      }
    })
    it('replays the exchange: every recorded entry opens to its key, once', () => {
      const random = seededRandom(provider, file.randomSeed)
      const p = startPair(provider, random)
      assert.equal(p.a.id, file.start.idB64u)
      const a = new End(provider, p.a, random)
      const b = new End(provider, p.b, random)
      for (const step of file.steps) {
        const to = step.from === 'A' ? b : a
        const entry = fromHex(step.entryHex)
        assert.equal(toHex(to.open(entry)!), step.keyHex)
        assert.equal(to.open(entry), null)
      }
      // The envelope with session entries: B by its session, C by its prekey, A by its self
      // entry; and a change to any session entry fails for all three (the AAD binds the list).
      const env = file.envelope
      const c = generateRecipientKeyPair(provider, { seed: fromHex(env.nodeCPrekeySeedHex) })
      const self = generateRecipientKeyPair(provider, {
        seed: fromHex(env.sealerSelfPrekeySeedHex),
      })
      const readers = [
        { self: NODE_B, secrets: [], sessions: [b.session] },
        { self: env.nodeC, secrets: [c.secret], sessions: [] },
        { self: NODE_A, secrets: [self.secret], sessions: [] },
      ]
      const open = (data: unknown, r: (typeof readers)[number]) =>
        fromUtf8(openSessionEnvelope(provider, data, { ...r, peer: NODE_A, now: 3_000 }).inner)
      for (const r of readers) assert.equal(open(env.encrypted, r), env.innerUtf8)
      const e0 = env.encrypted.sessions[0]!
      const changed = {
        ...env.encrypted,
        sessions: [
          e0.slice(0, 5) + (e0[5] === 'A' ? 'B' : 'A') + e0.slice(6),
          ...env.encrypted.sessions.slice(1),
        ],
      }
      for (const r of readers)
        assert.throws(
          () => open(changed, r),
          (e) => isProtocolError(e, 'DECRYPT_FAILED'),
        )
    })
  })
}
