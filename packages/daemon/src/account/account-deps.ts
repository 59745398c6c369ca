/**
 * The collaborators an account is opened or created with (crypto provider, store factory,
 * passphrase, clock): injected, so nothing in the account reads the environment.
 * @module
 */
import type { CryptoProvider } from '@sdmp/core'
import type { ScryptParams, Store } from '@sdmp/store'
import type { QuotaLimits } from '@sdmp/node'
import type { HomeStore } from './home-files.js'

/** What opening or creating an account needs. */
export interface AccountDeps {
  /** Absolute home directory. */
  readonly home: string
  readonly provider: CryptoProvider
  /**
   * A new, unopened store: SQLite rooted at `dir` (`<home>/store`), or the shared store config.json
   * names (`shared`, docs/scale.md); the account opens and closes it. It may answer a promise, so
   * a driver is loaded only by the homes that use it (the CLI imports `pg` for PostgreSQL homes
   * only: docs/scale.md).
   */
  readonly createStore: (dir: string, shared?: HomeStore) => Store | Promise<Store>
  /** Passphrase for secrets at rest; omit for a home without one. */
  readonly passphrase?: string
  /** scrypt cost for a new vault (tests pass cheap ones). */
  readonly scrypt?: ScryptParams
  /** Defaults to Date.now. */
  readonly clock?: () => number
  /**
   * Storage quotas for resources from peers (sync.md §9), beyond the defaults: a host sets a
   * total per hosted user (docs/scale.md "A host for many users").
   */
  readonly quota?: Partial<QuotaLimits>
}
