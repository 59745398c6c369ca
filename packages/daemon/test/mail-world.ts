/**
 * Test helpers for the mailbox: accounts on SQLite homes in a temp dir, contacts made with
 * invites, and "sync" done in process by feeding one store's resources into another account's
 * ingest pipeline (the network is not needed to test the mailbox).
 * @module
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { createNodeProvider } from '@sdmp/crypto-node'
import { SqliteStore } from '@sdmp/store-sqlite'
import { waitFor } from '@sdmp/testkit'
import { Account, addContact, createInvite } from '../src/account/index.js'
import type { AccountDeps } from '../src/account/index.js'
import { Mailbox } from '../src/mail/index.js'

export const provider = createNodeProvider()
/** The cheapest scrypt the vault accepts: tests only. */
const CHEAP = { N: 1024, r: 8, p: 1 }

/** An open account with a running mailbox. */
export interface Peer {
  account: Account
  mailbox: Mailbox
  readonly home: string
  readonly passphrase?: string
  /** Operational events the mailbox reported. */
  readonly events: { name: string; detail: Record<string, unknown> }[]
}

function deps(home: string, passphrase?: string, clock?: () => number): AccountDeps {
  return {
    home,
    provider,
    createStore: (dir) => new SqliteStore({ dir, sha512: provider.sha512 }),
    scrypt: CHEAP,
    ...(passphrase !== undefined && { passphrase }),
    ...(clock && { clock }),
  }
}

async function withMailbox(
  account: Account,
  home: string,
  passphrase: string | undefined,
  events: Peer['events'] = [],
  receiptLingerMs?: number,
): Promise<Peer> {
  const mailbox = new Mailbox(account, {
    event: (name, detail) => events.push({ name, detail }),
    ...(receiptLingerMs !== undefined && { receiptLingerMs }),
  })
  await mailbox.start()
  return { account, mailbox, home, events, ...(passphrase !== undefined && { passphrase }) }
}

/** `init` a new user in `dir/name` and start its mailbox. */
export async function createPeer(
  dir: string,
  name: string,
  options: { passphrase?: string; join?: boolean; receiptLingerMs?: number } = {},
): Promise<Peer> {
  const home = join(dir, name)
  const account = await Account.create(deps(home, options.passphrase), {
    name,
    ...(options.join === true && { join: true }),
  })
  return withMailbox(account, home, options.passphrase, [], options.receiptLingerMs)
}

/** Stop, close and reopen a peer (a restart), optionally with another clock. */
export async function restart(peer: Peer, clock?: () => number): Promise<void> {
  await peer.mailbox.stop()
  await peer.account.close()
  const account = await Account.open(deps(peer.home, peer.passphrase, clock))
  const fresh = await withMailbox(account, peer.home, peer.passphrase, peer.events)
  peer.account = fresh.account
  peer.mailbox = fresh.mailbox
}

/** Stop and close every peer. */
export async function closeAll(peers: readonly Peer[]): Promise<void> {
  for (const p of peers) {
    await p.mailbox.stop()
    await p.account.close()
  }
}

/** Make `a` and `b` mutual contacts through their invites. */
export async function befriend(a: Peer, b: Peer): Promise<void> {
  await addContact(a.account, await createInvite(b.account))
  await addContact(b.account, await createInvite(a.account))
  await sync(a, b)
}

/** Every resource `from` stores, in journal order. */
export async function allResources(from: Peer): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for (const m of await from.account.store.queryResources({ limit: 100_000 }))
    out.push((await from.account.store.getResource(m.id))!)
  return out
}

/** What sync does, in process: each peer ingests what the other stores; all must be accepted. */
export async function sync(a: Peer, b: Peer): Promise<void> {
  await push(a, b)
  await push(b, a)
}

/** `to` ingests everything `from` stores, then its mailbox has processed it. */
export async function push(from: Peer, to: Peer): Promise<void> {
  const outcomes = await to.account.ingestor.ingest(await allResources(from))
  const refused = outcomes.filter((o) => o.status !== 'stored' && o.status !== 'duplicate')
  assert.deepEqual(refused, [], 'every synced resource is accepted')
  const head = (await to.account.store.journalHead())!.position
  await to.mailbox.waitProcessed(head)
}

/** Ids of the encrypted resources published for `peer`'s user (what it sent, incl. receipts). */
export async function sealedBy(peer: Peer): Promise<string[]> {
  const user = peer.account.requireUser()
  const metas = await peer.account.store.queryResources({ kinds: ['encrypted'], user })
  return metas.map((m) => m.id)
}

/** Wait until `peer` has published `n` encrypted resources (its receipts are sent async). */
export async function waitSealed(peer: Peer, n: number): Promise<string[]> {
  return waitFor(
    async () => {
      const ids = await sealedBy(peer)
      return ids.length >= n ? ids : undefined
    },
    { what: `${n} encrypted resources by ${peer.home}` },
  )
}
