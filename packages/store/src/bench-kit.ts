/**
 * The Store benchmark, written once and parameterized by a store factory so every backend
 * reports the same figures side by side (issue 3 "Speed"): ingest batched, one-by-one awaited
 * and one-by-one concurrent (group commit), journal append rate, lookup by id, sync range
 * scans, and growth to 1,000,000 resources with peak RSS growth. Respects `ctx.scale`.
 * @module
 */
import { createHash } from 'node:crypto'
import { toBase64url } from '@sdmp/core'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import type { IngestItem, Store } from './store.js'

/** Creates fresh, empty stores for the benchmark and removes them afterwards. */
export interface StoreBenchFactory {
  /** A fresh, empty store (opened or not). */
  create(): Promise<Store>
  /** Close the store and delete its data. */
  destroy(store: Store): Promise<void>
}

/** Targets the caller wants judged (`met` column); omitted ones are only reported. */
export interface StoreBenchTargets {
  /** Minimum batched journal appends per second. */
  readonly journalAppendsPerSec?: number
  /** Maximum peak RSS growth across the growth run, in MB. */
  readonly rssGrowthMB?: number
}

/** Options of {@link runStoreBench}. */
export interface StoreBenchOptions {
  readonly targets?: StoreBenchTargets
  /** Resources in the growth run at scale 1 (default 1,000,000). */
  readonly growthTotal?: number
  /** Report group, default "store". */
  readonly group?: string
}

const NODE_FP = 'N'.repeat(86)
const USERS = ['A'.repeat(86), 'B'.repeat(86), 'C'.repeat(86)]

/** Item `n` of a run: `size` bytes of payload, id = base64url(SHA-512(bytes)) as for real ids. */
function benchItem(run: string, n: number, size: number): IngestItem {
  const head = Buffer.from(`{"run":"${run}","n":${n}}`)
  const bytes = new Uint8Array(Math.max(size, head.length))
  bytes.set(head)
  const id = toBase64url(createHash('sha512').update(bytes).digest())
  return {
    id,
    user: USERS[n % 3]!,
    kind: n % 5 === 0 ? 'trust' : 'message',
    created: 1_700_000_000_000 + n,
    bytes,
  }
}

function items(run: string, from: number, count: number, size: number): IngestItem[] {
  return Array.from({ length: count }, (_, i) => benchItem(run, from + i, size))
}

/** Run a full GC, exposing `gc` at runtime when node was started without --expose-gc. */
function collectGarbage(): void {
  let gc = (globalThis as { gc?: () => void }).gc
  if (!gc) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  }
  gc()
}

async function fresh(factory: StoreBenchFactory): Promise<Store> {
  const store = await factory.create()
  await store.open()
  await store.initJournal(NODE_FP)
  return store
}

/** Ops/s of `count` operations done by `fn`. */
async function rate(count: number, fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return (count * 1000) / (performance.now() - t)
}

/**
 * Run the store benchmark for one backend and return its figures.
 * @example
 * export const run = (ctx: BenchContext) =>
 *   runStoreBench('sqlite', { create, destroy }, ctx, {
 *     targets: { journalAppendsPerSec: 50_000 },
 *   })
 */
