/**
 * Ratcheted sessions of the mailbox (docs/protocol/sessions.md §6-§8): the sessions of this
 * node with each peer node, kept as sealed mailbox records (encrypted at rest by the vault, like
 * every mail record and the prekey secrets). The sender advances them and stores them durably
 * BEFORE it publishes (§7: a kill -9 in between costs a skipped counter, never a reused message
 * key); the indexer stores what opening changed in the same commit as the indexed message.
 * Both run on the index's serial queue, so they never interleave.
 * @module
 */
import {
  decodeSession,
  encodeSession,
  equalBytes,
  keepSession,
  sealSessionResource,
  selfEntryKey,
  sendingSession,
} from '@sdmp/core'
import type { DecodedResource, PrekeyRecord, Session } from '@sdmp/core'
import type { Account } from '../account/account.js'
import type { PrekeyBook } from './prekeys.js'
import type { MailBatch, MailRecords } from './records.js'

/** Key of this node's sessions with one peer node (a list of encodeSession texts). */
export const sessionKey = (peer: string) => `s:${peer}`

/** Read a peer's sessions from a record; damaged entries are dropped (a fresh start follows). */
export function sessionsOf(stored: readonly string[] | undefined): Session[] {
  const out: Session[] = []
  for (const text of stored ?? []) {
    try {
      out.push(decodeSession(text))
    } catch {
      // A damaged session is a lost one: the peer's entries for it fail, ours go by prekey.
    }
  }
  return out
}

/** Record `session` among its peer's sessions in `batch` (sessions.md §6: at most 4 kept). */
export async function storeSession(batch: MailBatch, session: Session): Promise<void> {
  const key = sessionKey(session.peer)
  const kept = keepSession(sessionsOf(await batch.get<string[]>(key)), session)
  batch.set(key, kept.map(encodeSession))
}

/** Options of {@link SessionBook.seal} about the outer resource. */
export interface SealOuter {
  readonly readers: readonly string[]
  readonly replaces?: string
}

/** Sealing with sessions for one account. */
export class SessionBook {
  readonly #account: Account
  readonly #records: MailRecords
  readonly #book: PrekeyBook
  readonly #exclusive: <T>(fn: () => Promise<T>) => Promise<T>

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
   * Seal `inner` to the reading nodes of `keys` (their newest valid prekeys): a session entry
   * for each node with a usable session (sessions.md §6: younger than 24 h, not older than the
   * node's newest prekey), a prekey wrap otherwise, and a self entry for this node. The new and
   * advanced sessions are durably stored before this returns, hence before any publish.
   * @throws FORBIDDEN (no publish_resource), BAD_REQUEST, LIMIT_EXCEEDED
   */
  seal(
    inner: DecodedResource,
    keys: readonly PrekeyRecord[],
    sender: { trust: string },
    outer: SealOuter,
  ): Promise<DecodedResource<'encrypted'>> {
    const account = this.#account
    return this.#exclusive(async () => {
      const now = account.now()
      const prekeys: { node: string; publicKey: Uint8Array }[] = []
      const sessions: Session[] = []
      let selfKey: Uint8Array | undefined
      for (const r of keys) {
        if (r.node === account.node) {
          const secret = (await this.#book.secrets()).find((s) =>
            equalBytes(s.publicKey, r.publicKey),
          )
          if (secret) selfKey = selfEntryKey(account.provider, secret)
          continue
        }
        const stored = await this.#records.get<string[]>(sessionKey(r.node))
        const s = sendingSession(sessionsOf(stored), { now, peerPrekeyCreated: r.created })
        if (s) sessions.push(s)
        else prekeys.push({ node: r.node, publicKey: r.publicKey })
      }
      const sealed = sealSessionResource(
        account.provider,
        inner,
        { self: account.node, now, prekeys, sessions, ...(selfKey && { selfKey }) },
        { key: account.nodeKey, user: account.requireUser(), trust: sender.trust },
        {
          readers: outer.readers,
          ...(outer.replaces !== undefined && { replaces: outer.replaces }),
        },
      )
      // sessions.md §7: durable before the envelope can be published.
      const batch = this.#records.batch({ durable: true })
      for (const s of sealed.sessions) await storeSession(batch, s)
      await batch.commit()
      return sealed.outer
    })
  }
}
