/**
 * vectors/sessions.json (docs/protocol/sessions.md §9) on every crypto preset: the committed
 * file regenerates byte for byte, the start's key schedule and KDF_CK chain match, and the
 * recorded exchange replays: each entry opens, on the other side, to its recorded key.
 * @module
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { fromHex, kdfCk, toHex } from '../src/index.js'
import { loadPresets, seededRandom } from './envelope-helpers.js'
import { SESSION_VECTORS_PATH, sessionVectorsText } from './gen/session-vectors.js'
import { End, startPair } from './session-helpers.js'

const committed = readFileSync(SESSION_VECTORS_PATH, 'utf8')
const file = JSON.parse(committed) as {
  randomSeed: string
  sessionId: string
  start: { idB64u: string }
  steps: { from: 'A' | 'B'; keyHex: string; entryHex: string }[]
  kdfCk: { ckHex: string; chain: { ckHex: string; mkHex: string }[] }
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
    })
  })
}
