/**
 * In-process daemons for tests (docs/daemon.md): accounts on SQLite in a temporary directory,
 * daemons on loopback port 0 with fast backoff, and their typed API clients.
 * @module
 */
import { SdmpHttpClient } from '@sdmp/client'
import { createNodeProvider } from '@sdmp/crypto-node'
import { SqliteStore } from '@sdmp/store-sqlite'
import { Account, readApiToken } from '../src/account/index.js'
import type { AccountDeps } from '../src/account/index.js'
import { Daemon } from '../src/daemon/index.js'

const provider = createNodeProvider()
const running: Daemon[] = []

/** A running daemon and a client of its API. */
export interface TestDaemon {
  readonly home: string
  readonly daemon: Daemon
  readonly api: SdmpHttpClient
}

/** Account dependencies for `home` (cheapest scrypt the vault accepts: tests only). */
export const daemonDeps = (home: string): AccountDeps => ({
  home,
  provider,
  createStore: (dir) => new SqliteStore({ dir, sha512: provider.sha512 }),
  scrypt: { N: 1024, r: 8, p: 1 },
})

/** `init` (or `init --join`) a home `dir/name`. */
export function createAccount(dir: string, name: string, join = false): Promise<Account> {
  return Account.create(daemonDeps(`${dir}/${name}`), { name, join })
}

/** Start a daemon on loopback (port 0) for `account`. */
export async function startDaemon(account: Account): Promise<TestDaemon> {
  const daemon = await Daemon.start({
    account,
    peer: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    backoff: { initialMs: 50, maxMs: 500 },
  })
  running.push(daemon)
  const api = new SdmpHttpClient({ url: daemon.apiUrl!, token: readApiToken(account.home) })
  return { home: account.home, daemon, api }
}

/** Stop every daemon started so far (register with `afterEach`). */
export async function stopDaemons(): Promise<void> {
  await Promise.all(running.splice(0).map((d) => d.stop()))
}
