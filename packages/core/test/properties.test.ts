/**
 * Property and hostile-input tests for every core decoder (fast-check, seed printed on failure):
 * decode(encode(x)) = x, single-byte edits never verify, and bad input yields coded errors only.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import {
  ProtocolError,
  TrustGraph,
  canonicalize,
  decodeResource,
  detachedString,
  fromBase64url,
  parseCanonical,
  parseStrict,
  signResource,
  toBase64url,
  validateResource,
  verifyJournal,
} from '../src/index.js'
import { isWellFormed, isWellFormedLoop } from '../src/bytes.js'
import { T0, keyOf, person, postBy, provider } from './world.js'

const seed = seedFromEnv()
const opts = (numRuns: number) => ({ seed, numRuns })
const why = `(seed ${seed}; rerun with SEED=${seed})`

/** Run f; it must succeed or throw a ProtocolError (never another error). Returns the code or 'ok'. */
function outcome(f: () => unknown): string {
  try {
    f()
    return 'ok'
  } catch (e) {
    if (e instanceof ProtocolError) return e.code
    throw new Error(`non-coded error ${why}: ${String(e)}`)
  }
}

// JSON values as sdmp handles them: -0 has no canonical form of its own, so it is normalized,
// and `__proto__` keys are refused by design (tested in the hostile table below).
const jsonValue = fc
  .jsonValue({ maxDepth: 6 })
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown)
  .filter((v) => !JSON.stringify(v).includes('"__proto__"'))

describe('canonical JSON properties', () => {
  it('parseCanonical(canonicalize(x)) equals x', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        assert.deepEqual(parseCanonical(canonicalize(v)), v, why)
      }),
      opts(500),
    )
  })
  it('canonical text is unique: any other serialization is refused or equal', () => {
    fc.assert(
      fc.property(jsonValue, fc.integer({ min: 0, max: 4 }), (v, indent) => {
        const text = JSON.stringify(v, null, indent)
        const r = outcome(() => parseCanonical(text))
        assert.ok(r === 'ok' ? text === canonicalize(v) : r === 'INVALID_ENCODING', why)
      }),
      opts(300),
    )
  })
  it('parseStrict finds a duplicate key anywhere', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 5 }), jsonValue, { minKeys: 1, maxKeys: 5 }),
        (o) => {
          const [k] = Object.keys(o)
          // A function replacement: a key like "$&" must not be read as a replacement pattern.
          const text = canonicalize(o).replace(/^\{/, () => `{${JSON.stringify(k)}:0,`)
          assert.equal(
            outcome(() => parseStrict(text)),
            'INVALID_ENCODING',
            why,
          )
        },
      ),
      opts(200),
    )
  })
})

describe('signing property', () => {
  it('signResource gives exactly what decodeResource gives for its bytes', () => {
    const digest = fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => toBase64url(b))
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.constantFrom('text', 'markdown'),
        fc.option(digest, { nil: undefined }),
        fc.option(fc.tuple(fc.constantFrom('update', 'delete'), digest), { nil: undefined }),
        fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }),
        fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 }),
        (body, type, trust, change, created, signers) => {
          const draft = {
            kind: 'post' as const,
            user: keyOf(signers[0]!).fingerprint,
            data: { body, type },
            created,
            ...(trust !== undefined && { trust }),
            ...(change !== undefined && { action: change[0], replaces: change[1] }),
          }
          const signed = signResource(provider, draft, signers.map(keyOf))
          // The outer layout is written as text (formatOuterLayout): it is the JCS form.
          const text = new TextDecoder().decode(signed.bytes)
          assert.equal(text, canonicalize(JSON.parse(text)), why)
          assert.deepStrictEqual(signed, decodeResource(provider, signed.bytes), why)
          assert.ok(Object.isFrozen(signed) && Object.isFrozen(signed.signatures), why)
        },
      ),
      opts(150),
    )
  })
})

