/**
 * Benchmark harness shared by every package's `bench/*.bench.ts`. `npm run bench` loads each
 * compiled bench module, calls `run(ctx)`, prints one table and writes bench/results.json and
 * BENCHMARKS.md. Figures are reported beside a baseline measured in the same run.
 * @module
 */

/** One reported figure. */
export interface BenchResult {
  /** Section of the report, e.g. "core", "store", "sync". */
  group: string
  name: string
  value: number
  /** e.g. "ops/s", "ms", "MB", "bytes". */
  unit: string
  /** What we aim for, in words, e.g. ">= 0.8x raw verify". */
  target?: string
  /** Name of the baseline figure this one is compared with (same run). */
  baseline?: string
  /**
   * value / baseline value. When absent and `baseline` names another result of the same run,
   * the runner computes it (inverted when `lowerIsBetter`).
   */
  ratio?: number
  /** The ratio the target asks for; the runner sets `met` from it. */
  targetRatio?: number
  /** For latencies and sizes: the ratio is baseline / value. */
  lowerIsBetter?: boolean
  /** Whether the target is met, when it can be judged mechanically. */
  met?: boolean
  notes?: string
  /**
   * Set when the figure could not be measured on this machine (e.g. "Prosody not available:
   * ..."): the table shows this instead of a number, `value` is NaN, and no ratio is drawn from it.
   */
  unavailable?: string
}

/** What the runner hands to every bench module. */
export interface BenchContext {
  /** Scale factor from `--quick` (0.1) or 1; modules shrink their loops by it. */
  readonly scale: number
  /** Write a progress line to stderr. */
  log(message: string): void
}

/** The shape of a compiled `*.bench.js` module. */
export interface BenchModule {
  run(ctx: BenchContext): Promise<BenchResult[]>
}

/**
 * Operations per second of `fn`, measured over at least `minMs` after a warm-up.
 * `fn` may do `batch` operations per call.
 */
export async function measureRate(
  fn: () => unknown | Promise<unknown>,
  {
    minMs = 1000,
    batch = 1,
    warmup = 20,
  }: { minMs?: number; batch?: number; warmup?: number } = {},
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  let ops = 0
  const start = performance.now()
  let now = start
  while (now - start < minMs) {
    await fn()
    ops += batch
    now = performance.now()
  }
  return (ops * 1000) / (now - start)
}

/** Run `fn` `count` times and return each call's latency in milliseconds. */
export async function measureLatencies(
  fn: () => unknown | Promise<unknown>,
  count: number,
): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    const t = performance.now()
    await fn()
    out.push(performance.now() - t)
  }
  return out
}

/** The p-th percentile (0..100) of samples, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

/** Peak RSS sampled (every 20 ms) while `run` runs, and the RSS before it started. */
export async function peakRss<T>(
  run: () => Promise<T>,
): Promise<{ value: T; peak: number; before: number }> {
  const before = process.memoryUsage().rss
  let peak = before
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  try {
    return { value: await run(), peak, before }
  } finally {
    clearInterval(timer)
  }
}
