/**
 * How account commands open the home: the passphrase (`--passphrase-file FILE`, else
 * SDMP_PASSPHRASE), the SQLite store under `<home>/store` (or the PostgreSQL schema config.json
 * names, docs/scale.md, whose driver is imported only then) and the native crypto provider, then
 * the account from @sdmp/node, closed after the command whatever happens. Loaded lazily by the
 * commands' `run`, so `sdmp --help` never pays for it.
 * @module
 */
import { readFileSync } from 'node:fs'
import { createNodeProvider } from '@sdmp/crypto-node'
import type { Sha512 } from '@sdmp/core'
import { Account } from '@sdmp/daemon/account'
import type { AccountDeps, HomeStore } from '@sdmp/daemon/account'
import type { Store } from '@sdmp/store'
import { SqliteStore } from '@sdmp/store-sqlite'
import type { CommandContext } from '../command.js'
import { CliError } from '../cli-error.js'
import { PROTOCOL_EXIT_CODES } from '../exit-codes.js'

/**
 * The passphrase for secrets at rest, if any. A file's single trailing newline is dropped.
 * @throws CliError NOT_FOUND (unreadable file), BAD_REQUEST (empty passphrase)
 */
export function passphraseOf(ctx: CommandContext): string | undefined {
  const file = ctx.options['passphrase-file']
  let value: string | undefined
  if (typeof file === 'string') {
    try {
      value = readFileSync(file, 'utf8').replace(/\r?\n$/, '')
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? 'error'
      throw new CliError(
        'NOT_FOUND',
        `cannot read passphrase file ${file} (${why})`,
        PROTOCOL_EXIT_CODES.NOT_FOUND,
      )
    }
  } else value = ctx.env['SDMP_PASSPHRASE']
  if (value === undefined) return undefined
  if (value === '')
    throw new CliError('BAD_REQUEST', 'passphrase: empty', PROTOCOL_EXIT_CODES.BAD_REQUEST)
  return value
}

/**
 * The PostgreSQL store of a home whose config.json names one. Its module (and `pg` with it) is
 * imported here, on first use, so commands on SQLite homes never load the driver
 * (test/lazy-pg.test.ts).
 */
async function postgresStore(shared: HomeStore, sha512: Sha512): Promise<Store> {
  const { createPostgresStore } = await import('@sdmp/store-postgres')
  return createPostgresStore({ url: shared.url, schema: shared.schema, sha512 })
}

/**
 * The account dependencies for the command's home. `daemon`: the process keeps the home open
 * for long, so its SQLite store reserves its WAL when it opens (docs/store.md §3 "WAL reserved
 * at open"); one-shot commands skip that write.
 */
export function accountDeps(ctx: CommandContext, { daemon = false } = {}): AccountDeps {
  const provider = createNodeProvider()
  const passphrase = passphraseOf(ctx)
  return {
    home: ctx.home,
    provider,
    createStore: (dir, shared) =>
      shared === undefined
        ? new SqliteStore({ dir, sha512: provider.sha512, reserveWal: daemon })
        : postgresStore(shared, provider.sha512),
    ...(passphrase !== undefined && { passphrase }),
  }
}

/**
 * How `contact add name@domain` finds DNS resolvers: SDMP_DNS_SERVER, a comma-separated list of
 * `IP[:PORT]` (docs/cli.md "Addresses"); unset, the system's resolvers.
 */
export function addressLookupOf(ctx: CommandContext): { dnsServers?: string[] } {
  const v = ctx.env['SDMP_DNS_SERVER']
  if (v === undefined || v.trim() === '') return {}
  return { dnsServers: v.split(',').map((s) => s.trim()) }
}

/** Open the home's account, run `fn`, close it (releasing the store lock) even on failure. */
export async function withAccount<T>(
  ctx: CommandContext,
  fn: (account: Account) => Promise<T>,
): Promise<T> {
  const account = await Account.open(accountDeps(ctx))
  try {
    return await fn(account)
  } finally {
    await account.close()
  }
}
