/**
 * Accounts of a test world (docs/daemon.md): homes in a temp dir with SQLite stores and the
 * cheapest scrypt the vault accepts, made as `sdmp init` (or `init --join`) makes them.
 * @module
 */
import { join } from 'node:path'
import { Account } from '@sdmp/daemon'
import type { AccountDeps } from '@sdmp/daemon'
import { SqliteStore } from '@sdmp/store-sqlite'
import { allResources, ingestAccepted, provider } from '@sdmp/testkit/node-world'

/** The cheapest scrypt the vault accepts: tests only. */
export const CHEAP_SCRYPT = Object.freeze({ N: 1024, r: 8, p: 1 })

/** Options of {@link accountDeps}. */
export interface AccountDepsOptions {
  /** Encrypts the vault (the `SDMP_PASSPHRASE` of a real home). */
  readonly passphrase?: string
  /** The account's clock (to move time in a restart). */
  readonly clock?: () => number
}

/** Account dependencies for `home`: the world's provider, a SQLite store, cheap scrypt. */
export function accountDeps(home: string, options: AccountDepsOptions = {}): AccountDeps {
  return {
    home,
    provider,
    createStore: (dir) => new SqliteStore({ dir, sha512: provider.sha512 }),
    scrypt: CHEAP_SCRYPT,
    ...(options.passphrase !== undefined && { passphrase: options.passphrase }),
    ...(options.clock && { clock: options.clock }),
  }
}

/** `init` (or `init --join`) the home `dir/name`. */
export function createAccount(dir: string, name: string, join = false): Promise<Account> {
  return Account.create(accountDeps(`${dir}/${name}`), { name, join })
}

/**
 * What sync does between two homes, in process: every resource of `from`'s store is offered to
 * the ingest pipeline of the account at `to`; all must be accepted. Neither home may be open.
 */
export async function syncHomes(from: string, to: string): Promise<void> {
  const source = new SqliteStore({ dir: join(from, 'store'), sha512: provider.sha512 })
  await source.open()
  let bytes: Uint8Array[]
  try {
    bytes = await allResources(source)
  } finally {
    await source.close()
  }
  const account = await Account.open({
    home: to,
    provider,
    createStore: (dir) => new SqliteStore({ dir, sha512: provider.sha512 }),
  })
  try {
    await ingestAccepted(account.ingestor, bytes)
  } finally {
    await account.close()
  }
}
