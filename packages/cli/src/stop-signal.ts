/**
 * How foreground commands (`start`, `host start`, `rendezvous start`) learn they must stop.
 * @module
 */

/**
 * Resolves with the first SIGINT or SIGTERM, then leaves both signals to their defaults again.
 * Call it BEFORE printing the line that says the service listens: whoever reads that line may
 * signal at once, and until a listener exists a signal ends the process without a clean stop.
 */
export function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      resolve(s)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}
