/**
 * How far V8 lets a long-running node's heap grow past what is live (docs/daemon.md §4
 * "Memory"; issue 14: flat RSS over 100,000 messages).
 * @module
 */
import { setFlagsFromString } from 'node:v8'

/**
 * After each full collection V8 sets the next one's threshold to the live heap times a growing
 * factor. On a machine with a big heap limit that factor goes up to 4: a daemon with ~40 MiB
 * live let its heap reach 160 MiB of garbage before collecting, and its RSS 260-290 MiB, during
 * 100,000 messages. 1.5 keeps the peak at ~175 MiB for ~2% more CPU (measured in
 * docs/load.md §5 "Seventh pass").
 */
export const HEAP_GROWING_PERCENT = 50

/**
 * Bound the heap's growth for the rest of this process, unless Node was started with its own
 * `--heap-growing-percent` (`node --heap-growing-percent=N sdmp start`: the operator's choice
 * wins). For the processes that run a node (`sdmp start`, `sdmp host start`), not for one-shot
 * commands, which end before it matters. V8 reads this flag at every full collection, so
 * setting it after start-up takes effect. Returns whether it set the flag.
 */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a))) return false
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
  return true
}