describe('timestamp property', () => {
  it('accepts exactly the toISOString form of every instant and returns that instant', async () => {
    const { assertTimestamp } = await import('../src/resource/fields.js')
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00.000Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        (d) => {
          const text = d.toISOString()
          assert.equal(assertTimestamp(text, 't'), d.getTime(), why)
        },
      ),
      opts(500),
    )
    for (const bad of [
      '2026-02-29T00:00:00.000Z',
      '2024-13-01T00:00:00.000Z',
      '2024-01-01T24:00:00.000Z',
      '2024-04-31T00:00:00.000Z',
      '2024-01-01T00:00:60.000Z',
    ]) {
      assert.equal(
        outcome(() => assertTimestamp(bad, 't')),
        'SCHEMA_VIOLATION',
        bad,
      )
    }
    assert.equal(
      assertTimestamp('2024-02-29T12:00:00.000Z', 't'),
      Date.parse('2024-02-29T12:00:00.000Z'),
    )
  })
})

describe('base64url properties', () => {
  it('decode(encode(b)) = b', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        assert.deepEqual(fromBase64url(toBase64url(b)), b)
      }),
      opts(500),
    )
  })
  it('encode(b) is the platform base64 of b, URL alphabet, no padding, at every size', () => {
    // An independent reference: btoa over the bytes as Latin-1, then the URL alphabet.
    const reference = (b: Uint8Array) =>
      btoa(String.fromCharCode(...b))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '')
    // Sizes around toBase64url's reused buffer: small after large (no stale characters), its
    // growth, and past its 64 KiB-character bound (a buffer of its own).
    const sizes = fc.oneof(
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 49_000, max: 49_400 }),
      fc.constantFrom(49_151, 49_152, 49_153, 120_000),
    )
    fc.assert(
      fc.property(fc.array(sizes, { minLength: 1, maxLength: 4 }), fc.integer(), (lens, seed) => {
        for (const [k, n] of lens.entries()) {
          const b = new Uint8Array(n)
          for (let i = 0; i < n; i++) b[i] = (seed + i * 131 + k * 7) & 0xff
          const text = toBase64url(b)
          assert.equal(text.length, Math.ceil((n * 4) / 3))
          // Chunked: spreading 120,000 arguments would overflow the stack.
          let ref = ''
          for (let i = 0; i < n; i += 3 * 4096) ref += reference(b.subarray(i, i + 3 * 4096))
          assert.equal(text, ref)
        }
      }),
      opts(60),
    )
  })
  it('every accepted string is the one canonical encoding of its bytes', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'AQgw_-=+/ \nabcxyz0189'), maxLength: 40 }),
        (s) => {
          let bytes: Uint8Array | undefined
          const r = outcome(() => (bytes = fromBase64url(s)))
          if (r === 'ok') assert.equal(toBase64url(bytes!), s, why)
          else assert.equal(r, 'INVALID_ENCODING', why)
        },
      ),
      opts(1000),
    )
  })
})

/** Any UTF-16 code unit, surrogate halves often: strings with and without lone surrogates. */
const codeUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
)

describe('detachedString', () => {
  it('is equal to its input, for any string (lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: codeUnit }), fc.string({ unit: 'grapheme' }), (a, b) => {
        assert.equal(detachedString(a), a)
        assert.equal(detachedString(b), b)
      }),
      opts(500),
    )
    assert.equal(detachedString('a\ud800b'), 'a\ud800b')
  })
})

describe('isWellFormed', () => {
  it('the native check and the JS loop agree on any string', () => {
    const cases = [
      '',
      'abc',
      '\ud83d\ude00',
      '\ud800',
      '\udc00',
      'a\ud800b',
      '\ude00\ud83d',
      'x\ud83d',
    ]
    for (const c of cases) assert.equal(isWellFormed(c), isWellFormedLoop(c), JSON.stringify(c))
    assert.equal(isWellFormed('a\ud800'), false)
    fc.assert(
      fc.property(fc.string({ unit: codeUnit }), (s) => {
        assert.equal(isWellFormed(s), isWellFormedLoop(s))
      }),
      opts(1000),
    )
  })
})

