/**
 * The compact resource form (docs/protocol/compact.md): every resource kind round-trips to its
 * exact canonical bytes and is smaller; the decoder refuses every non-canonical or hostile
 * input with a code (fast-check on arbitrary JSON objects and on arbitrary bytes); profile 3
 * envelopes seal the compact inner and open to the JSON inner, and profile 2 ones still open.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import {
  COMPACT_MAGIC,
  COMPACT_VERSION,
  ProtocolError,
  canonicalize,
  decodeCompactResource,
  encodeCompactResource,
  fromUtf8,
  isCompactResource,
  toBase64url,
  utf8,
} from '../src/index.js'
import type { Json } from '../src/index.js'
import { TrustGraph, keyOf, postBy, person, provider, sign } from './world.js'
import { sampleResources } from './compact-helpers.js'

const seed = seedFromEnv()
const opts = (numRuns: number) => ({ seed, numRuns })
const why = `(seed ${seed}; rerun with SEED=${seed})`

/** The code a call throws ('ok' when it returns); a non-coded error fails the test. */
function outcome(f: () => unknown): string {
  try {
    f()
    return 'ok'
  } catch (e) {
    if (e instanceof ProtocolError) return e.code
    throw new Error(`non-coded error ${why}: ${String(e)}`)
  }
}

const encode = (json: Uint8Array) => encodeCompactResource(provider, json)
const decode = (compact: Uint8Array) => decodeCompactResource(provider, compact)
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
const head = [COMPACT_MAGIC, COMPACT_VERSION]

describe('compact form: real resources', () => {
  const samples = sampleResources()

  it('round-trips every kind to the exact canonical bytes, and is smaller', () => {
    for (const [name, bytes] of Object.entries(samples)) {
      const c = encode(bytes)
      assert.ok(isCompactResource(c), name)
      assert.ok(!isCompactResource(bytes), name)
      assert.deepEqual(decode(c), bytes, name)
      assert.ok(c.length < bytes.length, `${name}: ${c.length} >= ${bytes.length}`)
    }
  })

  it('a resource signed here encodes from its parts exactly as its text encodes', () => {
    // signResource remembers the compact form of the bytes it returns, made from its parts
    // (signed-parts.ts); a copy of the bytes takes the general path (parse, decode, hash).
    const g = new TrustGraph()
    const p = person(g, 3)
    const kinds: fc.Arbitrary<{ kind: 'post' | 'message'; data: Json }> = fc.oneof(
      fc
        .string({ maxLength: 40 })
        .map((body) => ({ kind: 'post' as const, data: { body, type: 'text' } })),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map((body) => ({
        kind: 'message' as const,
        data: { body, type: 'text', to: [p.user.fingerprint] },
      })),
    )
    fc.assert(
      fc.property(
        kinds,
        fc.integer({ min: 0, max: 4e12 }),
        fc.integer({ min: 1, max: 3 }),
        (draft, created, signers) => {
          const keys = [p.node, keyOf(41), keyOf(42)].slice(0, signers)
          const r = sign(
            { ...draft, user: p.user.fingerprint, trust: p.trust.id, created },
            ...keys,
          )
          const fromParts = encode(r.bytes)
          assert.deepEqual(fromParts, encode(r.bytes.slice()), why)
          // Handed out once; asked again, the same bytes take the general path.
          assert.deepEqual(encode(r.bytes), fromParts, why)
          assert.deepEqual(decode(fromParts), r.bytes, why)
        },
      ),
      opts(300),
    )
    for (const [name, bytes] of Object.entries(samples))
      assert.deepEqual(encode(bytes), encode(bytes.slice()), name)
  })

  it('a short text with sessions: under half its JSON text and at most 1,536 bytes', () => {
    const bytes = samples['encrypted (later message)']!
    const c = encode(bytes)
    assert.ok(c.length * 2 < bytes.length, `${c.length} vs ${bytes.length}`)
    assert.ok(c.length <= 1536, `${c.length}`)
  })

  it('truncation at every length is a coded error', () => {
    const c = encode(samples['message']!)
    for (let n = 0; n < c.length; n++)
      assert.notEqual(
        outcome(() => decode(c.subarray(0, n))),
        'ok',
      )
  })

  it('a changed byte anywhere is refused or decodes to other canonical bytes', () => {
    const json = samples['post']!
    const c = encode(json)
    for (let i = 2; i < c.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const bad = c.slice()
        bad[i]! ^= flip
        const r = outcome(() => decode(bad))
        if (r !== 'ok') continue
        const out = decode(bad)
        assert.notDeepEqual(out, json)
        // whatever decodes is canonical: encoding it again gives exactly the input
        assert.deepEqual(encode(out), bad)
      }
    }
  })

  it('refuses a JSON text that is not canonical, and one that is not an object', () => {
    assert.equal(
      outcome(() => encode(utf8('{"b":1,"a":2}'))),
      'INVALID_ENCODING',
    )
    assert.equal(
      outcome(() => encode(utf8('[1]'))),
      'INVALID_ENCODING',
    )
    assert.equal(
      outcome(() => encode(new Uint8Array([0xc1, 1, 0x0c, 0]))),
      'INVALID_ENCODING',
    )
  })
})