export async function runStoreBench(
  name: string,
  factory: StoreBenchFactory,
  ctx: BenchContext,
  options: StoreBenchOptions = {},
): Promise<BenchResult[]> {
  const group = options.group ?? 'store'
  const out: BenchResult[] = []
  const s = ctx.scale
  const report = (r: Omit<BenchResult, 'group'>) => {
    out.push({ group, ...r })
    ctx.log(`${r.name}: ${Math.round(r.value).toLocaleString('en-US')} ${r.unit}`)
  }

  // Growth first, while the process holds the least from earlier stages.
  out.push(...(await growth(name, factory, ctx, options, group)))

  // Ingest: batched 1000 per transaction, 300-byte resources.
  {
    const store = await fresh(factory)
    const n = Math.max(2000, Math.round(100_000 * s))
    const all = items('batched', 0, n, 300)
    const r = await rate(n, async () => {
      for (let i = 0; i < n; i += 1000) await store.putResources(all.slice(i, i + 1000))
    })
    report({ name: `${name} ingest batched (1000/tx, 300 B)`, value: r, unit: 'resources/s' })

    // Lookup by id on the store just filled.
    const lookups = Math.max(2000, Math.round(50_000 * s))
    const lookupRate = await rate(lookups, async () => {
      for (let i = 0; i < lookups; i++) await store.getResource(all[(i * 7919) % n]!.id)
    })
    report({ name: `${name} lookup by id`, value: lookupRate, unit: 'lookups/s' })
    await factory.destroy(store)
  }

  // Journal append rate: minimal resources, batched, against the target.
  {
    const store = await fresh(factory)
    const n = Math.max(2000, Math.round(100_000 * s))
    const all = items('append', 0, n, 16)
    const r = await rate(n, async () => {
      for (let i = 0; i < n; i += 1000) await store.putResources(all.slice(i, i + 1000))
    })
    const target = options.targets?.journalAppendsPerSec
    report({
      name: `${name} journal append batched (1000/tx)`,
      value: r,
      unit: 'lines/s',
      ...(target === undefined
        ? {}
        : { target: `>= ${target.toLocaleString('en-US')}/s`, met: r >= target }),
    })
    await factory.destroy(store)
  }

  // One by one, each awaited: one durable commit per resource.
  {
    const store = await fresh(factory)
    const n = Math.max(100, Math.round(2000 * s))
    const all = items('single', 0, n, 300)
    const r = await rate(n, async () => {
      for (const item of all) await store.putResources([item])
    })
    report({
      name: `${name} ingest one-by-one awaited`,
      value: r,
      unit: 'resources/s',
      notes: 'one durable commit per resource',
    })
    await factory.destroy(store)
  }

  // One by one but concurrent: group commit folds the calls into few transactions.
  {
    const store = await fresh(factory)
    const n = Math.max(2000, Math.round(50_000 * s))
    const all = items('concurrent', 0, n, 300)
    const wave = 500
    const r = await rate(n, async () => {
      for (let i = 0; i < n; i += wave)
        await Promise.all(all.slice(i, i + wave).map((item) => store.putResources([item])))
    })
    report({
      name: `${name} ingest one-by-one concurrent (${wave} in flight)`,
      value: r,
      unit: 'resources/s',
      notes: 'single-item puts coalesced by group commit',
    })
    await factory.destroy(store)
  }

  return out
}

/** Grow one store to `growthTotal * scale` resources, sampling RSS; report rate and peak growth. */
async function growth(
  name: string,
  factory: StoreBenchFactory,
  ctx: BenchContext,
  options: StoreBenchOptions,
  group: string,
): Promise<BenchResult[]> {
  const total = Math.max(10_000, Math.round((options.growthTotal ?? 1_000_000) * ctx.scale))
  const store = await fresh(factory)
  // Collect earlier stages' garbage first, so the baseline is the live heap, not leftovers.
  collectGarbage()
  const base = process.memoryUsage.rss()
  let peak = base
  const t = performance.now()
  for (let i = 0; i < total; i += 1000) {
    await store.putResources(items('growth', i, Math.min(1000, total - i), 200))
    if (i % 20_000 === 0) {
      peak = Math.max(peak, process.memoryUsage.rss())
      if (i % 200_000 === 0) ctx.log(`${name} growth: ${i.toLocaleString('en-US')} resources`)
    }
  }
  peak = Math.max(peak, process.memoryUsage.rss())
  const seconds = (performance.now() - t) / 1000
  const count = await store.countResources()
  if (count !== total) throw new Error(`growth: stored ${count}, expected ${total}`)
  // A lookup at full size, so the figures cover a big store too.
  const probe = benchItem('growth', Math.floor(total / 2), 200)
  if (!(await store.getResource(probe.id))) throw new Error('growth: probe missing')
  await factory.destroy(store)
  const growthMB = (peak - base) / 2 ** 20
  const limit = options.targets?.rssGrowthMB
  const label = total.toLocaleString('en-US')
  return [
    {
      group,
      name: `${name} growth to ${label} resources`,
      value: total / seconds,
      unit: 'resources/s',
    },
    {
      group,
      name: `${name} peak RSS growth over ${label} resources`,
      value: growthMB,
      unit: 'MB',
      ...(limit === undefined ? {} : { target: `< ${limit} MB`, met: growthMB < limit }),
      notes: `RSS ${(base / 2 ** 20).toFixed(0)} MB before, peak ${(peak / 2 ** 20).toFixed(0)} MB`,
    },
  ]
}
