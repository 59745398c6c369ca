/**
 * Mutation arbitraries over valid samples (docs/fuzz.md §2): byte edits (bit flips, truncation,
 * insertion, deletion, invalid UTF-8, splices, repeats), JSON text edits (duplicate and
 * `__proto__` keys, deep nesting, huge numbers, wrong types, lone surrogates) and oversize
 * inputs. Each edit is plain data so fast-check shrinks it and prints it readably.
 * @module
 */
import fc from 'fast-check'
import type { Arbitrary } from 'fast-check'

/** Byte sequences that are never valid UTF-8: overlong, surrogate, lone continuation, > U+10FFFF. */
export const INVALID_UTF8: readonly (readonly number[])[] = Object.freeze([
  [0xff],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
])

/** Nesting depths tried: just past the profile limit (32), then far past it (issue 6: 10^4). */
export const NEST_DEPTHS: readonly number[] = Object.freeze([33, 200, 10_000])

/** Values swapped into JSON value positions: huge and odd numbers, wrong types, odd strings. */
export const WEIRD_VALUES: readonly string[] = Object.freeze([
  '1e999999',
  '-1e999999',
  '-0',
  '1e-400',
  '123456789012345678901234567890',
  '9007199254740993',
  '-1',
  '0.5',
  '1E2',
  'NaN',
  '[]',
  '{}',
  '""',
  'null',
  'true',
  '"\\u0000"',
  '"\\ud800"',
  '"\\udc00\\ud800"',
  `"${'x'.repeat(5000)}"`,
  '{"__proto__":1}',
  '{"constructor":{"prototype":{"x":1}}}',
  '[[[[[[[[]]]]]]]]',
  '"2026-13-01T00:00:00.000Z"',
  '"9999-12-31T23:59:59.999Z"',
  '"AAAA"',
  '"AAAA="',
])

type ByteOp =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; len: number }
  | { op: 'utf8'; at: number; which: number }
  | { op: 'splice'; at: number; other: number; from: number }
  | { op: 'repeat'; at: number; len: number; times: number }

const byteOp: Arbitrary<ByteOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip'), at: fc.nat(), bit: fc.nat(7) }) },
  fc.record({ op: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ op: fc.constant('insert'), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete'), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('utf8'), at: fc.nat(), which: fc.nat(INVALID_UTF8.length - 1) }),
  fc.record({ op: fc.constant('splice'), at: fc.nat(), other: fc.nat(), from: fc.nat() }),
  fc.record({
    op: fc.constant('repeat'),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 256 }),
    times: fc.integer({ min: 2, max: 8 }),
  }),
) as Arbitrary<ByteOp>

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function applyByteOp(b: Uint8Array, op: ByteOp, samples: readonly Uint8Array[]): Uint8Array {
  const at = op.at % (b.length + 1)
  switch (op.op) {
    case 'flip': {
      if (b.length === 0) return b
      const out = b.slice()
      out[at % b.length]! ^= 1 << op.bit
      return out
    }
    case 'truncate':
      return b.slice(0, at)
    case 'insert':
      return cat(b.subarray(0, at), op.bytes, b.subarray(at))
    case 'delete':
      return cat(b.subarray(0, at), b.subarray(at + op.len))
    case 'utf8':
      return cat(b.subarray(0, at), Uint8Array.from(INVALID_UTF8[op.which]!), b.subarray(at))
    case 'splice': {
      const other = samples[op.other % samples.length]!
      return cat(b.subarray(0, at), other.subarray(op.from % (other.length + 1)))
    }
    case 'repeat': {
      const chunk = b.subarray(at, at + op.len)
      return cat(b.subarray(0, at), ...Array<Uint8Array>(op.times).fill(chunk), b.subarray(at))
    }
  }
}

/** 1..4 byte edits applied to one of `samples`. */
export function byteMutant(samples: readonly Uint8Array[]): Arbitrary<Uint8Array> {
  return fc
    .record({
      i: fc.nat(samples.length - 1),
      ops: fc.array(byteOp, { minLength: 1, maxLength: 4 }),
    })
    .map(({ i, ops }) => ops.reduce((b, op) => applyByteOp(b, op, samples), samples[i]!))
}

/**
 * Inputs just past `limit` bytes built from a sample (repeated), plus one far past it. Built
 * once and shared: every run picks one, so oversize runs cost no allocation.
 */