describe('compact form: hostile input', () => {
  // {"a":…} with one member: 0c 01 (object, 1 member), 06 01 61 (key "a" as UTF-8)
  const one = (value: number[]) => new Uint8Array([...head, 0x0c, 1, 0x06, 1, 0x61, ...value])
  const cases: [string, Uint8Array, string][] = [
    ['empty', new Uint8Array(0), 'INVALID_ENCODING'],
    ['a JSON text', utf8('{}'), 'INVALID_ENCODING'],
    ['another version', new Uint8Array([COMPACT_MAGIC, 2, 0x0c, 0]), 'UNSUPPORTED_VERSION'],
    ['top level not an object', new Uint8Array([...head, 0x0b, 0]), 'INVALID_ENCODING'],
    ['unknown tag', one([0x0e]), 'INVALID_ENCODING'],
    ['trailing byte', new Uint8Array([...head, 0x0c, 0, 0]), 'INVALID_ENCODING'],
    ['non-minimal varint', one([0x03, 0x81, 0x00]), 'INVALID_ENCODING'],
    ['varint of 9 bytes', one([0x03, ...Array(8).fill(0xff), 1]), 'INVALID_ENCODING'],
    ['varint above 2^53', one([0x03, ...Array(7).fill(0xff), 0x7f]), 'INVALID_ENCODING'],
    ['length past the end', one([0x06, 5, 0x61]), 'INVALID_ENCODING'],
    ['count past the end', one([0x0b, 0x7f]), 'INVALID_ENCODING'],
    ['invalid UTF-8', one([0x06, 2, 0xc3, 0x28]), 'INVALID_ENCODING'],
    ['dictionary word spelled out', one([0x06, 4, ...utf8('sdmp')]), 'INVALID_ENCODING'],
    ['base64url spelled out', one([0x06, 4, ...utf8('AAAA')]), 'INVALID_ENCODING'],
    [
      'timestamp spelled out',
      one([0x06, 24, ...utf8('2026-01-01T00:00:00.000Z')]),
      'INVALID_ENCODING',
    ],
    ['unknown dictionary entry', one([0x07, 0xff]), 'INVALID_ENCODING'],
    ['empty bytes', one([0x08, 0]), 'INVALID_ENCODING'],
    ['bytes of a dictionary word', one([0x08, 3, 0xb1, 0xd9, 0xa9]), 'INVALID_ENCODING'],
    ['bytes of a JSON object', one([0x08, 2, 0x7b, 0x7d]), 'INVALID_ENCODING'],
    ['timestamp after 9999', one([0x0a, ...Array(7).fill(0xff), 0x01]), 'INVALID_ENCODING'],
    ['a safe integer as number text', one([0x05, 1, 0x31]), 'INVALID_ENCODING'],
    ['non-canonical number text', one([0x05, 3, ...utf8('1.0')]), 'INVALID_ENCODING'],
    ['derived value outside identifier', one([0x0d]), 'INVALID_ENCODING'],
    ['nested JSON that is no object', one([0x09, 0x0b, 0]), 'INVALID_ENCODING'],
    [
      'keys out of order',
      new Uint8Array([...head, 0x0c, 2, 0x06, 1, 0x62, 0x00, 0x06, 1, 0x61, 0x00]),
      'INVALID_ENCODING',
    ],
    [
      'duplicate key',
      new Uint8Array([...head, 0x0c, 2, 0x06, 1, 0x61, 0x00, 0x06, 1, 0x61, 0x00]),
      'INVALID_ENCODING',
    ],
    [
      '__proto__ key',
      new Uint8Array([...head, 0x0c, 1, 0x06, 9, ...utf8('__proto__'), 0]),
      'INVALID_ENCODING',
    ],
    [
      'arrays 40 deep',
      one([
        ...Array<number>(40)
          .fill(0)
          .flatMap(() => [0x0b, 1]),
        0x00,
      ]),
      'INVALID_ENCODING',
    ],
    [
      'derived identifier without payload',
      new Uint8Array([...head, 0x0c, 1, 0x07, 5, 0x0d]),
      'INVALID_ENCODING',
    ],
  ]
  for (const [name, bytes, code] of cases)
    it(`${name}: ${code}`, () =>
      assert.equal(
        outcome(() => decode(bytes)),
        code,
      ))

  it('a literal identifier that the payload derives is refused (one encoding)', () => {
    const payload = 'e30' // b64u("{}")
    const id = toBase64url(provider.sha512(utf8(payload)))
    const json = utf8(canonicalize({ identifier: id, payload }))
    const c = encode(json)
    assert.ok(c.includes(0x0d)) // the derived tag
    // {"identifier": 64 literal bytes, "payload": b64u("{}") as a nested empty object}
    const sha = provider.sha512(utf8(payload))
    const literal = new Uint8Array([
      ...head,
      0x0c,
      2,
      0x07,
      5,
      0x08,
      64,
      ...sha,
      0x07,
      6,
      0x09,
      0x0c,
      0,
    ])
    assert.equal(
      outcome(() => decode(literal)),
      'INVALID_ENCODING',
    )
    assert.deepEqual(decode(c), json)
  })

  it('expanding past the size limit is LIMIT_EXCEEDED, not memory', () => {
    // 500,000 one-byte dictionary references to the longest word expand to > 1 MiB of text
    const n = 500_000
    const body = new Uint8Array(n * 2)
    for (let i = 0; i < n; i++) body.set([0x07, 44], i * 2) // 'pq-kyber768-x25519'
    const count = [0xa0, 0xc2, 0x1e] // varint 500000
    const bytes = new Uint8Array([...head, 0x0c, 1, 0x06, 1, 0x61, 0x0b, ...count, ...body])
    assert.equal(
      outcome(() => decode(bytes)),
      'LIMIT_EXCEEDED',
    )
    assert.equal(
      outcome(() => decode(new Uint8Array(1_048_577).fill(0xc1))),
      'LIMIT_EXCEEDED',
    )
  })
})

