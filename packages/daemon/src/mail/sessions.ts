/**
 * Ratcheted sessions of the mailbox (docs/protocol/sessions.md §6-§8): the sessions of this
 * node with each peer node, kept as sealed mailbox records (encrypted at rest by the vault, like
 * every mail record and the prekey secrets). The sender advances them and stores them BEFORE it
 * publishes, durable no later than the envelope (§7: they ride the envelope's commit, so a
 * kill -9 loses the state only with the envelopes sealed on it, and never reuses a message key);
 * the indexer stores what opening changed in the same commit as the indexed message.
 * Both run on the index's serial queue, so they never interleave.
 * @module
 */
import {
  BoundedKeyCache,
  decodeSession,
  encodeSession,
  equalBytes,
  keepSession,
  sealSessionResource,
  selfEntryKey,
  sendPlan,
} from '@sdmp/core'
import type { DecodedResource, PrekeyRecord, RecipientSecret, Session } from '@sdmp/core'
import type { Account } from '../account/account.js'
import type { PrekeyBook } from './prekeys.js'
import type { MailBatch, MailRecords } from './records.js'

/** Key of this node's sessions with one peer node (a list of encodeSession texts). */
export const sessionKey = (peer: string) => `s:${peer}`

/** A peer's sessions as last read or stored, with the texts they were read from or stored as. */
interface KeptList {
  readonly texts: readonly string[]
  readonly sessions: readonly Session[]
}

/** Peers whose last list is kept per records (a host's accounts; the oldest go first). */
const KEPT_PEERS = 256

/**
 * The last list of each peer's sessions, by the records they are kept in. Every message sent or
 * opened reads its peer's list and stores it again with one session advanced; decoding each
 * text and encoding every kept session again each time cost ~40-55 us per message on each
 * daemon (issue 14, docs/load.md §5 fourteenth pass). A text equal to one of the last list is
 * that list's session (decoding is a function of the text, and sessions are never changed in
 * place: a step makes a new one), and a session of the last list is stored as its text. Only
 * the current list of a peer is held, as the mailbox holds it anyway: no superseded state (an
 * older chain key) stays here longer than without it.
 */
const lastLists = new WeakMap<MailRecords, BoundedKeyCache<KeptList>>()

function listsOf(batch: MailBatch): BoundedKeyCache<KeptList> {
  let lists = lastLists.get(batch.records)
  if (!lists) lastLists.set(batch.records, (lists = new BoundedKeyCache(KEPT_PEERS)))
  return lists
}

/**
 * A peer's sessions as `batch` holds them; damaged entries are dropped (a fresh start follows:
 * the peer's entries for them fail, ours go by prekey). Texts of the peer's last list are not
 * decoded again ({@link lastLists}).
 */
export async function readSessions(batch: MailBatch, peer: string): Promise<Session[]> {
  const texts = (await batch.get<string[]>(sessionKey(peer))) ?? []
  const lists = listsOf(batch)
  const last = lists.get(peer)
  const sessions: Session[] = []
  const kept: string[] = []
  for (const text of texts) {
    const i = last === undefined ? -1 : last.texts.indexOf(text)
    if (i >= 0) {
      sessions.push(last!.sessions[i]!)
      kept.push(text)
      continue
    }
    try {
      sessions.push(decodeSession(text))
      kept.push(text)
    } catch {
      // A damaged session is a lost one.
    }
  }
  lists.set(peer, { texts: kept, sessions })
  return sessions
}

/**
 * Record `session` among its peer's sessions in `batch` (sessions.md §6 "Kept": the 4 most
 * recently used, and beside them those the peer may still answer on), and return that list.
 * `known`: the peer's sessions as `batch` holds them now, when the caller has just read them
 * ({@link readSessions}); reading them again costs a record's decryption. Sessions of the
 * peer's last list are stored as the text they had ({@link lastLists}).
 */
export async function storeSession(
  batch: MailBatch,
  session: Session,
  known?: readonly Session[],
): Promise<Session[]> {
  const kept = keepSession(known ?? (await readSessions(batch, session.peer)), session)
  const lists = listsOf(batch)
  const last = lists.get(session.peer)
  const texts = kept.map((s) => {
    const i = last === undefined ? -1 : last.sessions.indexOf(s)
    return i >= 0 ? last!.texts[i]! : encodeSession(s)
  })
  batch.set(sessionKey(session.peer), texts)
  lists.set(session.peer, { texts, sessions: kept })
  return kept
}

/** Options of {@link SessionBook.seal} about the outer resource. */
export interface SealOuter {
  readonly readers: readonly string[]
  readonly replaces?: string
}

/** One waiting {@link SessionBook.seal}. */
interface SealRequest {
  readonly inner: DecodedResource
  readonly keys: readonly PrekeyRecord[]
  readonly sender: { trust: string }
  readonly outer: SealOuter
  resolve(sealed: DecodedResource<'encrypted'>): void
  reject(e: unknown): void
}