export function oversize(sample: Uint8Array, limit: number): Arbitrary<Uint8Array> {
  const fill = (n: number) => {
    const out = new Uint8Array(n)
    for (let o = 0; o < n; o += Math.max(1, sample.length))
      out.set(sample.subarray(0, Math.min(sample.length, n - o)), o)
    return out
  }
  const sizes = [limit + 1, limit * 2]
  const made = new Map<number, Uint8Array>()
  return fc.constantFrom(...sizes).map((n) => {
    let b = made.get(n)
    if (!b) made.set(n, (b = fill(n)))
    return b
  })
}

type TextOp =
  | { op: 'dupKey'; at: number }
  | { op: 'proto'; at: number }
  | { op: 'nest'; at: number; depth: number; object: boolean }
  | { op: 'value'; at: number; value: string }
  | { op: 'char'; at: number; c: string }
  | { op: 'truncate'; at: number }
  | { op: 'surrogate'; at: number }
  | { op: 'insert'; at: number; s: string }

const textOp: Arbitrary<TextOp> = fc.oneof(
  fc.record({ op: fc.constant('dupKey'), at: fc.nat() }),
  fc.record({ op: fc.constant('proto'), at: fc.nat() }),
  fc.record({
    op: fc.constant('nest'),
    at: fc.nat(),
    depth: fc.constantFrom(...NEST_DEPTHS),
    object: fc.boolean(),
  }),
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('value'),
      at: fc.nat(),
      value: fc.constantFrom(...WEIRD_VALUES),
    }),
  },
  fc.record({
    op: fc.constant('char'),
    at: fc.nat(),
    c: fc.constantFrom(...'{}[]",:\\ 0e.-+aA=\n'),
  }),
  fc.record({ op: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ op: fc.constant('surrogate'), at: fc.nat() }),
  fc.record({ op: fc.constant('insert'), at: fc.nat(), s: fc.string({ maxLength: 8 }) }),
) as Arbitrary<TextOp>

/** Positions (start, end) of every JSON value token that follows `:`, `[` or `,`. */
function valueTokens(t: string): [number, number][] {
  const re = /(?<=[:[,])\s*("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null)/g
  return [...t.matchAll(re)].map((m) => [m.index, m.index + m[0].length])
}

const pick = <T>(list: readonly T[], at: number): T | undefined =>
  list.length === 0 ? undefined : list[at % list.length]

function applyTextOp(t: string, op: TextOp): string {
  const at = op.at % (t.length + 1)
  const splice = (s: number, e: number, v: string) => t.slice(0, s) + v + t.slice(e)
  switch (op.op) {
    case 'dupKey': {
      // Repeat the first key of some object: {"k":... becomes {"k":null,"k":...
      const m = pick([...t.matchAll(/\{("(?:[^"\\]|\\.)*"):/g)], op.at)
      return m ? splice(m.index + 1, m.index + 1, `${m[1]}:null,`) : `{"a":1,"a":2}`
    }
    case 'proto': {
      const m = pick([...t.matchAll(/\{(?=")/g)], op.at)
      return m ? splice(m.index + 1, m.index + 1, '"__proto__":{"x":1},') : '{"__proto__":{}}'
    }
    case 'nest': {
      const v = op.object
        ? '{"a":'.repeat(op.depth) + '0' + '}'.repeat(op.depth)
        : '['.repeat(op.depth) + ']'.repeat(op.depth)
      const tok = pick(valueTokens(t), op.at)
      return tok ? splice(tok[0], tok[1], v) : v
    }
    case 'value': {
      const tok = pick(valueTokens(t), op.at)
      return tok ? splice(tok[0], tok[1], op.value) : op.value
    }
    case 'char':
      return splice(at, at + 1, op.c)
    case 'truncate':
      return t.slice(0, at)
    case 'surrogate':
      return splice(at, at, '\ud800')
    case 'insert':
      return splice(at, at, op.s)
  }
}

/** 1..3 JSON text edits applied to one of `samples`. */
export function textMutant(samples: readonly string[]): Arbitrary<string> {
  return fc
    .record({
      i: fc.nat(samples.length - 1),
      ops: fc.array(textOp, { minLength: 1, maxLength: 3 }),
    })
    .map(({ i, ops }) => ops.reduce(applyTextOp, samples[i]!))
}

type Path = readonly (string | number)[]
type ValueOp =
  | { op: 'set'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'add'; at: number; key: string; value: unknown }

/** JSON values swapped into a tree: the parseable weird values plus small random ones. */
const weirdJson: Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    ...WEIRD_VALUES.flatMap((t) => {
      try {
        return [JSON.parse(t) as unknown]
      } catch {
        return []
      }
    }).filter((v) => !JSON.stringify(v).includes('__proto__')),
  ),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, 0, 2 ** 31, 1.5, 8.64e15 + 1),
)

const valueOp: Arbitrary<ValueOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set'), at: fc.nat(), value: weirdJson }) },
  fc.record({ op: fc.constant('delete'), at: fc.nat() }),
  fc.record({
    op: fc.constant('add'),
    at: fc.nat(),
    key: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('constructor', 'toString', 'x')),
    value: weirdJson,
  }),
) as Arbitrary<ValueOp>

/** Every path in a JSON tree (the root included), depth first. */
function paths(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix)
  if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v))
      paths(x, [...prefix, Array.isArray(v) ? Number(k) : k], out)
  return out
}

function applyValueOp(root: unknown, op: ValueOp): unknown {
  const copy = structuredClone(root)
  const all = paths(copy)
  const path = all[op.at % all.length]!
  if (path.length === 0) return op.op === 'set' ? op.value : copy
  let parent = copy as Record<string | number, unknown>
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (op.op === 'set') parent[last] = op.value
  else if (op.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1)
    else delete parent[last]
  } else {
    const target = parent[last]
    if (Array.isArray(target)) target.push(op.value)
    else if (typeof target === 'object' && target !== null)
      (target as Record<string, unknown>)[op.key] = op.value
    else parent[last] = { [op.key]: op.value }
  }
  return copy
}

/** Canonical (RFC 8785 style: sorted keys, no whitespace) text of a mutated tree. */
function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) =>
    typeof x === 'object' && x !== null && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  )
}