// JSON objects as resources hold them, with the strings the codec treats specially.
const special = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('sdmp', 'text', 'payload', 'EdDSA', '1.0', '', 'AB', 'AA', 'e30'),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map(toBase64url),
  fc
    .integer({ min: -62167219200000, max: 253402300799999 })
    .map((ms) => new Date(ms).toISOString()),
  fc.jsonValue({ maxDepth: 2 }).map((v) => toBase64url(utf8(canonicalize({ k: v })))),
)
const leaf = fc.oneof(
  special,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21, 0.1),
  fc.boolean(),
  fc.constant(null),
)
const { tree } = fc.letrec((t) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(t('tree'), { maxLength: 4 }),
    fc.dictionary(special, t('tree'), { maxKeys: 4 }),
  ),
}))
const object = fc
  .dictionary(special, tree, { maxKeys: 6 })
  .map((o) => JSON.parse(JSON.stringify(o)) as object)
  .filter((o) => !JSON.stringify(o).includes('"__proto__"'))

describe('compact form: properties', () => {
  it('decode(encode(x)) is x for any canonical JSON object', () => {
    fc.assert(
      fc.property(object, (o) => {
        const json = utf8(canonicalize(o))
        assert.equal(fromUtf8(decode(encode(json))), fromUtf8(json), why)
      }),
      opts(1000),
    )
  })

  it('a resource whose identifier is derived round-trips', () => {
    fc.assert(
      fc.property(object, (o) => {
        const payload = toBase64url(utf8(canonicalize(o)))
        const json = utf8(
          canonicalize({
            signature: { identifier: toBase64url(provider.sha512(utf8(payload))), payload },
          }),
        )
        assert.deepEqual(decode(encode(json)), json, why)
      }),
      opts(200),
    )
  })

  it('the identifier is derived over a payload in any string encoding, and kept literal otherwise', () => {
    // The decoder hashes the payload's content as the text holds it: unescaped for a UTF-8
    // string that JSON escapes, the word for a dictionary entry, the characters of a timestamp.
    const payloads = fc.oneof(
      special,
      fc.string({ maxLength: 12 }).map((s) => `"\\${s}\n`),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    )
    fc.assert(
      fc.property(payloads, fc.uint8Array({ minLength: 64, maxLength: 64 }), (payload, other) => {
        const derived = toBase64url(provider.sha512(utf8(payload)))
        for (const identifier of [derived, toBase64url(other)]) {
          const json = utf8(canonicalize({ a: [1], signature: { identifier, payload } }))
          const c = encode(json)
          // Derived: the digest's bytes are not in the compact text (the tag stands for them).
          const literal = Buffer.from(c).includes(Buffer.from(provider.sha512(utf8(payload))))
          assert.equal(literal, false, why)
          assert.equal(Buffer.from(c).includes(Buffer.from(other)), identifier !== derived, why)
          assert.deepEqual(decode(c), json, why)
        }
      }),
      opts(500),
    )
  })

  it('arbitrary bytes: a code, and whatever decodes is the one encoding of its text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
        const bytes = new Uint8Array([...head, 0x0c, ...tail])
        if (outcome(() => decode(bytes)) !== 'ok') return
        assert.deepEqual(encode(decode(bytes)), bytes, why)
      }),
      opts(3000),
    )
  })

  it('arbitrary edits of a real compact message: a code or another canonical text', () => {
    const c = encode(postBy(person(new TrustGraph(), 7)).bytes)
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: c.length - 1 }),
        fc.uint8Array({ minLength: 1, maxLength: 4 }),
        (at, insert) => {
          const bytes = new Uint8Array([...c.subarray(0, at), ...insert, ...c.subarray(at + 1)])
          if (outcome(() => decode(bytes)) !== 'ok') return
          assert.deepEqual(encode(decode(bytes)), bytes, why)
        },
      ),
      opts(2000),
    )
  })
})
