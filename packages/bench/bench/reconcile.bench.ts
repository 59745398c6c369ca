/**
 * Sync cost of range-based set reconciliation (issue #4, docs/protocol/sync.md): bytes each way,
 * round trips and wall time for n shared ids and d differences, clustered (the d newest on one
 * side, as after being offline) and scattered (random items, random side), beside the naive
 * full-id-list sync measured in the same run. Both sides run in process; no I/O is timed.
 * @module
 */
import { createNodeProvider } from '@sdmp/crypto-node'
import { MemoryReconcileStorage, Reconciler, toBase64url } from '@sdmp/core'
import type { SyncKey } from '@sdmp/core'
import type { BenchContext, BenchResult } from '@sdmp/testkit'

const ID_BYTES = 64
const SIZES = [10_000, 100_000, 1_000_000]
const DIFFS = [0, 1, 100, 1_000, 10_000]

/** xorshift32: a fast deterministic generator; the ids only need to look like SHA-512 output. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
}

/** `count` keys in sync order: ~1 s apart on average, with ~1% equal timestamps. */
function universe(count: number, rand: () => number): MemoryReconcileStorage {
  const keys: SyncKey[] = new Array(count)
  const bytes = new Uint8Array(ID_BYTES)
  let created = 1_700_000_000_000
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < ID_BYTES; j += 4) {
      const v = (rand() * 2 ** 32) >>> 0
      bytes[j] = v & 255
      bytes[j + 1] = (v >>> 8) & 255
      bytes[j + 2] = (v >>> 16) & 255
      bytes[j + 3] = v >>> 24
    }
    if (rand() > 0.01) created += 1 + Math.floor(rand() * 2000)
    keys[i] = { created, id: toBase64url(bytes) }
  }
  return MemoryReconcileStorage.fromKeys(keys)
}

interface Outcome {
  bytesAB: number
  bytesBA: number
  messages: number
  ms: number
  ok: boolean
}

/** Run a full session, A initiating; check both sides learned exactly the expected sets. */
function session(
  a: MemoryReconcileStorage,
  b: MemoryReconcileStorage,
  onlyA: number,
  onlyB: number,
): Outcome {
  const provider = createNodeProvider()
  const t0 = performance.now()
  const A = new Reconciler(a, provider)
  const B = new Reconciler(b, provider)
  let msg: Uint8Array | undefined = A.initiate()
  let toB = true
  let bytesAB = msg.length
  let bytesBA = 0
  let messages = 1
  while (msg !== undefined) {
    msg = (toB ? B : A).reconcile(msg).reply
    toB = !toB
    if (msg === undefined) break
    messages++
    if (toB) bytesAB += msg.length
    else bytesBA += msg.length
  }
  const ms = performance.now() - t0
  const ok =
    A.have.size === onlyA && B.need.size === onlyA && A.need.size === onlyB && B.have.size === onlyB
  return { bytesAB, bytesBA, messages, ms, ok }
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const results: BenchResult[] = []
  const targets: Record<string, { worst: number; at: string }> = {
    clustered: { worst: 0, at: '' },
    scattered: { worst: 0, at: '' },
  }
  let d1 = { bytes: 0, trips: 0, n: 0 }
  let dense = { trips: 0, n: 0, d: 0 }
  for (const fullN of SIZES) {
    const n = Math.max(1000, Math.round(fullN * ctx.scale))
    const diffs = DIFFS.filter((d) => d <= n / 2)
    const maxD = Math.max(...diffs)
    ctx.log(`sync: building ${n + maxD} ids`)
    const rand = rng(0x5eed + n)
    const all = universe(n + maxD, rand)
    const naive = `naive full-ID-list sync, n=${n}`
    results.push({
      group: 'sync',
      name: naive,
      value: 2 * n * ID_BYTES,
      unit: 'bytes',
      notes: 'both sides send every id (64 bytes binary; 86 characters as text), 1 round trip',
    })
    for (const pattern of ['clustered', 'scattered'] as const) {
      for (const d of diffs) {
        let a: MemoryReconcileStorage
        let b: MemoryReconcileStorage
        let onlyA = 0
        let onlyB = 0
        if (pattern === 'clustered') {
          // A was offline: B holds the d newest items A lacks (the universe is in sync order).
          a = all.filter((i) => i < n)
          b = all.filter((i) => i < n + d)
          onlyB = d
        } else {
          // d random items of n + d, each on one random side only.
          const side = new Uint8Array(n + maxD)
          for (let i = n + d; i < n + maxD; i++) side[i] = 3 // not in this run
          let placed = 0
          while (placed < d) {
            const i = Math.floor(rand() * (n + d))
            if (side[i] !== 0) continue
            side[i] = rand() < 0.5 ? 1 : 2
            if (side[i] === 1) onlyA++
            else onlyB++
            placed++
          }
          a = all.filter((i) => side[i] === 0 || side[i] === 1)
          b = all.filter((i) => side[i] === 0 || side[i] === 2)
        }
        const o = session(a, b, onlyA, onlyB)
        if (!o.ok) throw new Error(`reconcile bench: wrong result for ${pattern} n=${n} d=${d}`)
        const total = o.bytesAB + o.bytesBA
        const trips = Math.ceil(o.messages / 2)
        results.push({
          group: 'sync',
          name: `reconcile ${pattern} n=${n} d=${d}`,
          value: total,
          unit: 'bytes',
          baseline: naive,
          lowerIsBetter: true,
          notes: `A->B ${o.bytesAB} B, B->A ${o.bytesBA} B, ${trips} round trips (${o.messages} messages), ${o.ms.toFixed(1)} ms`,
        })
        if (d >= 100) {
          // Per-difference cost, judged where the fixed log(n) descent no longer dominates.
          const per = pattern === 'clustered' ? (total - d * ID_BYTES) / d : total / d
          const t = targets[pattern]!
          if (per > t.worst) targets[pattern] = { worst: per, at: `n=${n} d=${d}` }
        }
        if (d === 1 && n >= d1.n && pattern === 'clustered') d1 = { bytes: total, trips, n }
        if (d === 10_000 && pattern === 'scattered' && n >= dense.n) dense = { trips, n, d }
      }
    }
  }
  const c = targets['clustered']!
  const s = targets['scattered']!
  results.push(
    {
      group: 'sync',
      name: `d=1 at n=${d1.n}: bytes both ways (clustered)`,
      value: d1.bytes,
      unit: 'bytes',
      target: '<= 3 KB',
      met: d1.bytes <= 3072,
    },
    {
      group: 'sync',
      name: `d=1 at n=${d1.n}: round trips`,
      value: d1.trips,
      unit: 'round trips',
      target: '<= 3',
      met: d1.trips <= 3,
    },
    {
      group: 'sync',
      name: 'clustered: bytes per difference above the 64-byte ids (worst, d >= 100)',
      value: c.worst,
      unit: 'bytes',
      target: '<= 100',
      met: c.worst <= 100,
      notes: `worst at ${c.at}`,
    },
    {
      group: 'sync',
      name: 'scattered: bytes per difference (worst, d >= 100)',
      value: s.worst,
      unit: 'bytes',
      target: '<= 1,200',
      met: s.worst <= 1200,
      notes: `worst at ${s.at}`,
    },
  )
  if (dense.n > 0)
    results.push({
      group: 'sync',
      name: `${dense.d} scattered differences at n=${dense.n}, 64 KB frames: round trips`,
      value: dense.trips,
      unit: 'round trips',
      target: '<= 40',
      met: dense.trips <= 40,
    })
  return results
}