/**
 * 1..3 structural edits (set a node to an odd value, delete or add a member) of one of the
 * JSON `samples`, serialized in canonical key order: unlike text edits, these stay canonical
 * and so reach the schema and trust checks behind the parser.
 */
export function valueMutant(samples: readonly string[]): Arbitrary<string> {
  const trees = samples.map((t) => JSON.parse(t) as unknown)
  return fc
    .record({ i: fc.nat(trees.length - 1), ops: fc.array(valueOp, { minLength: 1, maxLength: 3 }) })
    .map(({ i, ops }) => sortedJson(ops.reduce(applyValueOp, trees[i])))
}

/** Mutated inner payloads as bytes: structural (canonical), text-level and byte-level edits. */
export function payloadMutant(texts: readonly string[]): Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 5, arbitrary: valueMutant(texts).map(utf8) },
    { weight: 3, arbitrary: textMutant(texts).map(utf8) },
    { weight: 2, arbitrary: byteMutant(texts.map(utf8)) },
  )
}

/**
 * Any UTF-16 code units, lone surrogates included. Built from integers: fast-check's
 * `unit: 'binary'` strings allocate a table of every code point (about 85 MB of heap).
 */
export function codeUnits(maxLength: number): Arbitrary<string> {
  return fc
    .array(fc.integer({ min: 0, max: 0xffff }), { maxLength })
    .map((units) => String.fromCharCode(...units))
}

/** Fully random JSON-ish text: valid JSON of any shape, random strings, random code units. */
export const randomJsonText: Arbitrary<string> = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 200 }),
  codeUnits(200),
)

/** Random bytes, biased small. */
export const randomBytes: Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 2048 })

/** UTF-8 encode (lone surrogates become U+FFFD, as the wire would carry them). */
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Byte-level and text-level mutants of `texts`, random bytes and oversize inputs, as bytes. */
export function bytesFromTexts(texts: readonly string[], limit: number): Arbitrary<Uint8Array> {
  const bytes = texts.map(utf8)
  return fc.oneof(
    { weight: 4, arbitrary: byteMutant(bytes) },
    { weight: 4, arbitrary: textMutant(texts).map(utf8) },
    { weight: 1, arbitrary: randomBytes },
    { weight: 1, arbitrary: randomJsonText.map(utf8) },
    { weight: 1, arbitrary: oversize(bytes[0]!, limit) },
  )
}
