/**
 * Runs fuzz targets with fast-check (docs/fuzz.md §5): seeded, each run guarded against hangs
 * and unhandled rejections, heap measured after gc before and after every target, and the
 * shrunk counterexample kept with the seed and path that replay it.
 * @module
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { isProtocolError } from '@sdmp/core'
import { FuzzFinding, describeError } from './target.js'
import type { FuzzTarget } from './target.js'

/** Options of {@link runTargets}. */
export interface RunOptions {
  /** Runs per target. */
  readonly runs: number
  readonly seed: number
  /** Replay one counterexample (fast-check path); use with a single target. */
  readonly path?: string
  /** A run that takes longer counts as a hang. Default 20 s. */
  readonly runTimeoutMs?: number
  /** Heap growth across one target (after gc) that counts as a failure. Default 64 MiB. */
  readonly maxHeapGrowthBytes?: number
  /** Called after each target (progress output). */
  readonly onResult?: (r: TargetResult) => void
}

/** The outcome of one target. */
export interface TargetResult {
  readonly name: string
  readonly runs: number
  readonly failures: number
  readonly ms: number
  readonly heapBeforeMb: number
  readonly heapAfterMb: number
  readonly failure?: {
    readonly message: string
    readonly seed: number
    /** fast-check replay path of the shrunk counterexample. */
    readonly path?: string
    /** The shrunk input, printed and cut to a readable length. */
    readonly counterexample?: string
  }
}

/** Default limit on heap growth across one target (issue 6: memory bounded). */
export const MAX_HEAP_GROWTH_BYTES = 64 * 1024 * 1024

/**
 * A full gc function: the global one under --expose-gc, else one obtained at run time (the
 * flag can be set late; a fresh context then sees `gc`). Undefined if neither works.
 */
function findGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc
  if (typeof g === 'function') return g
  try {
    setFlagsFromString('--expose-gc')
    const f = runInNewContext('gc') as unknown
    return typeof f === 'function' ? (f as () => void) : undefined
  } catch {
    return undefined
  }
}

const gc = findGc()
const heapUsed = (): number => {
  gc?.()
  const m = process.memoryUsage()
  // Typed array contents live outside the JS heap; a leak of buffers must count too.
  return m.heapUsed + m.arrayBuffers
}
const mb = (n: number) => Math.round((n / 1048576) * 10) / 10

/** Printable form of an input, cut so a 1 MiB oversize input does not flood the report. */
export function showInput(value: unknown, max = 1200): string {
  const text = fc.stringify(value)
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`
}

/** Reject with a hang finding when `p` has not settled after `ms`. */
async function guard(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzFinding(`hang: run exceeded ${ms} ms`)), ms)
  })
  try {
    await Promise.race([p, hang])
  } finally {
    clearTimeout(timer)
  }
}

/** Run one target; never throws (setup failures are reported as failures). */
export async function runTarget(target: FuzzTarget, options: RunOptions): Promise<TargetResult> {
  const timeout = options.runTimeoutMs ?? 20_000
  const escaped: string[] = []
  const onRejection = (e: unknown) => void escaped.push(`unhandled rejection: ${describeError(e)}`)
  const onException = (e: unknown) => void escaped.push(`uncaught exception: ${describeError(e)}`)
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  const heapBefore = heapUsed()
  const started = performance.now()
  const result = (runs: number, failure?: TargetResult['failure']): TargetResult => ({
    name: target.name,
    runs,
    failures: failure ? 1 : 0,
    ms: Math.round(performance.now() - started),
    heapBeforeMb: mb(heapBefore),
    heapAfterMb: mb(heapUsed()),
    ...(failure ? { failure } : {}),
  })
  try {
    let prepared
    try {
      prepared = await target.prepare()
    } catch (e) {
      return result(0, { message: `setup failed: ${describeError(e)}`, seed: options.seed })
    }
    const run = prepared.run
    const property = fc.asyncProperty(prepared.arbitrary, async (input) => {
      const before = escaped.length
      try {
        await guard(
          Promise.resolve().then(() => run(input)),
          timeout,
        )
      } catch (e) {
        // The contract: success or a coded ProtocolError; anything else is a finding.
        if (!isProtocolError(e))
          throw e instanceof FuzzFinding ? e : new FuzzFinding(`uncoded ${describeError(e)}`)
      }
      // Let rejections of this run surface before judging it (they are reported a tick later).
      await new Promise((r) => setImmediate(r))
      if (escaped.length > before) throw new FuzzFinding(escaped[escaped.length - 1]!)
    })
    const details = await fc.check(property, {
      seed: options.seed,
      numRuns: options.runs,
      ...(options.path !== undefined ? { path: options.path } : {}),
    })
    await prepared.close?.()
    if (details.failed) {
      const e = details.errorInstance
      return result(details.numRuns, {
        message: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
        seed: details.seed,
        ...(details.counterexamplePath !== null ? { path: details.counterexamplePath } : {}),
        ...(details.counterexample !== null
          ? { counterexample: showInput(details.counterexample[0]) }
          : {}),
      })
    }
    const r = result(details.numRuns)
    const growth = (r.heapAfterMb - r.heapBeforeMb) * 1048576
    const limit = options.maxHeapGrowthBytes ?? MAX_HEAP_GROWTH_BYTES
    if (gc && growth > limit)
      return {
        ...r,
        failures: 1,
        failure: {
          message: `heap grew by ${mb(growth)} MB (limit ${mb(limit)} MB)`,
          seed: options.seed,
        },
      }
    return r
  } finally {
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }
}

/** Run targets one after the other (they share the CPU with nothing else of ours). */
export async function runTargets(
  targets: readonly FuzzTarget[],
  options: RunOptions,
): Promise<TargetResult[]> {
  const out: TargetResult[] = []
  for (const t of targets) {
    const r = await runTarget(t, options)
    options.onResult?.(r)
    out.push(r)
  }
  return out
}

/** Whether heap numbers are measured after a full gc (else they are rough). */
export const heapMeasuredAfterGc = gc !== undefined

/** The results as a fixed-width table. */
export function formatTable(results: readonly TargetResult[]): string {
  const rows = [
    ['target', 'runs', 'failures', 'ms', 'heap MB before', 'heap MB after'],
    ...results.map((r) => [
      r.name,
      `${r.runs}`,
      `${r.failures}`,
      `${r.ms}`,
      `${r.heapBeforeMb}`,
      `${r.heapAfterMb}`,
    ]),
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  return rows
    .map((row) =>
      row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
    )
    .join('\n')
}
