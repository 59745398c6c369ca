/**
 * The `cat` baselines of issue 6 ("One report"): reading a 64 MiB blob through
 * `SqliteStore.getBlob` beside `cat FILE > /dev/null` of a file of the same size, and
 * `sdmp journal --json` on a home of ~100,000 journal lines beside `cat` of a file holding the
 * same bytes. The runner computes the ratios from `baseline` (bench/run.mjs).
 * @module
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createNodeProvider } from '@sdmp/crypto-node'
import { Account } from '@sdmp/daemon'
import { SqliteStore } from '@sdmp/store-sqlite'
import { percentile } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import { BIN, newHome, scratch } from './load-daemons.js'

const GROUP = 'files'
const MiB = 1024 * 1024
const CAT_BLOB = '`cat FILE > /dev/null`, 64 MiB file'
const CAT_JOURNAL = '`cat FILE | reader`, a file of the journal export bytes'
const provider = createNodeProvider()
/** Each figure is the median of this many runs (the first read warms the page cache). */
const RUNS = 3

/** Wall time of a child process in ms, its stdout sent to `stdout` ('pipe' counts bytes). */
function timeProcess(
  command: string,
  args: readonly string[],
  stdout: number | 'pipe',
): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now()
    const child = spawn(command, args, { stdio: ['ignore', stdout, 'pipe'] })
    let bytes = 0
    let err = ''
    child.stdout?.on('data', (d: Buffer) => (bytes += d.length))
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${command} exited ${code}: ${err.trim()}`))
      else resolve({ ms: performance.now() - t, bytes })
    })
  })
}

/**
 * Median MB/s (10^6 bytes per second) of {@link RUNS} timed runs moving `bytes` each, after one
 * untimed run unless `warm` says the caches are already warm.
 */
async function medianRate(bytes: number, fn: () => Promise<number>, warm = false): Promise<number> {
  if (!warm) await fn()
  const rates: number[] = []
  for (let i = 0; i < RUNS; i++) rates.push(bytes / 1e6 / ((await fn()) / 1000))
  return percentile(rates, 50)
}

/** 64 MiB blob through the store's streaming read, beside `cat` of the same file. */
async function blobs(dir: string): Promise<BenchResult[]> {
  const size = 64 * MiB
  const chunk = new Uint8Array(MiB)
  const data = new Uint8Array(size)
  for (let o = 0; o < size; o += chunk.length) {
    // Random content: nothing on the path (file system, stream) can shortcut repeated pages.
    data.set(provider.randomBytes(chunk.length), o)
  }
  const file = join(dir, 'plain.bin')
  writeFileSync(file, data)
  const store = new SqliteStore({ dir: join(dir, 'store'), sha512: provider.sha512 })
  await store.open()
  try {
    const { hash } = await store.putBlob(
      (async function* () {
        for (let o = 0; o < size; o += MiB) yield data.subarray(o, o + MiB)
      })(),
    )
    const viaStore = await medianRate(size, async () => {
      const t = performance.now()
      const stream = await store.getBlob(hash)
      if (stream === undefined) throw new Error('blob vanished')
      let got = 0
      for await (const piece of stream) got += piece.length
      if (got !== size) throw new Error(`blob read ${got} of ${size} bytes`)
      return performance.now() - t
    })
    const devNull = openSync('/dev/null', 'w')
    let viaCat: number
    try {
      viaCat = await medianRate(size, async () => (await timeProcess('cat', [file], devNull)).ms)
    } finally {
      closeSync(devNull)
    }
    return [
      {
        group: GROUP,
        name: CAT_BLOB,
        value: viaCat,
        unit: 'MB/s',
        notes: `baseline: process spawn to exit, page cache warm, median of ${RUNS}`,
      },
      {
        group: GROUP,
        name: 'store: read a 64 MiB blob through SqliteStore.getBlob',
        value: viaStore,
        unit: 'MB/s',
        baseline: CAT_BLOB,
        notes: `every chunk of the async iterable consumed in process (no spawn, unlike cat), page cache warm, median of ${RUNS}; random content`,
      },
    ]
  } finally {
    await store.close()
  }
}

/** A home with ~`lines` journal lines: `sdmp init`, then signed posts in batches of 1,000. */
async function journalHome(ctx: BenchContext, dir: string, lines: number): Promise<string> {
  const home = await newHome(dir, 'journal')
  const account = await Account.open({
    home,
    provider,
    createStore: (d) => new SqliteStore({ dir: d, sha512: provider.sha512 }),
  })
  try {
    const have = (await account.store.journalHead())?.position ?? 0
    for (let i = have; i < lines; ) {
      const batch = []
      for (const end = Math.min(lines, i + 1000); i < end; i++)
        batch.push(
          account.signForUser(
            { kind: 'post', data: { body: `post ${i} ${'x'.repeat(100)}`, type: 'text' } },
            'publish_resource',
          ),
        )
      await account.publish(batch)
      if (i % 20_000 < batch.length) ctx.log(`files: ${i} journal lines`)
    }
  } finally {
    await account.close()
  }
  return home
}

/** `sdmp journal --json` (no daemon: it opens the store) beside `cat` of the same bytes. */
async function journal(ctx: BenchContext, dir: string): Promise<BenchResult[]> {
  const lines = Math.max(1000, Math.round(100_000 * ctx.scale))
  ctx.log(`files: a home with ${lines} journal lines`)
  const home = await journalHome(ctx, dir, lines)
  const args = [BIN, 'journal', '--home', home, '--json']
  // The exact bytes the command prints, written once for cat to read back (also the warm-up).
  const out = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] })
    const parts: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => parts.push(d))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(parts)) : reject(new Error(`sdmp journal exited ${code}`)),
    )
  })
  const file = join(dir, 'journal.json')
  writeFileSync(file, out)
  const viaSdmp = await medianRate(
    out.length,
    async () => (await timeProcess(process.execPath, args, 'pipe')).ms,
    true,
  )
  const viaCat = await medianRate(
    out.length,
    async () => (await timeProcess('cat', [file], 'pipe')).ms,
  )
  const mb = (out.length / 1e6).toFixed(1)
  return [
    {
      group: GROUP,
      name: CAT_JOURNAL,
      value: viaCat,
      unit: 'MB/s',
      notes: `baseline: ${mb} MB read by cat into a pipe this process drains, spawn to exit, median of ${RUNS}`,
    },
    {
      group: GROUP,
      name: `cli: \`sdmp journal --json\` export, ${lines} lines`,
      value: viaSdmp,
      unit: 'MB/s',
      baseline: CAT_JOURNAL,
      notes: `${mb} MB of output into the same kind of pipe, spawn to exit (no daemon: opens the SQLite home, catches up the mailbox index, pages the journal 1,000 lines at a time); median of ${RUNS}`,
    },
  ]
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const tmp = scratch('sdmp-bench-files-')
  try {
    ctx.log('files: 64 MiB blob')
    const results = await blobs(tmp.dir)
    results.push(...(await journal(ctx, tmp.dir)))
    return results
  } finally {
    tmp.remove()
  }
}
