/**
 * Re-dial timing of the peer manager: exponential backoff with jitter, in one frozen options
 * object with documented defaults (HOUSE-STYLE: one home for limits). Pure: no timers here.
 * @module
 */

/** Re-dial timing; every field in milliseconds except `factor` and `jitter`. */
export interface BackoffOptions {
  /** Delay before the first re-dial after a failure or a drop. Default 250 ms. */
  readonly initialMs: number
  /** Longest delay; also the delay after a refusal for trust reasons. Default 30 s. */
  readonly maxMs: number
  /** Growth per consecutive failure. Default 2. */
  readonly factor: number
  /**
   * Fraction of the delay drawn at random (0..1): the delay lies in `[d * (1 - jitter), d]`, so
   * nodes that lost a common peer do not all re-dial in the same instant. Default 0.5.
   */
  readonly jitter: number
  /**
   * A connection that stayed open at least this long resets the backoff to `initialMs` when it
   * drops; a shorter one counts as a failure (a peer that accepts and drops at once is not
   * re-dialled in a tight loop). Default 10 s.
   */
  readonly resetAfterMs: number
}

/** The defaults (docs/protocol/sync.md §8.7 names the manager's re-dial; values here). */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialMs: 250,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
  resetAfterMs: 10_000,
})

/**
 * Merge overrides over {@link DEFAULT_BACKOFF}, check them and freeze the result. Options come
 * from our own config code, so a bad value is a bug.
 * @throws RangeError for a value out of range
 */
export function resolveBackoff(overrides: Partial<BackoffOptions> = {}): BackoffOptions {
  const o = { ...DEFAULT_BACKOFF, ...overrides }
  const positive = (v: number) => Number.isFinite(v) && v > 0
  if (!positive(o.initialMs)) throw new RangeError('backoff.initialMs: expected a number > 0')
  if (!positive(o.maxMs) || o.maxMs < o.initialMs)
    throw new RangeError('backoff.maxMs: expected a number >= initialMs')
  if (!Number.isFinite(o.factor) || o.factor < 1)
    throw new RangeError('backoff.factor: expected a number >= 1')
  if (!(o.jitter >= 0 && o.jitter <= 1)) throw new RangeError('backoff.jitter: expected 0..1')
  if (!Number.isFinite(o.resetAfterMs) || o.resetAfterMs < 0)
    throw new RangeError('backoff.resetAfterMs: expected a number >= 0')
  return Object.freeze(o)
}

/**
 * The delay before re-dial number `failures` (1 for the first re-dial after a failure), with
 * jitter drawn from `random` (uniform in [0, 1)).
 */
export function backoffDelay(
  options: BackoffOptions,
  failures: number,
  random: () => number = Math.random,
): number {
  const exp = Math.max(0, failures - 1)
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** exp)
  return Math.max(1, Math.round(base * (1 - options.jitter * random())))
}
