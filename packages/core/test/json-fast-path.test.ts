/**
 * parseCanonical's cheap canonical-form proof (isPlainCanonical) against the definition: a text
 * is accepted exactly when it parses and equals the RFC 8785 serialization of its value (and has
 * no `__proto__` key), on canonical texts and on mutations of them (whitespace, number forms,
 * escapes, duplicate keys, integer-like keys). canonicalCopy (what a signer checks instead of its
 * own text) against parsing that text. Seed printed on failure.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import { ProtocolError, canonicalize, parseCanonical } from '../src/index.js'
import type { Json } from '../src/index.js'
import { canonicalCopy, sortedKeys } from '../src/json.js'

const seed = seedFromEnv()
const why = `(seed ${seed}; rerun with SEED=${seed})`

function hasProtoKey(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false
  if (Array.isArray(v)) return v.some(hasProtoKey)
  return Object.keys(v).some(
    (k) => k === '__proto__' || hasProtoKey((v as Record<string, unknown>)[k]),
  )
}

/** The definition: 'ok' or the error code parseCanonical must give. */
function reference(text: string): string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return 'INVALID_ENCODING'
  }
  try {
    if (canonicalize(value) !== text) return 'INVALID_ENCODING'
  } catch (e) {
    if (e instanceof ProtocolError) return e.code
    throw e
  }
  return hasProtoKey(value) ? 'INVALID_ENCODING' : 'ok'
}

function check(text: string): void {
  let got: string
  let value: unknown
  try {
    value = parseCanonical(text)
    got = 'ok'
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw new Error(`non-coded error ${why}: ${String(e)}`)
    got = e.code
  }
  assert.equal(got, reference(text), `${JSON.stringify(text)} ${why}`)
  if (got === 'ok') assert.deepEqual(value, JSON.parse(text), why)
}

const key = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom('0', '1', '10', '9', '01', '-1', '1a', 'a', 'b', '__proto__', '\u2028', 'é'),
)
const leaf = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 1.5, 1e21, 1e-7, 5e-324, 2 ** 53, 0.1, 100, true, false, null),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('a\\b', 'x"y', '\n', '\u001f', '\ud83d\ude00', '\u007f', '/'),
)
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
  ),
}))
/** Canonical texts of values sdmp can hold (-0 is normalized, like every receiver sees it). */
const canonical = tree.map((v) => canonicalize(JSON.parse(JSON.stringify(v))))
const edits = [' ', '\n', '0', '-', '.', 'e', 'E', '+', '"', '\\', '\\u0041', ',', ':', '{', '}']

describe('parseCanonical fast proof agrees with the definition (property)', () => {
  it('on canonical texts', () => {
    fc.assert(fc.property(canonical, check), { seed, numRuns: 1000 })
  })
  it('on single edits of canonical texts', () => {
    fc.assert(
      fc.property(
        canonical,
        fc.nat(),
        fc.constantFrom(...edits),
        fc.boolean(),
        (text, at, edit, replace) => {
          const i = at % (text.length + 1)
          check(text.slice(0, i) + edit + text.slice(replace ? i + 1 : i))
        },
      ),
      { seed, numRuns: 3000 },
    )
  })
  it('on objects with a repeated or reordered member', () => {
    fc.assert(
      fc.property(fc.dictionary(key, tree, { minKeys: 1, maxKeys: 4 }), fc.nat(), (o, n) => {
        const text = canonicalize(JSON.parse(JSON.stringify(o)))
        const members = Object.keys(o).sort()
        const k = members[n % members.length]!
        const member = `${JSON.stringify(k)}:${canonicalize(JSON.parse(JSON.stringify(o[k])))}`
        check(text.replace(/^\{/, () => `{${member},`))
        check(text.replace(/\}$/, () => `,${member}}`))
      }),
      { seed, numRuns: 1000 },
    )
  })
  it('on fixed edge cases', () => {
    for (const text of [
      '{"b":1,"1":2}',
      '{"1":2,"b":1}',
      '{"a":1,"a":1}',
      '{"a":-0}',
      '[1e21,1e+21,1E21]',
      '{"a":"\\u0041"}',
      '"\\ud800"',
      '"\ud800"',
      '"\ud83d\ude00"',
      '{"__proto__":1}',
      '{"a":{"__proto__":null}}',
      '[true,false,null]',
      '{"":0,"a":[]}',
      '{} ',
      '[1.0]',
      '[-1,-1.5e-7]',
    ])
      check(text)
  })
})

describe('sortedKeys', () => {
  it('orders keys as Object.keys(o).sort() does (UTF-16 code units, integer-like keys too)', () => {
    const key = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.nat({ max: 10_000 }).map(String),
      fc.constantFrom('a', 'b', 'ab', 'B', '\u00e9', '\ud83d\ude00', '\uffff', ''),
    )
    fc.assert(
      fc.property(fc.dictionary(key, fc.constant(0), { maxKeys: 40 }), (o) => {
        assert.deepEqual(sortedKeys(o), Object.keys(o).sort())
      }),
      { seed, numRuns: 500 },
    )
  })
})

describe('canonicalCopy', () => {
  /** 'ok' and the value, or the error code. */
  const outcome = (fn: () => unknown): { code: string; value?: unknown } => {
    try {
      return { code: 'ok', value: fn() }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw new Error(`non-coded error ${why}: ${String(e)}`)
      return { code: e.code }
    }
  }
  it('gives what parsing the canonical text gives: same values (-0 as 0), key order, errors', () => {
    fc.assert(
      fc.property(tree, (v) => {
        let text: string
        try {
          text = canonicalize(v)
        } catch {
          return // only values canonicalize accepts are copied (the text is written first)
        }
        const parsed = outcome(() => parseCanonical(text))
        const copied = outcome(() => canonicalCopy(v as Json))
        assert.equal(copied.code, parsed.code, `${text} ${why}`)
        if (parsed.code !== 'ok') return
        assert.deepStrictEqual(copied.value, parsed.value, why) // Object.is: -0 is not 0
        assert.equal(JSON.stringify(copied.value), JSON.stringify(parsed.value), why) // key order
        if (v !== null && typeof v === 'object') assert.notEqual(copied.value, v, why)
      }),
      { seed, numRuns: 2000 },
    )
  })
  it("refuses an own __proto__ key with the parser's words", () => {
    const v = JSON.parse('{"a":[{"__proto__":1}]}') as Json
    assert.throws(
      () => canonicalCopy(v, 'payload'),
      (e: unknown) =>
        e instanceof ProtocolError &&
        e.code === 'INVALID_ENCODING' &&
        e.message === 'payload: forbidden key __proto__',
    )
  })
})
