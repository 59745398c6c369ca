/**
 * Unit tests of the reconciliation building blocks: range sums and fingerprints, bounds, the
 * in-memory storage, the codec's varints and options, and the round-trip budget (sync.md).
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  MAX_BOUND,
  MemoryReconcileStorage,
  ProtocolError,
  Reconciler,
  compareKeys,
  decodeReconcileMessage,
  fromBase64url,
  rangeFingerprint,
  separatingBound,
  toBase64url,
} from '../src/index.js'
import type { SyncKey } from '../src/index.js'
import { Mode, RangeWriter } from '../src/sync/reconcile-codec.js'
import { compareKeyToBound } from '../src/sync/reconcile-storage.js'
import { provider } from './world.js'

const T = 1_700_000_000_000
const key = (n: number, created = T + n): SyncKey => ({
  created,
  id: toBase64url(provider.sha512(new TextEncoder().encode(`unit ${n}`))),
})
const le = (bytes: Uint8Array) => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n)

describe('MemoryReconcileStorage', () => {
  const keys = Array.from({ length: 200 }, (_, i) => key(i, T + (i % 17)))
  const s = MemoryReconcileStorage.fromKeys(keys)

  it('sorts keys by (created, id as ASCII text)', () => {
    const sorted = [...keys].sort(compareKeys)
    for (let i = 0; i < s.size; i++) assert.equal(s.id(i), sorted[i]!.id)
    for (let i = 1; i < s.size; i++) assert.ok(s.created(i - 1) <= s.created(i))
  })

  it('range sums equal the sum mod 2^256 of the first 32 id bytes', () => {
    for (const [lo, hi] of [
      [0, 0],
      [0, 200],
      [3, 4],
      [17, 150],
    ] as const) {
      let want = 0n
      for (let i = lo; i < hi; i++) want += le(fromBase64url(s.id(i)).subarray(0, 32))
      assert.equal(le(s.sum(lo, hi)), want % 2n ** 256n, `[${lo}, ${hi})`)
    }
  })

  it('fingerprints depend on the count as well as the sum', () => {
    const sum = new Uint8Array(32)
    const f0 = rangeFingerprint(provider, sum, 0)
    assert.equal(f0.length, 16)
    assert.notDeepEqual(f0, rangeFingerprint(provider, sum, 1))
  })

  it('findBound returns the first key at or above the bound', () => {
    for (let i = 1; i < s.size; i++) {
      const b = separatingBound(
        { created: s.created(i - 1), id: s.id(i - 1) },
        { created: s.created(i), id: s.id(i) },
      )
      assert.equal(s.findBound(b, 0), i)
    }
    assert.equal(s.findBound(MAX_BOUND, 0), s.size)
  })

  it('separatingBound is the shortest bound between neighbours', () => {
    const a = { created: 5, id: 'AAAB' + 'x'.repeat(82) }
    const b = { created: 5, id: 'AAAC' + 'x'.repeat(82) }
    assert.deepEqual(separatingBound(a, b), { created: 5, prefix: 'AAAC' })
    assert.deepEqual(separatingBound(a, { ...b, created: 6 }), { created: 6, prefix: '' })
    const bound = separatingBound(a, b)
    assert.ok(
      compareKeyToBound(a.created, a.id, bound) < 0 &&
        compareKeyToBound(b.created, b.id, bound) > 0,
    )
  })

  it('rejects duplicates, bad timestamps and bad ids with coded errors', () => {
    const cases: [SyncKey[], string][] = [
      [[key(1), key(1)], 'BAD_REQUEST'],
      [[{ created: -1, id: key(1).id }], 'BAD_REQUEST'],
      [[{ created: 1.5, id: key(1).id }], 'BAD_REQUEST'],
      [[{ created: 1, id: 'short' }], 'INVALID_ENCODING'],
      [[{ created: 1, id: '!' + key(1).id.slice(1) }], 'INVALID_ENCODING'],
    ]
    for (const [input, code] of cases)
      assert.throws(
        () => MemoryReconcileStorage.fromKeys(input),
        (e) => e instanceof ProtocolError && e.code === code,
      )
  })

  it('filter keeps the chosen items with the same sums', () => {
    const half = s.filter((i) => i % 2 === 0)
    assert.equal(half.size, 100)
    assert.equal(half.id(3), s.id(6))
    assert.deepEqual(half.sum(1, 2), s.sum(2, 3))
  })
})

describe('reconcile codec', () => {
  it('varints round-trip up to 2^53 - 1 and reject longer ones', () => {
    for (const v of [0, 1, 127, 128, 2 ** 32, Number.MAX_SAFE_INTEGER - 1]) {
      const f = new RangeWriter()
      f.bound({ created: v, prefix: 'A' })
      f.varint(Mode.FINGERPRINT)
      f.bytes(new Uint8Array(16))
      const m = decodeReconcileMessage(f.finish(), 1 << 20)
      assert.equal(m.kind === 'ranges' && m.ranges[0]!.upper.created, v)
    }
    const nine = Uint8Array.of(1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 1)
    assert.throws(
      () => decodeReconcileMessage(nine, 1024),
      (e) => e instanceof ProtocolError && e.code === 'INVALID_ENCODING',
    )
  })

  it('options outside their ranges are bugs (RangeError)', () => {
    const s = MemoryReconcileStorage.fromKeys([])
    assert.throws(() => new Reconciler(s, provider, { maxMessageBytes: 100 }), RangeError)
    assert.throws(() => new Reconciler(s, provider, { branching: 1 }), RangeError)
    assert.throws(() => new Reconciler(s, provider, { prefixBytes: 3 }), RangeError)
  })
})

describe('Reconciler', () => {
  it('finds one difference among 10^4 items in at most 3 round trips', () => {
    const shared = Array.from({ length: 10_000 }, (_, i) => key(i))
    for (const [a, b] of [
      [[...shared, key(-1, T + 5000)], shared],
      [shared, [...shared, key(-1, T + 5000)]],
    ]) {
      const A = new Reconciler(MemoryReconcileStorage.fromKeys(a!), provider)
      const B = new Reconciler(MemoryReconcileStorage.fromKeys(b!), provider)
      let msg: Uint8Array | undefined = A.initiate()
      let messages = 0
      let toB = true
      while (msg !== undefined) {
        messages++
        msg = (toB ? B : A).reconcile(msg).reply
        toB = !toB
      }
      assert.ok(Math.ceil(messages / 2) <= 3, `${messages} messages`)
      assert.equal(A.have.size + A.need.size, 1)
      assert.equal(B.have.size + B.need.size, 1)
    }
  })

  it('gives up on a range whose peer keeps contradicting itself, without crashing', () => {
    const keys = Array.from({ length: 3 }, (_, i) => key(i))
    const A = new Reconciler(MemoryReconcileStorage.fromKeys(keys), provider)
    A.initiate() // an ID_LIST of 3 entries over everything
    // An ID_DIFF claiming nothing differs, with a wrong fingerprint, at 32-byte prefixes.
    const w = new RangeWriter()
    w.bound(MAX_BOUND)
    w.varint(Mode.ID_DIFF)
    w.byte(32)
    w.bytes(new Uint8Array(16))
    w.varint(3)
    w.byte(0)
    w.varint(0)
    const r = A.reconcile(w.finish())
    assert.equal(A.unresolved, 1)
    assert.equal(r.done, true)
    assert.deepEqual([r.have, r.need], [[], []])
  })
})
