/**
 * The account of one sdmp home: this node's keys (and the user key on the first device), its
 * store, secret vault and ingest pipeline, opened together under the store's exclusive lock.
 * A command opens it for its own run when no daemon runs; the daemon holds it while it runs
 * (docs/cli.md §1).
 * Collaborators (crypto provider, store factory, clock) are injected; nothing here reads env.
 * @module
 */
import { RevocationWatch, findRevocation, revokedError } from './revocation.js'
import type { Revocation } from './revocation.js'
import { ErrorCode, ProtocolError, signResource, toBase64url } from '@sdmp/core'
import type {
  Authorization,
  CryptoProvider,
  DecodedResource,
  JsonObject,
  ResourceDraft,
  SigningKey,
  TrustInfo,
} from '@sdmp/core'
import type { SecretVault, Store } from '@sdmp/store'
import type { IngestOutcome, Ingestor, Publication } from '@sdmp/node'
import { encodeJoinRequest } from './codec.js'
import { SECRET_NAMES } from './secret-names.js'

export { SECRET_NAMES } from './secret-names.js'
import { createAccount, openAccount } from './account-open.js'
import type { AccountCreateOptions, AccountParts } from './account-open.js'
import { homePaths, writeHomeConfig } from './home-files.js'
import type { HomeConfig } from './home-files.js'
import type { AccountDeps } from './account-deps.js'

export type { AccountDeps } from './account-deps.js'

/** An open account. Close it to release the store lock. */
export class Account {
  readonly home: string
  readonly provider: CryptoProvider
  readonly store: Store
  readonly vault: SecretVault
  readonly ingestor: Ingestor
  readonly nodeKey: SigningKey
  /** Shown once by `init`: the words of the recovery key (never stored; keys.md §4). */
  readonly recoveryWords: string | undefined
  #userKey: SigningKey | undefined
  #config: HomeConfig
  readonly #userListeners = new Set<(user: string) => void>()
  readonly #clock: () => number
  readonly #revocation: RevocationWatch

  private constructor(deps: AccountDeps, parts: AccountParts) {
    this.home = deps.home
    this.provider = deps.provider
    this.#clock = deps.clock ?? Date.now
    this.store = parts.store
    this.vault = parts.vault
    this.ingestor = parts.ingestor
    // What peers push is stored only within this user's trust closure (docs/protocol/sync.md §9).
    this.ingestor.user = () => this.user
    // A revocation of this device that arrives by sync is noticed at once (trust.md §6.1).
    this.#revocation = new RevocationWatch(deps.home)
    this.ingestor.onAppended((lines) => {
      if (this.revoked === undefined && lines.some((l) => l.resource.kind === 'revoke'))
        void this.checkRevoked().catch(() => undefined) // a store error: checked again at open
    })
    this.#config = parts.config
    this.nodeKey = parts.nodeKey
    this.#userKey = parts.userKey
    this.recoveryWords = parts.recoveryWords
  }

  /** The user's identity key: present only on the device that holds it (init, recover). */
  get userKey(): SigningKey | undefined {
    return this.#userKey
  }

  /**
   * `sdmp init`: a new user and this node, fully authorized, with a signed prekey; everything
   * validated, stored and journaled. `join` instead creates only a node key (`init --join`).
   * The home gets listen ports of its own (home-ports.ts); `wellKnownPorts` starts the search
   * from 7420/7421 (the default home).
   * @throws CONFLICT (a home exists), IN_USE, UNAVAILABLE
   */
  static create(deps: AccountDeps, options: AccountCreateOptions = {}): Promise<Account> {
    return createAccount(deps, options, (parts) => new Account(deps, parts))
  }

  /**
   * Open an existing home: config, store (exclusive lock), vault, keys, trust graph.
   * @throws NOT_FOUND (no home), IN_USE (another process holds it), UNAUTHORIZED (passphrase
   *   missing or wrong), INCOMPATIBLE_STORE (keys do not match config.json), FORBIDDEN (the home
   *   or its key/store files are accessible by other users: docs/security.md, issue 12)
   */
  static open(deps: AccountDeps): Promise<Account> {
    return openAccount(deps, (parts) => new Account(deps, parts))
  }

