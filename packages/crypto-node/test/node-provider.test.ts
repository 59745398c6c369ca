/**
 * Node-preset specifics beyond the shared vectors: options, plain Uint8Array results, bounded
 * caches that never confuse keys, and a type-confusion table for the untrusted-input entries.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { BoundedKeyCache, ErrorCode, createNobleProvider, isProtocolError } from '@sdmp/core'
import { createNodeProvider } from '../src/index.js'
import type { NodeProviderOptions } from '../src/index.js'
import { PRESETS, hex } from './presets.js'

const noble = createNobleProvider()

describe('createNodeProvider', () => {
  it('names its backends and rejects unknown ones with RangeError', () => {
    assert.equal(createNodeProvider().name, 'node-sodium')
    assert.equal(
      createNodeProvider({
        ed25519Backend: 'openssl',
        x25519Backend: 'openssl',
        aeadBackend: 'openssl',
      }).name,
      'node-openssl',
    )
    assert.equal(
      createNodeProvider({ ed25519Backend: 'openssl' }).name,
      'node-openssl+x25519-sodium+aead-sodium',
    )
    assert.equal(createNodeProvider({ aeadBackend: 'openssl' }).name, 'node-sodium+aead-openssl')
    for (const bad of [{ ed25519Backend: 'ring' }, { x25519Backend: 'wasm' }, { aeadBackend: 'x' }])
      assert.throws(() => createNodeProvider(bad as unknown as NodeProviderOptions), RangeError)
  })

  for (const backend of ['openssl', 'sodium'] as const) {
    const provider = createNodeProvider({
      ed25519Backend: backend,
      x25519Backend: backend,
      aeadBackend: backend,
    })
    it(`${backend}: returns plain Uint8Array values equal to noble's`, () => {
      const data = hex('00112233445566778899')
      const seed = new Uint8Array(32).fill(3)
      const peer = noble.x25519.publicKey(new Uint8Array(32).fill(9))
      const pairs: [Uint8Array, Uint8Array][] = [
        [provider.sha256(data), noble.sha256(data)],
        [provider.sha512(data), noble.sha512(data)],
        [provider.hmacSha256(seed, data), noble.hmacSha256(seed, data)],
        [provider.hmacSha512(seed, data), noble.hmacSha512(seed, data)],
        [provider.hkdf('sha256', data, seed, data, 50), noble.hkdf('sha256', data, seed, data, 50)],
        [provider.ed25519.publicKey(seed), noble.ed25519.publicKey(seed)],
        [provider.ed25519.sign(seed, data), noble.ed25519.sign(seed, data)],
        [provider.x25519.publicKey(seed), noble.x25519.publicKey(seed)],
        [provider.x25519.sharedSecret(seed, peer)!, noble.x25519.sharedSecret(seed, peer)!],
        [
          provider.chacha20poly1305.seal(seed, new Uint8Array(12), data),
          noble.chacha20poly1305.seal(seed, new Uint8Array(12), data),
        ],
      ]
      // deepEqual (strict) also compares prototypes: a Buffer would fail here
      for (const [i, [got, want]] of pairs.entries()) assert.deepEqual(got, want, `pair ${i}`)
      const sealed = provider.chacha20poly1305.seal(seed, new Uint8Array(12), data)
      assert.deepEqual(provider.chacha20poly1305.open(seed, new Uint8Array(12), sealed), data)
      const random = provider.randomBytes(48)
      assert.equal(Object.getPrototypeOf(random), Uint8Array.prototype)
      assert.equal(random.length, 48)
      assert.notDeepEqual(random, provider.randomBytes(48))
    })

    it(`${backend}: a tiny key cache never confuses valid and invalid keys`, () => {
      const small = createNodeProvider({
        ed25519Backend: backend,
        keyCacheSize: 2,
        seedCacheSize: 1,
      })
      const message = hex('abcdef')
      const signers = Array.from({ length: 6 }, (_, i) => new Uint8Array(32).fill(i + 1))
      const signed = signers.map((seed) => ({
        pub: small.ed25519.publicKey(seed),
        sig: small.ed25519.sign(seed, message),
      }))
      // a small-order key (identity) that must always be refused, interleaved with good keys
      const bad = hex('0100000000000000000000000000000000000000000000000000000000000000')
      for (let round = 0; round < 3; round++)
        for (const [i, s] of signed.entries()) {
          assert.equal(small.ed25519.verify(s.sig, message, s.pub), true, `key ${i}`)
          assert.equal(small.ed25519.verify(s.sig, message, signed[(i + 1) % 6]!.pub), false)
          assert.equal(small.ed25519.verify(s.sig, message, bad), false)
        }
    })

    it(`${backend}: the signing cache follows the seed's content, not the array object`, () => {
      const seed = new Uint8Array(32).fill(7)
      const message = hex('01')
      const first = provider.ed25519.sign(seed, message)
      seed.fill(8) // callers may wipe or reuse their arrays
      assert.deepEqual(provider.ed25519.sign(seed, message), noble.ed25519.sign(seed, message))
      assert.notDeepEqual(provider.ed25519.sign(seed, message), first)
      assert.deepEqual(provider.ed25519.publicKey(seed), noble.ed25519.publicKey(seed))
    })

    it(`${backend}: any order of seeds signs with each seed's own key (last-seed cache)`, () => {
      const pool = Array.from({ length: 3 }, (_, i) => new Uint8Array(32).fill(0x40 + i))
      const message = hex('02')
      const want = pool.map((seed) => noble.ed25519.sign(seed, message))
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 20 }), (order) => {
          const fresh = createNodeProvider({ ed25519Backend: backend, seedCacheSize: 1 })
          for (const i of order) assert.deepEqual(fresh.ed25519.sign(pool[i]!, message), want[i])
        }),
      )
    })

    it(`${backend}: open captures no stack for a tag that fails, and puts the stack limit back`, () => {
      const key = new Uint8Array(32).fill(5)
      const nonce = new Uint8Array(12)
      const data = hex('0011223344')
      const sealed = provider.chacha20poly1305.seal(key, nonce, data)
      const forged = sealed.slice()
      forged[forged.length - 1]! ^= 1
      // What open sets the limit to while the library runs, seen through an accessor (V8 itself
      // reads only a data property, so errors made meanwhile capture no stack either way).
      const own = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')!
      const cases: [string, Uint8Array, Uint8Array | null][] = [
        ['fails', forged, null],
        ['opens', sealed, data],
        ['too short', sealed.subarray(0, 15), null],
      ]
      try {
        for (const [label, input, want] of cases) {
          let value: unknown = 23
          const set: unknown[] = []
          Object.defineProperty(Error, 'stackTraceLimit', {
            configurable: true,
            get: () => value,
            set: (v: unknown) => void set.push((value = v)),
          })
          assert.deepEqual(provider.chacha20poly1305.open(key, nonce, input), want, label)
          assert.equal(value, 23, `${label}: the limit is put back`)
          // Malformed input is refused before any library call, so nothing is set.
          assert.deepEqual(set, label === 'too short' ? [] : [0, 23], label)
        }
      } finally {
        Object.defineProperty(Error, 'stackTraceLimit', own)
      }
      assert.equal(Error.stackTraceLimit, own.value)
    })
  }
})

describe('ed25519.verify type-confusion table', () => {
  const seed = new Uint8Array(32).fill(5)
  const message = hex('0102')
  const pub = noble.ed25519.publicKey(seed)
  const sig = noble.ed25519.sign(seed, message)
  const junk: unknown[] = [
    undefined,
    null,
    'string',
    42,
    NaN,
    {},
    [1, 2, 3],
    new Uint16Array(32),
    new Uint8Array(0),
    new Uint8Array(1 << 20),
    JSON.parse('{"__proto__":{"length":64}}'),
  ]
  for (const { label, create } of PRESETS) {
    it(`${label}: returns false, never throws, for wrong types and sizes`, () => {
      const provider = create()
      assert.equal(provider.ed25519.verify(sig, message, pub), true)
      for (const [i, j] of junk.entries()) {
        const bad = j as Uint8Array
        assert.equal(provider.ed25519.verify(bad, message, pub), false, `signature #${i}`)
        assert.equal(provider.ed25519.verify(sig, bad, pub), false, `message #${i}`)
        assert.equal(provider.ed25519.verify(sig, message, bad), false, `publicKey #${i}`)
      }
    })
  }
})

describe('other untrusted-input entries: type-confusion table', () => {
  const junk: unknown[] = [undefined, null, 'x'.repeat(32), 7, [0, 1], new Uint16Array(16), {}]
  for (const { label, create } of PRESETS) {
    it(`${label}: open, sharedSecret, encapsulate and decapsulate refuse junk cleanly`, () => {
      const provider = create()
      const key = new Uint8Array(32).fill(1)
      const nonce = new Uint8Array(12)
      const sealed = provider.chacha20poly1305.seal(key, nonce, new Uint8Array(3))
      const { secretKey } = provider.mlkem768.keygen(new Uint8Array(64).fill(4))
      for (const [i, j] of junk.entries()) {
        const bad = j as Uint8Array
        assert.equal(provider.chacha20poly1305.open(key, nonce, bad), null, `sealed #${i}`)
        if (j !== undefined)
          // undefined aad means "no aad", which is how `sealed` was made
          assert.equal(provider.chacha20poly1305.open(key, nonce, sealed, bad), null, `aad #${i}`)
        assert.equal(provider.x25519.sharedSecret(key, bad), null, `peer #${i}`)
        assert.throws(
          () => provider.mlkem768.encapsulate(bad),
          (e) => isProtocolError(e, ErrorCode.INVALID_ENCODING),
          `ek #${i}`,
        )
        assert.throws(
          () => provider.mlkem768.decapsulate(bad, secretKey),
          (e) => isProtocolError(e, ErrorCode.INVALID_ENCODING),
          `ct #${i}`,
        )
      }
    })
  }
})

describe('BoundedKeyCache', () => {
  it('keeps at most maxEntries, evicting the oldest first', () => {
    const cache = new BoundedKeyCache<number>(2)
    cache.set('a', 1)
    cache.set('b', 2)
    cache.set('a', 10) // overwrite does not evict
    assert.equal(cache.size, 2)
    cache.set('c', 3)
    assert.equal(cache.size, 2)
    assert.equal(cache.get('a'), undefined)
    assert.equal(cache.get('b'), 2)
    assert.equal(cache.get('c'), 3)
    assert.throws(() => new BoundedKeyCache(0), RangeError)
    assert.throws(() => new BoundedKeyCache(1.5), RangeError)
  })
})
