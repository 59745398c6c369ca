/**
 * Every fuzz target, in run order (docs/fuzz.md §3). A new target is one `defineTarget` in
 * targets/ plus its list here.
 * @module
 */
import type { FuzzTarget } from './target.js'
import { CLI_TARGETS } from './targets/cli.js'
import { CORE_TARGETS } from './targets/core.js'
import { HTTP_TARGETS } from './targets/http.js'
import { SESSION_TARGETS } from './targets/session.js'
import { SOCKET_TARGETS } from './targets/sockets.js'
import { SYNC_TARGETS } from './targets/sync.js'
import { TRANSPORT_TARGETS } from './targets/transport.js'

/** All targets. */
export const TARGETS: readonly FuzzTarget[] = [
  ...CORE_TARGETS,
  ...SYNC_TARGETS,
  ...TRANSPORT_TARGETS,
  ...SESSION_TARGETS,
  ...CLI_TARGETS,
  ...HTTP_TARGETS,
  ...SOCKET_TARGETS,
]

/**
 * The targets named by `filters` (exact name, or a prefix ending at a dot: `sync` selects
 * `sync.wire`, `sync.session`, ...); all when `filters` is empty.
 * @throws Error naming an unknown filter
 */
export function selectTargets(filters: readonly string[]): FuzzTarget[] {
  if (filters.length === 0) return [...TARGETS]
  const hit = (t: FuzzTarget, f: string) => t.name === f || t.name.startsWith(`${f}.`)
  for (const f of filters)
    if (!TARGETS.some((t) => hit(t, f)))
      throw new Error(`unknown target '${f}' (known: ${TARGETS.map((t) => t.name).join(', ')})`)
  return TARGETS.filter((t) => filters.some((f) => hit(t, f)))
}
