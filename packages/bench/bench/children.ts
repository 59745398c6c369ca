/**
 * Processes a bench starts (daemons, Prosody) die with it. `npm run bench` runs each bench module
 * in a child process; stopping that process by a signal (`kill`, `pkill -f bench/run.mjs`, a CI
 * timeout) used to leave its daemons running, because only Ctrl-C in a terminal reaches the whole
 * process group. {@link track} registers a started process; on the first SIGTERM, SIGINT or
 * SIGHUP every tracked process still running gets SIGKILL and the bench exits with 128 + the
 * signal number, as the default action would. docs/load.md §4.
 * @module
 */
import type { ChildProcess } from 'node:child_process'
import { constants } from 'node:os'

const live = new Set<ChildProcess>()
let installed = false

/** Kill `child` with this process if a signal stops it first; forgotten once the child exits. */
export function track<C extends ChildProcess>(child: C): C {
  if (child.exitCode !== null || child.signalCode !== null) return child
  live.add(child)
  child.once('exit', () => live.delete(child))
  if (!installed) {
    installed = true
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
      process.once(signal, () => {
        for (const c of live) c.kill('SIGKILL')
        process.exit(128 + constants.signals[signal])
      })
  }
  return child
}
