/**
 * A flood of silent TCP connections from many loopback source addresses, re-opened as the
 * server drops them: the attacker of docs/security.md "Hardening (issue 12)". Bounded by a
 * total number of opens so a test can never spin forever.
 * @module
 */
import { connect as netConnect } from 'node:net'
import type { Socket } from 'node:net'

/** Options of {@link startSilentFlood}. */
export interface SilentFloodOptions {
  /** Where to connect (127.0.0.1 by default). */
  readonly host?: string
  readonly port: number
  /** Source addresses to connect from (Linux routes all of 127.0.0.0/8 to loopback). */
  readonly sources: readonly string[]
  /** Connections each source keeps open. */
  readonly perSource: number
  /** The attacker's pace: wait this long before re-opening a dropped connection. */
  readonly reopenDelayMs: number
  /** Stop re-opening after this many opens in total. */
  readonly maxOpens: number
}

/** A running flood. */
export interface SilentFlood {
  /** Connections opened so far (including the first ones). */
  readonly opened: number
  /** Connections the server closed so far. */
  readonly closedByServer: number
  /** Stop re-opening and destroy every open connection. */
  stop(): void
}

/**
 * Open `perSource` silent connections from each source and keep them open: whenever the server
 * closes one, open another after `reopenDelayMs`, until `maxOpens`.
 * @example
 * const flood = startSilentFlood({ port, sources: ['127.0.0.2'], perSource: 2, reopenDelayMs: 50, maxOpens: 500 })
 * t.after(() => flood.stop())
 */
export function startSilentFlood(options: SilentFloodOptions): SilentFlood {
  const open = new Set<Socket>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let opened = 0
  let closedByServer = 0
  let stopped = false
  const slot = (source: string): void => {
    if (stopped || opened >= options.maxOpens) return
    opened++
    const s = netConnect({
      host: options.host ?? '127.0.0.1',
      port: options.port,
      localAddress: source,
    })
    open.add(s)
    s.on('error', () => {}) // resets are the point of the exercise
    s.on('close', () => {
      open.delete(s)
      if (stopped) return
      closedByServer++
      const t = setTimeout(() => {
        timers.delete(t)
        slot(source)
      }, options.reopenDelayMs)
      timers.add(t)
    })
  }
  for (const source of options.sources) for (let i = 0; i < options.perSource; i++) slot(source)
  return {
    get opened() {
      return opened
    },
    get closedByServer() {
      return closedByServer
    },
    stop() {
      stopped = true
      for (const t of timers) clearTimeout(t)
      for (const s of open) s.destroy()
    },
  }
}

/** `127.0.0.<from>` .. `127.0.0.<to>`. */
export function loopbackRange(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `127.0.0.${from + i}`)
}
