/**
 * `sdmp init --attach`: one more instance of a node whose store is shared (PostgreSQL,
 * docs/scale.md "Instances as daemon processes"). The node's keys are secrets in that store's
 * vault, so a new home directory needs only config.json (naming the node found in the store, its
 * own listen ports and an instance name) and its own api-token, daemon.json and api.sock.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { ErrorCode, ProtocolError, signingKeyFromSeed } from '@sdmp/core'
import { Account } from './account.js'
import type { AccountDeps } from './account-deps.js'
import {
  assertNoHome,
  createHomeDir,
  homePaths,
  newHomeConfig,
  writeHomeConfig,
} from './home-files.js'
import type { HomeStore } from './home-files.js'
import { chooseHomePorts } from './home-ports.js'
import { SECRET_NAMES } from './secret-names.js'
import { loadKey, openVault } from './vault-keys.js'

/**
 * Create a home at `deps.home` for another instance of the node in `shared`, then open it.
 * @param instance the instance name (INSTANCE_NAME); default: 8 random hex digits
 * @throws CONFLICT (a home exists), NOT_FOUND (the store holds no node yet: init it first),
 *   UNAUTHORIZED (passphrase), INCOMPATIBLE_STORE (keys missing), UNAVAILABLE
 */
export async function attachInstance(
  deps: AccountDeps,
  shared: HomeStore,
  instance: string = randomBytes(4).toString('hex'),
): Promise<Account> {
  const { home, provider } = deps
  assertNoHome(home)
  const ports = await chooseHomePorts(home, false)
  const store = await deps.createStore(homePaths(home).store, shared)
  let node: string
  let user: string | undefined
  try {
    await store.open()
    const first = (await store.readJournal(0, 1))[0]
    if (first === undefined)
      throw new ProtocolError(
        ErrorCode.NOT_FOUND,
        'the store holds no node yet: create it with sdmp init --store first',
      )
    node = first.line
    const vault = await openVault(store, deps)
    await loadKey(provider, vault, SECRET_NAMES.nodeSeed, node)
    // A first device's node holds the user key; a joined one learns its user on open.
    const seed = await vault.get(SECRET_NAMES.userSeed)
    user = seed === undefined ? undefined : signingKeyFromSeed(provider, seed).fingerprint
  } finally {
    await store.close()
  }
  createHomeDir(home)
  try {
    const config = newHomeConfig(node, user, undefined, Date.now(), ports, shared)
    writeHomeConfig(home, { ...config, joined: user === undefined, instance })
    return await Account.open(deps)
  } catch (e) {
    // Cleanup after a failure: the original error is what the caller must see.
    rmSync(homePaths(home).config, { force: true })
    rmSync(homePaths(home).apiToken, { force: true })
    throw e
  }
}
