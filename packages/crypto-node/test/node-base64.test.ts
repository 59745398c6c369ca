/**
 * The Node preset's optional native base64url-to-text decoder against core's strict pure
 * decoders: the same string whenever `fromUtf8(fromBase64url(text))` succeeds, undefined whenever
 * it throws (random texts, mutations of valid encodings, padding, trailing bits, invalid UTF-8,
 * results larger than the scratch buffer); and decodeResource gives the
 * same result or the same error code with the native provider as with the pure one, on
 * resources with a changed character. Seed printed on failure.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import {
  ProtocolError,
  createNobleProvider,
  decodeResource,
  fromBase64url,
  fromUtf8,
  signResource,
  signingInputOf,
  signingKeyFromSeed,
  toBase64url,
} from '@sdmp/core'
import { createNodeProvider } from '../src/index.js'
import { decodeBase64urlText } from '../src/node-base64.js'
import { sodium } from '../src/sodium.js'
import { hex, loadVectors } from './presets.js'

const seed = seedFromEnv()
const why = `(seed ${seed}; rerun with SEED=${seed})`
const native = createNodeProvider()
const pure = createNobleProvider()
const k = signingKeyFromSeed(pure, new Uint8Array(32).fill(7))
const r0 = signResource(
  pure,
  {
    kind: 'post',
    user: k.fingerprint,
    created: Date.UTC(2026, 0, 1),
    data: { body: 'hello world', type: 'text' },
  },
  [k],
)

function pureOrUndefined(text: string): string | undefined {
  try {
    return fromUtf8(fromBase64url(text))
  } catch (e) {
    if (e instanceof ProtocolError && e.code === 'INVALID_ENCODING') return undefined
    throw e
  }
}

function agree(text: string): void {
  assert.equal(native.decodeBase64urlText!(text), pureOrUndefined(text), `${text.length} ${why}`)
}

const chars = fc.constantFrom(...'AQgw_-/+=Zaz09 \n.\u00e9\u0100'.split(''))

describe('node preset native base64url decoding', () => {
  it('is the provider method', () => {
    assert.equal(native.decodeBase64urlText, decodeBase64urlText)
  })
  it('agrees with the pure strict decoder on encodings and their mutations (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.string({ unit: 'grapheme', maxLength: 60 }).map((t) => new TextEncoder().encode(t)),
        ),
        fc.nat(),
        chars,
        fc.constantFrom('keep', 'replace', 'insert', 'delete', 'flip-last'),
        (bytes, at, c, how) => {
          const text = toBase64url(bytes)
          const i = at % (text.length + 1)
          if (how === 'keep') return agree(text)
          if (how === 'replace') return agree(text.slice(0, i) + c + text.slice(i + 1))
          if (how === 'insert') return agree(text.slice(0, i) + c + text.slice(i))
          if (how === 'delete') return agree(text.slice(0, i) + text.slice(i + 1))
          // every possible last character: trailing bits canonical or not
          for (const last of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')
            agree(text.slice(0, -1) + last)
        },
      ),
      { seed, numRuns: 2000 },
    )
  })
  it('agrees on random short texts and refuses non-strings (property)', () => {
    fc.assert(fc.property(fc.string({ unit: chars, maxLength: 12 }), agree), {
      seed,
      numRuns: 2000,
    })
    for (const t of ['', 'A', 'AA', 'AB', 'AAA', 'AAB', 'AA==', 'AAAA', 'AA AA'.replace(' ', '')])
      agree(t)
    assert.equal(decodeBase64urlText(42 as unknown as string), undefined)
    // beyond the 64 KiB scratch buffer: valid, and invalid UTF-8 at the very end
    const big = new TextEncoder().encode('é'.repeat(40_000))
    agree(toBase64url(big))
    agree(toBase64url(Uint8Array.from([...big, 0xc3])))
  })
  it('decodeResource: same result or same error code as with the pure provider (property)', () => {
    const r = r0
    const text = new TextDecoder().decode(r.bytes)
    const outcome = (provider: typeof pure, bytes: Uint8Array) => {
      try {
        const d = decodeResource(provider, bytes)
        return {
          ok: true,
          id: d.id,
          data: d.data,
          input: signingInputOf(d.signatures[0]!, d.payload),
        }
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e
        return { ok: false, code: e.code }
      }
    }
    fc.assert(
      fc.property(fc.nat(), chars, (at, c) => {
        const i = at % text.length
        const bytes = new TextEncoder().encode(text.slice(0, i) + c + text.slice(i + 1))
        assert.deepEqual(outcome(native, bytes), outcome(pure, bytes), why)
      }),
      { seed, numRuns: 1000 },
    )
    assert.deepEqual(outcome(native, r.bytes), outcome(pure, r.bytes))
  })
  it('decodeResource: a payload the native decoder refuses gets the pure error message', () => {
    const sig = r0.signatures[0]!
    const tail = r0.payload.slice(-8)
    const variants = [
      'AB',
      'A',
      'AA==',
      'AA.A',
      '_w',
      'AB"x',
      'A\\/',
      `${r0.payload.slice(0, -1)}+`,
      `${tail}\\`,
    ]
    for (const payload of variants) {
      const identifier = toBase64url(pure.sha512(new TextEncoder().encode(payload)))
      const outer = JSON.stringify({
        sdmp: { schemas: ['signature'], version: '1.0' },
        signature: {
          identifier,
          payload,
          signatures: [{ protected: sig.protectedText, signature: toBase64url(sig.signature) }],
        },
      })
      const message = (provider: typeof pure) => {
        try {
          decodeResource(provider, new TextEncoder().encode(outer))
          return 'ok'
        } catch (e) {
          return e instanceof ProtocolError ? `${e.code} ${e.message}` : String(e)
        }
      }
      assert.equal(message(native), message(pure), payload)
      assert.match(message(native), /^INVALID_ENCODING signature\.payload: /, payload)
    }
  })
})

describe('node-sodium verify: last-key shortcut', () => {
  // A CCTV vector whose key has a torsion component: libsodium alone would accept some of these,
  // the rule refuses every one. The shortcut must never let such a key through.
  const torsioned = loadVectors<
    { key: string; sig: string; msg: string; flags: string[] | null }[]
  >('cctv-ed25519/ed25519vectors.json').filter((v) =>
    (v.flags ?? []).includes('low_order_component_A'),
  )
  const utf8 = (text: string) => new TextEncoder().encode(text)
  it('refuses torsioned keys right after a good key, also when the key array is reused', () => {
    // some of them libsodium's cofactorless equation alone accepts: only the key check refuses
    assert.ok(
      torsioned.some((v) =>
        sodium.crypto_sign_verify_detached(hex(v.sig), utf8(v.msg), hex(v.key)),
      ),
    )
    const provider = createNodeProvider({ ed25519Backend: 'sodium' })
    const good = signingKeyFromSeed(provider, new Uint8Array(32).fill(9))
    const other = signingKeyFromSeed(provider, new Uint8Array(32).fill(10))
    const msg = new TextEncoder().encode('m')
    const sig = provider.ed25519.sign(good.seed, msg)
    const otherSig = provider.ed25519.sign(other.seed, msg)
    for (const v of torsioned) {
      assert.equal(provider.ed25519.verify(hex(v.sig), utf8(v.msg), hex(v.key)), false, v.key)
      assert.equal(provider.ed25519.verify(otherSig, msg, other.publicKey), true)
      const reused = good.publicKey.slice()
      assert.equal(provider.ed25519.verify(sig, msg, reused), true) // now the last key
      reused.set(hex(v.key)) // same array object, other bytes
      assert.equal(provider.ed25519.verify(hex(v.sig), utf8(v.msg), reused), false, v.key)
    }
  })
})