describe('signed resource properties', () => {
  const g = new TrustGraph()
  const alice = person(g, 1)
  const post = postBy(alice, 'a message that must not be altered')

  it('any single-byte change never validates', () => {
    fc.assert(
      fc.property(fc.nat(post.bytes.length - 1), fc.integer({ min: 1, max: 255 }), (i, delta) => {
        const copy = post.bytes.slice()
        copy[i] = (copy[i]! + delta) & 0xff
        const r = outcome(() => validateResource(provider, copy, g, { now: T0 }))
        assert.notEqual(r, 'ok', `byte ${i} changed by ${delta} still validated ${why}`)
      }),
      opts(400),
    )
  })

  it('random JSON and random bytes give coded errors, never a crash', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          jsonValue.map((v) => new TextEncoder().encode(canonicalize(v))),
          fc.uint8Array({ maxLength: 300 }),
        ),
        (bytes) => {
          assert.notEqual(
            outcome(() => decodeResource(provider, bytes)),
            'ok',
            why,
          )
        },
      ),
      opts(400),
    )
  })

  it('structure-aware mutations of the outer object give coded errors', () => {
    const outer = JSON.parse(new TextDecoder().decode(post.bytes))
    const paths = [
      ['sdmp'],
      ['sdmp', 'version'],
      ['sdmp', 'schemas'],
      ['signature'],
      ['signature', 'identifier'],
      ['signature', 'payload'],
      ['signature', 'signatures'],
    ]
    fc.assert(
      fc.property(fc.constantFrom(...paths), jsonValue, (path, value) => {
        const copy = structuredClone(outer)
        let o = copy
        for (const p of path.slice(0, -1)) o = o[p]
        o[path[path.length - 1]!] = value
        const r = outcome(() =>
          validateResource(provider, new TextEncoder().encode(canonicalize(copy)), g, { now: T0 }),
        )
        assert.ok(r !== 'ok' || JSON.stringify(copy) === JSON.stringify(outer), why)
      }),
      opts(300),
    )
  })
})

describe('hostile input table', () => {
  const cases: [string, () => unknown, string][] = [
    [
      'string instead of bytes',
      () => decodeResource(provider, 'x' as unknown as Uint8Array),
      'BAD_REQUEST',
    ],
    [
      'null instead of bytes',
      () => decodeResource(provider, null as unknown as Uint8Array),
      'BAD_REQUEST',
    ],
    [
      'deep nesting',
      () => parseCanonical('['.repeat(100_000) + ']'.repeat(100_000)),
      'INVALID_ENCODING',
    ],
    [
      'deep nesting, strict',
      () => parseStrict('{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)),
      'INVALID_ENCODING',
    ],
    ['huge number', () => parseCanonical('1e400'), 'INVALID_ENCODING'],
    ['oversize text', () => parseStrict('"' + 'a'.repeat(2 * 1024 * 1024) + '"'), 'LIMIT_EXCEEDED'],
    ['__proto__ key', () => parseCanonical('{"__proto__":{"polluted":true}}'), 'INVALID_ENCODING'],
    ['__proto__ key, strict', () => parseStrict('{ "__proto__": 1 }'), 'INVALID_ENCODING'],
    ['lone surrogate', () => parseCanonical('"\\ud800"'), 'INVALID_ENCODING'],
    [
      'invalid UTF-8',
      () => decodeResource(provider, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
      'INVALID_ENCODING',
    ],
    [
      'number instead of object',
      () => decodeResource(provider, new TextEncoder().encode('42')),
      'SCHEMA_VIOLATION',
    ],
    [
      'journal of garbage',
      () => {
        if (!verifyJournal(['x', 'y'], provider.sha512).ok)
          throw new ProtocolError('BROKEN_CHAIN', 'broken')
      },
      'BROKEN_CHAIN',
    ],
  ]
  for (const [name, f, expected] of cases) {
    it(`${name} -> ${expected}`, () => {
      assert.equal(outcome(f), expected)
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
    })
  }
})