  /**
   * A joined device learns its user once the trust has arrived (by sync or `device join`);
   * remember it in config.json. Called on open and by whoever ingests new trusts.
   */
  learnUser(): void {
    if (this.#config.user !== null) return
    const users = this.ingestor.graph.usersOfNode(this.node, this.now())
    if (users.length !== 1) return
    this.#config = { ...this.#config, user: users[0]! }
    writeHomeConfig(this.home, this.#config)
  }

  /** config.json as loaded (and updated). */
  get config(): HomeConfig {
    return this.#config
  }

  /** When and by whom this device was revoked, once it knows (trust.md §6.1). */
  get revoked(): Revocation | undefined {
    return this.#revocation.revoked
  }

  /** Be told once when this device learns it was revoked. */
  onRevoked(listener: (r: Revocation) => void): () => void {
    return this.#revocation.onRevoked(listener)
  }

  /**
   * Look for a revocation of this device in the store; record it (`<home>/revoked.json`) and
   * tell the listeners the first time it is found.
   */
  checkRevoked(): Promise<Revocation | undefined> {
    return this.#revocation.check(() =>
      findRevocation(
        { store: this.store, provider: this.provider, graph: this.ingestor.graph },
        this.user,
        this.node,
        this.now(),
      ),
    )
  }

  /** This node's fingerprint. */
  get node(): string {
    return this.nodeKey.fingerprint
  }

  /** The user fingerprint, or undefined on a joined device not yet authorized. */
  get user(): string | undefined {
    return this.#config.user ?? undefined
  }

  /** Absolute path of the store. */
  get storePath(): string {
    return homePaths(this.home).store
  }

  /** The account's clock, ms. */
  now(): number {
    return this.#clock()
  }

  /** The join request of this (joined) device: its identity, to authorize on the first one. */
  async joinRequest(): Promise<string> {
    const id = this.ingestor.graph.identity(this.node)?.id
    const bytes = id === undefined ? undefined : await this.store.getResource(id)
    if (!bytes) throw new Error('join request: this node has no stored identity')
    return encodeJoinRequest(bytes)
  }

  /**
   * The user fingerprint, for commands that act for the user.
   * @throws FORBIDDEN on a joined device whose trust has not arrived yet
   */
  requireUser(): string {
    const user = this.user
    if (user === undefined)
      throw new ProtocolError(
        ErrorCode.FORBIDDEN,
        'this device is not authorized yet: run sdmp device authorize REQUEST on your first device, then sync',
      )
    return user
  }

  /** Sign a draft with one key, created now. */
  signWith(key: SigningKey, draft: ResourceDraft): DecodedResource {
    return signResource(this.provider, { created: this.now(), ...draft }, [key])
  }

  /** A self-signed identity resource for `key`; `extra`: recovery commitment, rotation. */
  identity(
    key: SigningKey,
    type: 'user' | 'node',
    name?: string,
    extra: JsonObject = {},
  ): DecodedResource {
    return this.signWith(key, {
      kind: 'identity',
      user: key.fingerprint,
      data: {
        type,
        key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(key.publicKey) },
        ...(name !== undefined && { name }),
        ...extra,
      },
    })
  }

