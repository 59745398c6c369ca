/**
 * Prekeys for the mailbox (docs/protocol/envelope.md §7, docs/messaging.md "Prekeys"): the
 * recipient keys a sender wraps to (each reading node's newest valid prekey), this node's own
 * prekey secrets for opening, and rotation with deletion of expired secrets.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  decodeResource,
  fromBase64url,
  fromBase64urlExact,
  isSuite,
  prekeyId,
  prekeyNeedsRotation,
  prekeyRecordOf,
  prekeySecretsToDelete,
  selectPrekeys,
  validateResource,
} from '@sdmp/core'
import type { ContentData, PrekeyRecord, RecipientSecret } from '@sdmp/core'
import { SerialQueue } from '@sdmp/node'
import type { Account } from '../account/account.js'
import { SECRET_NAMES } from '../account/account.js'
import { publishPrekey } from '../account/prekey-publish.js'
import type { SessionBook } from './sessions.js'

/** Recipient keys for a set of users, and the users none of whose devices can receive. */
export interface Recipients {
  readonly keys: PrekeyRecord[]
  readonly missing: string[]
}

/** The prekeys of one user read so far (PrekeyBook.recordsOf). */
interface UserPrekeys {
  /** The journal position read up to. */
  after: number
  /** `Ingestor.appendedOf('prekey')` when last read (-1: never). */
  read: number
  /** Verified records, in journal order. */
  readonly records: PrekeyRecord[]
  /** Ids stored but not verified yet. */
  readonly unverified: string[]
}

/** Prekey lookups of one account, with the verified prekey records of each user read so far. */
export class PrekeyBook {
  readonly #account: Account
  /** Per user: its verified records in journal order, read up to `after` (recordsOf). */
  readonly #byUser = new Map<string, UserPrekeys>()
  readonly #reading = new SerialQueue()
  #secrets: RecipientSecret[] | undefined
  /**
   * The mailbox's sessions (sessions.ts), which every sealed send goes through; set by the
   * mailbox once its index queue exists.
   */
  sessions: SessionBook | undefined

  constructor(account: Account) {
    this.#account = account
  }

  /**
   * Every verifiable stored prekey record published for `user`. Every sealed send asks this for
   * each reader, so the answer is kept per user with the journal position it was read to: a
   * later call queries the store only when a prekey was stored since, and then reads only the
   * prekeys after that position; records that did not verify (their signer not yet authorized
   * here) are tried again on every call, as before.
   */
  recordsOf(user: string): Promise<PrekeyRecord[]> {
    // One reader at a time, so two sends never read (and add) the same new prekeys twice.
    return this.#reading.run(() => this.#readRecords(user))
  }