/** Sealing with sessions for one account. */
export class SessionBook {
  readonly #account: Account
  readonly #records: MailRecords
  readonly #book: PrekeyBook
  readonly #exclusive: <T>(fn: () => Promise<T>) => Promise<T>
  /**
   * Self-entry keys by prekey secret (an HKDF over the 2,400-byte secret key, once per secret
   * instead of once per send). Keyed by the secret object the prekey book holds: a secret that
   * rotation erases is dropped from the book, and its key with it (sessions.md §8.2).
   */
  readonly #selfKeys = new WeakMap<RecipientSecret, Uint8Array>()
  /** Seal requests waiting for the index's queue (one drain takes them all). */
  readonly #queued: SealRequest[] = []

  /** @param exclusive the index's serial queue (journal-index.ts `exclusive`) */
  constructor(
    account: Account,
    records: MailRecords,
    book: PrekeyBook,
    exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {
    this.#account = account
    this.#records = records
    this.#book = book
    this.#exclusive = exclusive
  }

  /**
   * Seal `inner` to the reading nodes of `keys` (their newest valid prekeys): for each node what
   * `sendPlan` says (sessions.md §6: an entry on a session the node has written on, else a
   * prekey wrap with entries on the sessions in use), and a self entry for this node. The new and
   * advanced sessions are committed before this returns, hence before any publish; the
   * publish's durable commit makes them durable (store commits are ordered; sessions.md §7).
   * Seals asked for while others wait for the index's queue are sealed together, one after the
   * other on the same records, and share one commit.
   * @throws FORBIDDEN (no publish_resource), BAD_REQUEST, LIMIT_EXCEEDED
   */
  seal(
    inner: DecodedResource,
    keys: readonly PrekeyRecord[],
    sender: { trust: string },
    outer: SealOuter,
  ): Promise<DecodedResource<'encrypted'>> {
    return new Promise((resolve, reject) => {
      this.#queued.push({ inner, keys, sender, outer, resolve, reject })
      if (this.#queued.length > 1) return // a drain is queued already and takes this one too
      this.#exclusive(() => this.#drain()).catch(() => undefined) // #drain settles every request
    })
  }

  /** Seal every queued request in order into one batch and commit it once. */
  async #drain(): Promise<void> {
    const requests = this.#queued.splice(0)
    const done: [SealRequest, DecodedResource<'encrypted'>][] = []
    try {
      const batch = this.#records.batch({ durable: false, deferred: true })
      for (const r of requests) {
        try {
          done.push([r, await this.#sealOne(batch, r)])
        } catch (e) {
          // Nothing of this request is in the batch: it threw before storing its sessions.
          r.reject(e)
        }
      }
      // sessions.md §7: durable no later than the envelope. Deferred (store.ts
      // `LocalPutOptions`): the store writes these records in its next transaction, and an
      // envelope is published only through the store's durable journal commit that follows
      // (Account.publishSealed). So the state is durable before any peer can see the envelope,
      // and rides that commit (one commit per ingest batch, not one more per seal); a crash
      // before it loses the state with the envelopes sealed on it, which never left.
      await batch.commit()
    } catch (e) {
      // Nothing was committed: no envelope of this batch may be published. (A request rejected
      // above stays rejected: a second reject changes nothing.)
      for (const r of requests) r.reject(e)
      return
    }
    for (const [r, sealed] of done) r.resolve(sealed)
  }

  /** Seal one request, reading and storing its sessions through `batch`. */
  async #sealOne(batch: MailBatch, req: SealRequest): Promise<DecodedResource<'encrypted'>> {
    const account = this.#account
    const now = account.now()
    const prekeys: { node: string; publicKey: Uint8Array }[] = []
    const sessions: Session[] = []
    // Each peer's sessions as read here, then as stored below: read and decoded once per seal.
    const byPeer = new Map<string, Session[]>()
    let selfKey: Uint8Array | undefined
    for (const r of req.keys) {
      if (r.node === account.node) {
        const secret = (await this.#book.secrets()).find((s) =>
          equalBytes(s.publicKey, r.publicKey),
        )
        if (secret) selfKey = this.#selfKey(secret)
        continue
      }
      const stored = await readSessions(batch, r.node)
      byPeer.set(r.node, stored)
      // sessions.md §6: a session the peer has written on alone; until then also a wrap, with
      // entries on the pending start and on the session of the peer's start we answer on
      // (keepSession keeps both while the wraps start newer ones).
      const plan = sendPlan(stored, { now, peerPrekeyCreated: r.created })
      sessions.push(...plan.sessions)
      if (plan.wrap) prekeys.push({ node: r.node, publicKey: r.publicKey })
    }
    const sealed = sealSessionResource(
      account.provider,
      req.inner,
      { self: account.node, now, prekeys, sessions, ...(selfKey && { selfKey }) },
      { key: account.nodeKey, user: account.requireUser(), trust: req.sender.trust },
      {
        readers: req.outer.readers,
        ...(req.outer.replaces !== undefined && { replaces: req.outer.replaces }),
      },
    )
    for (const s of sealed.sessions)
      byPeer.set(s.peer, await storeSession(batch, s, byPeer.get(s.peer)))
    return sealed.outer
  }

  #selfKey(secret: RecipientSecret): Uint8Array {
    let key = this.#selfKeys.get(secret)
    if (key === undefined)
      this.#selfKeys.set(secret, (key = selfEntryKey(this.#account.provider, secret)))
    return key
  }
}