  /** Record the user's display name in config.json (after a new profile: profile.ts). */
  rename(name: string): void {
    this.#config = { ...this.#config, name }
    writeHomeConfig(this.home, this.#config)
  }

  /** Record the claimed address in config.json (`whoami` reads it alone); undefined drops it. */
  setAddress(address: string | undefined): void {
    const { address: _old, ...rest } = this.#config
    this.#config = address === undefined ? rest : { ...rest, address }
    writeHomeConfig(this.home, this.#config)
  }

  /**
   * Act for `user` from now on (a rotation, keys.md §5): config.json names it, the vault holds
   * its key when given (the device that rotated or recovered), and listeners (the daemon's
   * network) are told. The key is written before config.json: a crash between the two leaves
   * a home that still opens as the old user (INCOMPATIBLE_STORE is never the outcome; see open).
   */
  async adoptUser(user: string, userKey?: SigningKey): Promise<void> {
    if (userKey !== undefined) {
      if (userKey.fingerprint !== user) throw new Error('adoptUser: key does not match user')
      await this.vault.put(SECRET_NAMES.userSeedNext, userKey.seed)
    }
    this.#config = { ...this.#config, user, joined: userKey === undefined && this.#config.joined }
    writeHomeConfig(this.home, this.#config)
    if (userKey !== undefined) {
      await this.vault.put(SECRET_NAMES.userSeed, userKey.seed)
      await this.vault.delete(SECRET_NAMES.userSeedNext)
      this.#userKey = userKey
    } else if (this.#userKey !== undefined) {
      // Another device rotated: the old key no longer signs for anyone we act for.
      await this.vault.delete(SECRET_NAMES.userSeed)
      this.#userKey = undefined
    }
    for (const l of this.#userListeners) l(user)
  }

  /** Be told when this device starts acting for another user identity (a rotation). */
  onUserChanged(listener: (user: string) => void): () => void {
    this.#userListeners.add(listener)
    return () => this.#userListeners.delete(listener)
  }

  /** This node's trusts from its user in force now that grant `need`. */
  nodeTrusts(need: Authorization | 'any' = 'any'): TrustInfo[] {
    const user = this.user
    if (user === undefined) return []
    return this.ingestor.graph.trustsBetween(user, this.node, this.now(), need)
  }

  /**
   * Sign for the user: with the user key when this device holds it and `need` is a trust or a
   * revocation (no delegation chain to break), otherwise with the node key under its own trust.
   * @throws FORBIDDEN when this node holds no trust granting `need`
   */
  signForUser(draft: Omit<ResourceDraft, 'user' | 'trust'>, need: Authorization): DecodedResource {
    const user = this.requireUser()
    if (this.revoked !== undefined) throw revokedError(this.revoked)
    if (this.userKey && (need === 'create_trust' || need === 'revoke'))
      return this.signWith(this.userKey, { ...draft, user })
    const trust = this.nodeTrusts(need)[0]
    if (trust === undefined)
      throw new ProtocolError(ErrorCode.FORBIDDEN, `this node may not ${need} for its user`)
    return this.signWith(this.nodeKey, { ...draft, user, trust: trust.id })
  }

  /**
   * Ingest resources this node signed or accepted: validated, stored and journaled. Decoded
   * ones go in as they are (never encoded and decoded again: docs/architecture.md).
   * @throws the ProtocolError code of the first resource that was not stored
   */
  publish(resources: readonly (DecodedResource | Uint8Array)[]): Promise<IngestOutcome[]> {
    return this.#publish(resources.map((r) => (r instanceof Uint8Array ? r : { resource: r })))
  }

  /**
   * Publish an envelope this node sealed, with the inner resource it carries: the mailbox
   * indexes it from the inner resource without opening the envelope (docs/messaging.md "Send").
   * @throws as {@link publish}
   */
  async publishSealed(outer: DecodedResource, inner: DecodedResource): Promise<IngestOutcome> {
    const [outcome] = await this.#publish([{ resource: outer, inner }])
    return outcome!
  }

  async #publish(items: readonly (Publication | Uint8Array)[]): Promise<IngestOutcome[]> {
    if (this.revoked !== undefined) throw revokedError(this.revoked)
    const outcomes = await this.ingestor.publish(items)
    const bad = outcomes.find((o) => o.status !== 'stored' && o.status !== 'duplicate')
    if (bad !== undefined)
      throw new ProtocolError(
        (bad.code as ErrorCode | undefined) ?? ErrorCode.BAD_REQUEST,
        bad.message ?? `resource ${bad.status}`,
      )
    return outcomes
  }

  /** Release the store (and its lock). Idempotent. */
  async close(): Promise<void> {
    await this.store.close()
  }
}
