/**
 * vectors/envelope.json, byte for byte on every crypto preset: keys from seeds, every random
 * draw, the sealed JSON, opening by each recipient, and every invalid case's error code.
 * @module
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  decodeEncryptedData,
  fromHex,
  generateRecipientKeyPair,
  isProtocolError,
  openEnvelope,
  sealEnvelope,
  toHex,
} from '../src/index.js'
import type { RecipientSecret, Suite } from '../src/index.js'
import { enclosureAad } from '../src/envelope/envelope.js'
import { decodeEnvelopeBytes } from '../src/envelope/encrypted-data.js'
import { unwrapKey } from '../src/envelope/wrap.js'
import { loadPresets, recording, seededRandom } from './envelope-helpers.js'
import { ENVELOPE_VECTORS_PATH, envelopeVectorsText } from './gen/envelope-vectors.js'

interface VectorFile {
  keys: { name: string; suite: Suite; seedHex: string; publicKeyHex: string }[]
  valid: {
    version?: 2
    name: string
    suite: Suite
    recipients: string[]
    innerHex: string
    randomSeed: string
    intermediates: {
      draws: string[]
      contentKeyHex: string
      nonceHex: string
      paddedLength: number
      aadHex: string
      entries: string[]
    }
    expected: unknown
  }[]
  invalid: { name: string; encrypted: unknown; openWith: string[]; code: string }[]
}

const committed = readFileSync(ENVELOPE_VECTORS_PATH, 'utf8')
const file = JSON.parse(committed) as VectorFile
const presets = await loadPresets()

for (const provider of presets) {
  describe(`envelope vectors (${provider.name})`, () => {
    const secrets = new Map<string, RecipientSecret>()
    const publics = new Map<string, Uint8Array>()
    for (const k of file.keys) {
      const pair = generateRecipientKeyPair(provider, { suite: k.suite, seed: fromHex(k.seedHex) })
      secrets.set(k.name, pair.secret)
      publics.set(k.name, pair.publicKey)
    }

    it('derives every vector key from its seed', () => {
      for (const k of file.keys) assert.equal(toHex(publics.get(k.name)!), k.publicKeyHex, k.name)
    })

    it('regenerates the committed file byte for byte', () => {
      assert.equal(envelopeVectorsText(provider), committed)
    })

    for (const v of file.valid) {
      it(`seals ${v.name} byte for byte and every recipient opens it`, () => {
        const rec = recording(seededRandom(provider, v.randomSeed))
        const sealed = sealEnvelope(
          provider,
          fromHex(v.innerHex),
          v.recipients.map((n) => ({ publicKey: publics.get(n)! })),
          { suite: v.suite, random: rec.random, version: v.version ?? 1 },
        )
        assert.deepEqual(sealed, v.expected)
        assert.deepEqual(
          rec.draws.map((d) => toHex(d)),
          v.intermediates.draws,
        )
        const bytes = decodeEnvelopeBytes(v.expected)
        assert.equal(toHex(bytes.nonce), v.intermediates.nonceHex)
        assert.equal(bytes.ciphertext.length - 16, v.intermediates.paddedLength)
        assert.equal(
          toHex(enclosureAad(provider, v.suite, bytes.recipients, v.version ?? 1)),
          v.intermediates.aadHex,
        )
        for (const name of v.recipients) {
          const inner = openEnvelope(provider, v.expected, [secrets.get(name)!])
          assert.equal(toHex(inner), v.innerHex, name)
        }
        // Each entry unwraps, with its owner's key only, to the recorded content key; no vector
        // key opens a dummy.
        for (const [i, owner] of v.intermediates.entries.entries()) {
          for (const [name, secret] of secrets) {
            const k = unwrapKey(provider, secret, bytes.recipients[i]!)
            if (name === owner) assert.equal(k && toHex(k), v.intermediates.contentKeyHex)
            else assert.equal(k, null, `entry ${i} (${owner}) must not open with ${name}`)
          }
        }
      })
    }

    for (const c of file.invalid) {
      it(`rejects ${c.name} with ${c.code}`, () => {
        const keys = c.openWith.map((n) => secrets.get(n)!)
        assert.throws(
          () => openEnvelope(provider, c.encrypted, keys),
          (e: unknown) =>
            isProtocolError(e) &&
            e.code === c.code &&
            (c.code !== 'DECRYPT_FAILED' || e.message === 'decryption failed'),
        )
        if (c.code !== 'DECRYPT_FAILED') {
          assert.throws(
            () => decodeEncryptedData(c.encrypted),
            (e: unknown) => isProtocolError(e) && e.code === c.code,
          )
        } else {
          // A DECRYPT_FAILED case is well formed: only the cryptography rejects it.
          assert.doesNotThrow(() => decodeEncryptedData(c.encrypted))
        }
      })
    }
  })
}
