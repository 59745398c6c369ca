/**
 * Rate-limited log lines for what an attacker can trigger at will (issue 12 item 7, docs/daemon.md
 * "Security log"): penalties given to a peer and refused inbound connections (failed or refused
 * handshakes, listener limits during a flood). Each is worth a line, but a flood must not turn
 * into a flood of lines: at most `perKey` lines per peer or address and `perWindow` lines in all
 * per window, then one summary line with the count of lines left out. Lines carry codes,
 * addresses and shortened fingerprints only, never a key, token or message.
 * @module
 */

/** Limits of a {@link RateLimitedLog}; every field has a default. */
export interface RateLimitedLogOptions {
  /** Where lines go (the daemon's stderr). */
  readonly write: (line: string) => void
  /** Length of a window in ms (default 60,000: "per minute"). */
  readonly windowMs?: number
  /** Lines per key (peer or address) per window (default 5). */
  readonly perKey?: number
  /** Lines in all per window, whatever the key (default 100). */
  readonly perWindow?: number
  /** Keys tracked per window; more fall into one shared key (default 1,024). */
  readonly maxKeys?: number
  /** Defaults to Date.now. */
  readonly clock?: () => number
}

/** Key used for sources beyond `maxKeys` in one window: memory stays bounded in a flood. */
const OTHER_KEY = 'other sources'

/**
 * Fixed-window limiter over keyed lines. A window starts with the first line after the last one
 * ended; when it ends (on the next line, or on {@link flush} from a timer), one summary line
 * tells how many lines were left out and from where.
 */
export class RateLimitedLog {
  readonly #write: (line: string) => void
  readonly #windowMs: number
  readonly #perKey: number
  readonly #perWindow: number
  readonly #maxKeys: number
  readonly #clock: () => number
  readonly #seen = new Map<string, number>()
  readonly #left = new Map<string, number>()
  #written = 0
  #suppressed = 0
  #start: number | undefined

  constructor(options: RateLimitedLogOptions) {
    this.#write = options.write
    this.#windowMs = options.windowMs ?? 60_000
    this.#perKey = options.perKey ?? 5
    this.#perWindow = options.perWindow ?? 100
    this.#maxKeys = options.maxKeys ?? 1024
    this.#clock = options.clock ?? Date.now
  }

  /** Write `line` for `key` unless a limit is reached; true when it was written. */
  log(key: string, line: string): boolean {
    const now = this.#clock()
    if (this.#start !== undefined && now - this.#start >= this.#windowMs) this.#summarize()
    this.#start ??= now
    const k = this.#seen.has(key) || this.#seen.size < this.#maxKeys ? key : OTHER_KEY
    const seen = (this.#seen.get(k) ?? 0) + 1
    this.#seen.set(k, seen)
    if (seen > this.#perKey || this.#written >= this.#perWindow) {
      this.#suppressed++
      this.#left.set(k, (this.#left.get(k) ?? 0) + 1)
      return false
    }
    this.#written++
    this.#write(line)
    return true
  }

  /** End the window if its time is up (call from a timer), or now with `force` (at stop). */
  flush(force = false): void {
    if (this.#start === undefined) return
    if (force || this.#clock() - this.#start >= this.#windowMs) this.#summarize()
  }

  #summarize(): void {
    if (this.#suppressed > 0) {
      const top = [...this.#left.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([k, n]) => `${k}: ${n}`)
      const more = this.#left.size > 3 ? `, ${this.#left.size - 3} more sources` : ''
      const seconds = Math.round(this.#windowMs / 1000)
      this.#write(
        `${this.#suppressed} similar lines suppressed in ${seconds} s (${top.join(', ')}${more})`,
      )
    }
    this.#seen.clear()
    this.#left.clear()
    this.#written = 0
    this.#suppressed = 0
    this.#start = undefined
  }
}

/** The daemon's security log: maps node events to rate-limited lines. */
export interface SecurityLog {
  /** Log `name` if it is a security event; true when the event was one (logged or counted). */
  event(name: string, detail: Readonly<Record<string, unknown>>): boolean
  /** Stop the timer and write the summary of the current window. */
  close(): void
}

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? `${v}` : '?')
/** Fingerprints are public, but shortened like every other daemon line. */
const shortFp = (v: unknown): string => (typeof v === 'string' ? `${v.slice(0, 12)}…` : '?')

/**
 * A security log over `options.write`: `penalty` events (keyed by peer) and `inbound-error`
 * events (keyed by remote address), with a timer that writes each window's summary once the
 * window ends even if the flood stopped. Other events return false.
 */
export function createSecurityLog(options: RateLimitedLogOptions): SecurityLog {
  const log = new RateLimitedLog(options)
  const timer = setInterval(() => log.flush(), options.windowMs ?? 60_000)
  timer.unref()
  return {
    event(name, detail) {
      switch (name) {
        case 'penalty': {
          const peer = shortFp(detail['peer'])
          log.log(
            `peer ${peer}`,
            `peer ${peer} penalized (${text(detail['code'])}, penalty ${text(detail['penalty'])})`,
          )
          return true
        }
        case 'inbound-error': {
          const from = text(detail['remoteAddress'])
          log.log(from, `inbound connection from ${from} refused (${text(detail['code'])})`)
          return true
        }
        default:
          return false
      }
    },
    close() {
      clearInterval(timer)
      log.flush(true)
    },
  }
}
