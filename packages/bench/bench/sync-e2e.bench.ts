/**
 * End-to-end sync benchmarks (issue #4 "Speed"): node B pulls every resource node A holds over
 * TCP loopback (receive, verify, store in SQLite, journal) on one core, and the latency from
 * publish on A to journaled on B. Node A runs in a worker thread. The baseline is raw libsodium
 * verify of posts of the same shape on B's thread just before the pull: the crypto group's
 * figure is taken minutes apart, and the same primitive measured 14,531 there and 20,637 in the
 * core group of one run (docs/load.md §5 "Seventh pass").
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { decodeResource } from '@sdmp/core'
import { measureRate, percentile } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import { connectTcp } from '@sdmp/transport'
import type { SecureChannel } from '@sdmp/transport'
import { NODE_A, NODE_B, channelOptions, openNode, postOf, provider } from './sync-node.js'
import type { BenchNode } from './sync-node.js'
import { rawVerifier } from './raw-verify.js'

const BASELINE = 'raw sodium-native Ed25519 verify, posts of the pull (just before it)'

/**
 * With SDMP_BENCH_PROFILE=<dir>, write a CPU profile of node B's thread for the pull phase
 * (`<dir>/<name>.cpuprofile`, open in Chrome DevTools), to see where ingest time goes.
 */
async function profiled(name: string, fn: () => Promise<void>): Promise<void> {
  const dir = process.env['SDMP_BENCH_PROFILE']
  if (!dir) return fn()
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  try {
    await fn()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile))
    session.disconnect()
  }
}
const ONE_CORE = 'sync: end-to-end ingest from a peer over TCP, one core'

interface Peer {
  readonly worker: Worker
  readonly port: number
  readonly published: Uint8Array[]
  next<T>(type: string): Promise<T>
}

async function startPeer(count: number): Promise<Peer> {
  const worker = new Worker(new URL('./sync-e2e-peer.js', import.meta.url), {
    workerData: { count },
  })
  const waiting = new Map<string, { resolve(m: unknown): void; reject(e: Error): void }[]>()
  worker.on('message', (m: { type: string }) => waiting.get(m.type)?.shift()?.resolve(m))
  worker.on('error', (e) => {
    for (const list of waiting.values()) for (const w of list.splice(0)) w.reject(e)
  })
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const list = waiting.get(type) ?? []
      list.push({ resolve: resolve as (m: unknown) => void, reject })
      waiting.set(type, list)
    })
  const ready = await next<{ port: number; published: Uint8Array[] }>('ready')
  return { worker, port: ready.port, published: ready.published, next }
}

/** Open node B on a fresh store and connect it to A. */
async function openB(peer: Peer, dir: string) {
  const trustB = decodeResource(provider, peer.published[4]!).id
  const b = await openNode(dir, NODE_B, trustB, peer.published)
  const channel: SecureChannel = await connectTcp(
    { host: '127.0.0.1', port: peer.port },
    { ...channelOptions(NODE_B, b), expectedPeer: NODE_A.fingerprint },
  )
  return { b, channel }
}

/** Resources per second for B to pull all `count` posts from A. */
async function pullRate(peer: Peer, count: number): Promise<{ rate: number; batch: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sdmp-bench-b-'))
  let b: BenchNode | undefined
  try {
    let got = 0
    let batches = 0
    let done!: () => void
    const all = new Promise<void>((r) => (done = r))
    const start = performance.now()
    const opened = await openB(peer, dir)
    b = opened.b
    b.ingestor.onAppended((lines) => {
      batches++
      for (const l of lines) if (l.resource.kind === 'post') got++
      if (got >= count) done()
    })
    await profiled('sync-pull-one-core', async () => {
      b!.engine.attach(opened.channel, 'initiator')
      await all
    })
    const rate = (count * 1000) / (performance.now() - start)
    return { rate, batch: got / batches }
  } finally {
    await b?.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Raw libsodium verifications per second over 256 posts shaped like the pulled ones. */
function rawVerifyRate(peer: Peer, minMs: number): Promise<number> {
  const trustA = decodeResource(provider, peer.published[2]!)
  const posts = Array.from({ length: 256 }, (_, i) => postOf(i, trustA))
  return measureRate(rawVerifier(posts, NODE_A.publicKey), { minMs })
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const count = Math.max(1000, Math.round(20_000 * ctx.scale))
  const publishes = Math.max(50, Math.round(300 * ctx.scale))
  ctx.log(`sync-e2e: node A builds ${count} posts in a worker thread`)
  const peer = await startPeer(count)
  const results: BenchResult[] = []
  try {
    const cores = availableParallelism()
    const load = () => loadavg()[0]!.toFixed(2)
    ctx.log('sync-e2e: raw verify of the same posts, then pull on one core')
    results.push({
      group: 'sync',
      name: BASELINE,
      value: await rawVerifyRate(peer, Math.max(200, 1500 * ctx.scale)),
      unit: 'ops/s',
      notes: `256 posts like the pulled ones (node A's key), their signing inputs verified with crypto_sign_verify_detached on node B's thread just before the pull`,
    })
    const loadBefore = load()
    const one = await pullRate(peer, count)
    const oneCore = one.rate
    results.push({
      group: 'sync',
      name: ONE_CORE,
      value: oneCore,
      unit: 'resources/s',
      baseline: BASELINE,
      target: '>= 0.7x raw native verify of the same posts',
      targetRatio: 0.7,
      notes: `${count} posts (~0.5 KB) pulled by a fresh node B: reconciliation, request_resource batches, verify, SQLite (synchronous=FULL), journal; ${Math.round(one.batch)} resources per commit on average; node A in a worker thread; load avg ${loadBefore}, ${cores} cores`,
    })

    ctx.log(`sync-e2e: latency A -> B over ${publishes} publishes`)
    const dir = mkdtempSync(join(tmpdir(), 'sdmp-bench-b-'))
    const { b, channel } = await openB(peer, dir)
    try {
      const arrived = new Map<string, number>()
      const waiters = new Map<string, () => void>()
      b.ingestor.onAppended((lines) => {
        const t = performance.timeOrigin + performance.now()
        for (const l of lines) {
          arrived.set(l.resource.id, t)
          waiters.get(l.resource.id)?.()
        }
      })
      const session = b.engine.attach(channel, 'initiator')
      await session.synced()
      const samples: number[] = []
      for (let i = 0; i < publishes; i++) {
        peer.worker.postMessage({ type: 'publish' })
        const { id, t0 } = await peer.next<{ id: string; t0: number }>('published')
        if (!arrived.has(id)) await new Promise<void>((r) => waiters.set(id, r))
        waiters.delete(id)
        samples.push(arrived.get(id)! - t0)
      }
      for (const [p, label] of [
        [50, 'p50'],
        [99, 'p99'],
      ] as const) {
        results.push({
          group: 'sync',
          name: `sync: latency publish on A -> journaled on B, TCP loopback, ${label}`,
          value: percentile(samples, p),
          unit: 'ms',
          lowerIsBetter: true,
          notes: `${publishes} publishes one at a time to an idle connected peer (A in a worker thread; sign excluded, A's ingest and commit included); issue #5 targets p50 <= 20 ms`,
        })
      }
    } finally {
      await b.close()
      rmSync(dir, { recursive: true, force: true })
    }
  } finally {
    peer.worker.postMessage({ type: 'close' })
    await peer.next('closed')
    await peer.worker.terminate()
  }
  return results
}
