/**
 * How an {@link Account} comes to be: `sdmp init` creating a new home (keys, store, config.json,
 * the first identities, trust, prekey and profile) and the opening of an existing one (config,
 * store lock, vault, keys, trust graph, revocation and blocks). Whatever fails on the way closes
 * the store again and reports the original error. The Account is built from its parts by
 * account.ts, whose constructor is private.
 * @module
 */
import { rmSync } from 'node:fs'
import { ErrorCode, ProtocolError, generateSigningKey, recoveryCommitment } from '@sdmp/core'
import type { SigningKey } from '@sdmp/core'
import { SecretVault } from '@sdmp/store'
import type { Store } from '@sdmp/store'
import { Ingestor } from '@sdmp/node'
import type { Account } from './account.js'
import type { AccountDeps } from './account-deps.js'
import { FULL_AUTHORIZATION } from './authorizations.js'
import { loadBlocks } from './blocks.js'
import {
  assertNoHome,
  createHomeDir,
  homePaths,
  newHomeConfig,
  readHomeConfig,
  writeHomeConfig,
} from './home-files.js'
import type { HomeConfig, HomeStore } from './home-files.js'
import { assertPrivateHome } from './home-perms.js'
import { chooseHomePorts } from './home-ports.js'
import { publishPrekey } from './prekey-publish.js'
import { newRecoveryKey } from './recovery-words.js'
import { SECRET_NAMES } from './secret-names.js'
import { loadKey, loadUserKey, openVault, vaultOptions } from './vault-keys.js'

/** What an {@link Account} is built from, once its store is open and its keys are loaded. */
export interface AccountParts {
  store: Store
  vault: SecretVault
  ingestor: Ingestor
  config: HomeConfig
  nodeKey: SigningKey
  userKey: SigningKey | undefined
  recoveryWords?: string
}

/** Options of `Account.create` (`sdmp init`). */
export interface AccountCreateOptions {
  name?: string
  join?: boolean
  wellKnownPorts?: boolean
  store?: HomeStore
}

/** `Account.create`: a new home at `deps.home`; `build` makes the Account from its parts. */
export async function createAccount(
  deps: AccountDeps,
  options: AccountCreateOptions,
  build: (parts: AccountParts) => Account,
): Promise<Account> {
  const { home, provider } = deps
  assertNoHome(home)
  // Before anything is written: a home of its own ports (issue 15 item 7, home-ports.ts).
  const ports = await chooseHomePorts(home, options.wellKnownPorts === true)
  createHomeDir(home)
  const paths = homePaths(home)
  const store = await deps.createStore(paths.store, options.store)
  try {
    await store.open()
    // A shared store of another node: refused before a key is made (initJournal would too).
    if ((await store.journalHead()) !== undefined)
      throw new ProtocolError(
        ErrorCode.CONFLICT,
        'the store already holds a node: use init --attach to run another instance of it',
      )
    const vault = await SecretVault.open(store, vaultOptions(deps))
    const now = (deps.clock ?? Date.now)()
    const nodeKey = generateSigningKey(provider)
    const userKey = options.join === true ? undefined : generateSigningKey(provider)
    await store.initJournal(nodeKey.fingerprint)
    await vault.put(SECRET_NAMES.nodeSeed, nodeKey.seed)
    if (userKey) await vault.put(SECRET_NAMES.userSeed, userKey.seed)
    const config = newHomeConfig(
      nodeKey.fingerprint,
      userKey?.fingerprint,
      options.name,
      now,
      ports,
      options.store,
    )
    const ingestor = new Ingestor({
      provider,
      store,
      ...(deps.clock && { clock: deps.clock }),
      ...(deps.quota && { quota: deps.quota }),
    })
    // The recovery key is shown once as words and only its commitment is published.
    const recovery = userKey === undefined ? undefined : newRecoveryKey(provider)
    const account = build({
      store,
      vault,
      ingestor,
      config,
      nodeKey,
      userKey,
      ...(recovery && { recoveryWords: recovery.words }),
    })
    const nodeName = userKey === undefined ? options.name : undefined
    const published = [account.identity(nodeKey, 'node', nodeName)]
    if (userKey && recovery)
      published.unshift(
        account.identity(userKey, 'user', options.name, {
          recovery: recoveryCommitment(provider, recovery.key.publicKey),
        }),
      )
    await account.publish(published)
    if (userKey) await initUser(account, userKey, options.name)
    // Written last: a home without config.json is an unfinished init (assertNoHome says so).
    writeHomeConfig(home, config)
    return account
  } catch (e) {
    // Cleanup after a failure: the original error is what the caller must see.
    await store.close().catch(() => undefined)
    rmSync(paths.store, { recursive: true, force: true })
    rmSync(paths.apiToken, { force: true })
    throw e
  }
}

/** The trust from the new user to this node, its prekey and profile. */
async function initUser(
  account: Account,
  userKey: SigningKey,
  name: string | undefined,
): Promise<void> {
  const trust = account.signWith(userKey, {
    kind: 'trust',
    user: userKey.fingerprint,
    data: { trustee: account.nodeKey.fingerprint, authorization: [...FULL_AUTHORIZATION] },
  })
  const profile =
    name === undefined
      ? []
      : [account.signWith(userKey, { kind: 'user', user: userKey.fingerprint, data: { name } })]
  await account.publish([trust, ...profile])
  await publishPrekey(account)
}

/** `Account.open`: the existing home at `deps.home`; `build` makes the Account from its parts. */
export async function openAccount(
  deps: AccountDeps,
  build: (parts: AccountParts) => Account,
): Promise<Account> {
  const { home, provider } = deps
  const config = readHomeConfig(home)
  assertPrivateHome(home)
  const store = await deps.createStore(homePaths(home).store, config.store)
  try {
    await store.open()
    const vault = await openVault(store, deps)
    const nodeKey = await loadKey(provider, vault, SECRET_NAMES.nodeSeed, config.node)
    const userKey = await loadUserKey(provider, vault, SECRET_NAMES, config.user)
    const ingestor = new Ingestor({
      provider,
      store,
      ...(deps.clock && { clock: deps.clock }),
      ...(deps.quota && { quota: deps.quota }),
    })
    await ingestor.loadTrustGraph()
    const account = build({ store, vault, ingestor, config, nodeKey, userKey })
    account.learnUser()
    await account.checkRevoked()
    await loadBlocks(account)
    return account
  } catch (e) {
    // Cleanup after a failure: the original error is what the caller must see.
    await store.close().catch(() => undefined)
    throw e
  }
}