  async #readRecords(user: string): Promise<PrekeyRecord[]> {
    const { store, provider, ingestor } = this.#account
    const appended = ingestor.appendedOf('prekey')
    const seen = this.#byUser.get(user) ?? { after: 0, read: -1, records: [], unverified: [] }
    this.#byUser.set(user, seen)
    // No prekey stored since the last read (the count is taken before the query: one stored
    // meanwhile is read now or next time) and none left to verify: the answer stands.
    if (seen.read === appended && seen.unverified.length === 0) return [...seen.records]
    seen.read = appended
    const ids = [...seen.unverified]
    let after = seen.after
    for (;;) {
      const metas = await store.queryResources({
        kinds: ['prekey'],
        user,
        afterPosition: after,
        limit: 1000,
      })
      if (metas.length === 0) break
      ids.push(...metas.map((m) => m.id))
      after = metas[metas.length - 1]!.position
    }
    seen.after = after
    seen.unverified.length = 0
    // Each id comes here once (the cursor moves past it), or again while it does not verify.
    for (const id of ids) {
      try {
        const bytes = await store.getResource(id)
        if (!bytes) continue
        const v = validateResource(provider, bytes, ingestor.graph, { now: this.#account.now() })
        seen.records.push(prekeyRecordOf(provider, v))
      } catch {
        // A prekey whose signer lost its authorization is not a key anyone wraps to; one
        // whose signer is not known here yet (or that could not be read) may be later.
        seen.unverified.push(id)
      }
    }
    return [...seen.records]
  }

  /**
   * For each user, the newest valid prekey of every node of that user holding read_encrypted
   * now (envelope.md §7.2). A user none of whose reading nodes has a usable prekey is listed
   * in `missing` (the caller decides whether that refuses the send).
   */
  async recipientsOf(users: readonly string[]): Promise<Recipients> {
    const now = this.#account.now()
    const graph = this.#account.ingestor.graph
    const keys: PrekeyRecord[] = []
    const missing: string[] = []
    for (const user of new Set(users)) {
      const readers = new Set(graph.readersOf(user, now))
      // A device that moved with its user to a new identity (keys.md §5.4) still holds the
      // secrets of the prekeys it published under the old one: they serve until it publishes
      // under the new one, so a message sent in between reaches it too.
      const records: PrekeyRecord[] = []
      for (const u of [user, ...graph.predecessorsOf(user)])
        records.push(...(await this.recordsOf(u)).filter((r) => readers.has(r.node)))
      const chosen = selectPrekeys(records, now)
      if (chosen.length === 0) missing.push(user)
      keys.push(...chosen)
    }
    return { keys, missing }
  }

  /**
   * Like {@link recipientsOf} but refuses when any user has no usable prekey.
   * @throws NOT_FOUND naming the first such user
   */
  async requireRecipients(users: readonly string[]): Promise<PrekeyRecord[]> {
    const { keys, missing } = await this.recipientsOf(users)
    if (missing.length > 0)
      throw new ProtocolError(
        ErrorCode.NOT_FOUND,
        `no device of ${missing[0]!} can receive encrypted messages yet: their prekey has not arrived; sync first`,
      )
    return keys
  }

  /**
   * This node's own prekey records (any validity), from the store: those published for its
   * user, and with `previous` also for the identities that user replaced (keys.md §5.4), whose
   * secrets still open what was sealed before the rotation.
   */
  async ownRecords(options: { previous?: boolean } = {}): Promise<PrekeyRecord[]> {
    const user = this.#account.user
    if (user === undefined) return []
    const { store, provider } = this.#account
    const users = options.previous
      ? [user, ...this.#account.ingestor.graph.predecessorsOf(user)]
      : [user]
    const metas = []
    for (const u of users)
      metas.push(...(await store.queryResources({ kinds: ['prekey'], user: u, limit: 10_000 })))
    const out: PrekeyRecord[] = []
    for (const m of metas) {
      const bytes = await store.getResource(m.id)
      if (!bytes) continue
      // Our own stored prekeys were validated at ingest; the signer is the owning node.
      const r = decodeResource(provider, bytes)
      if (r.signatures[0]?.kid !== this.#account.node) continue
      const d = r.data as ContentData<'prekey'>
      const publicKey = fromBase64urlExact(d.key, 1216, 'prekey.key')
      out.push({
        node: this.#account.node,
        keyId: prekeyId(provider, publicKey),
        publicKey,
        created: r.created,
        expires: d.expires,
      })
    }
    return out
  }

  /** The secrets this node opens envelopes with (cached; see {@link reloadSecrets}). */
  async secrets(): Promise<readonly RecipientSecret[]> {
    if (this.#secrets === undefined) this.#secrets = await this.#loadSecrets()
    return this.#secrets
  }

  /** Forget the cached secrets: the next {@link secrets} reads the vault again. */
  reloadSecrets(): void {
    this.#secrets = undefined
  }

  async #loadSecrets(): Promise<RecipientSecret[]> {
    const out: RecipientSecret[] = []
    for (const r of await this.ownRecords({ previous: true })) {
      const raw = await this.#account.vault.get(SECRET_NAMES.prekeyPrefix + r.keyId)
      if (raw === undefined) continue
      const s = JSON.parse(new TextDecoder().decode(raw)) as {
        suite: string
        publicKey: string
        secretKey: string
      }
      if (!isSuite(s.suite)) continue
      out.push({
        suite: s.suite,
        publicKey: fromBase64urlExact(s.publicKey, r.publicKey.length, 'prekey secret.publicKey'),
        secretKey: fromBase64url(s.secretKey, 'prekey secret.secretKey'),
      })
    }
    return out
  }

  /**
   * Rotate and prune (envelope.md §7.3): publish a new prekey when this node reads encrypted
   * data and its newest valid one is due, and erase the secrets expired past the grace period.
   * @returns whether a prekey was published and the keyIds whose secrets were erased
   */
  async maintain(): Promise<{ published: boolean; deleted: string[] }> {
    const account = this.#account
    const own = await this.ownRecords()
    const now = account.now()
    let published = false
    if (account.nodeTrusts('read_encrypted').length > 0 && prekeyNeedsRotation(own, now)) {
      await publishPrekey(account)
      published = true
    }
    const deleted: string[] = []
    for (const keyId of prekeySecretsToDelete(own, now)) {
      const name = SECRET_NAMES.prekeyPrefix + keyId
      if ((await account.vault.get(name)) === undefined) continue
      await account.vault.delete(name)
      deleted.push(keyId)
    }
    if (published || deleted.length > 0) this.reloadSecrets()
    return { published, deleted }
  }
}
