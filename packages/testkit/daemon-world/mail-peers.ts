/**
 * Accounts with running mailboxes, without a network (docs/daemon.md): contacts made with
 * invites, and "sync" done in process by feeding one store's resources into another account's
 * ingest pipeline (the network is not needed to test the mailbox).
 * @module
 */
import { join } from 'node:path'
import { Account, Mailbox, addContact, createInvite } from '@sdmp/daemon'
import type { MailboxOptions } from '@sdmp/daemon'
import { waitFor } from '@sdmp/testkit'
import { allResources, ingestAccepted } from '@sdmp/testkit/node-world'
import { accountDeps } from './accounts.js'

/** An open account with a running mailbox. */
export interface Peer {
  account: Account
  mailbox: Mailbox
  readonly home: string
  readonly passphrase?: string
  /** Operational events the mailbox reported. */
  readonly events: { name: string; detail: Record<string, unknown> }[]
}

async function withMailbox(
  account: Account,
  home: string,
  passphrase: string | undefined,
  events: Peer['events'] = [],
  options: Pick<MailboxOptions, 'receiptLinger' | 'indexLinger'> = {},
): Promise<Peer> {
  const mailbox = new Mailbox(account, {
    event: (name, detail) => events.push({ name, detail }),
    ...options,
  })
  await mailbox.start()
  return { account, mailbox, home, events, ...(passphrase !== undefined && { passphrase }) }
}

const depsOf = (home: string, passphrase?: string, clock?: () => number) =>
  accountDeps(home, {
    ...(passphrase !== undefined && { passphrase }),
    ...(clock && { clock }),
  })

/** `init` a new user in `dir/name` and start its mailbox. */
export async function createPeer(
  dir: string,
  name: string,
  options: {
    passphrase?: string
    join?: boolean
    receiptLinger?: MailboxOptions['receiptLinger']
    indexLinger?: MailboxOptions['indexLinger']
  } = {},
): Promise<Peer> {
  const home = join(dir, name)
  const account = await Account.create(depsOf(home, options.passphrase), {
    name,
    ...(options.join === true && { join: true }),
  })
  return withMailbox(account, home, options.passphrase, [], {
    ...(options.receiptLinger && { receiptLinger: options.receiptLinger }),
    ...(options.indexLinger && { indexLinger: options.indexLinger }),
  })
}

/** Stop, close and reopen a peer (a restart), optionally with another clock or index linger. */
export async function restartPeer(
  peer: Peer,
  clock?: () => number,
  options: Pick<MailboxOptions, 'indexLinger'> = {},
): Promise<void> {
  await peer.mailbox.stop()
  await peer.account.close()
  const account = await Account.open(depsOf(peer.home, peer.passphrase, clock))
  const fresh = await withMailbox(account, peer.home, peer.passphrase, peer.events, options)
  peer.account = fresh.account
  peer.mailbox = fresh.mailbox
}

/** Stop and close every peer. */
export async function closePeers(peers: readonly Peer[]): Promise<void> {
  for (const p of peers) {
    await p.mailbox.stop()
    await p.account.close()
  }
}

/** Make `a` and `b` mutual contacts through their invites, then sync them. */
export async function befriendPeers(a: Peer, b: Peer): Promise<void> {
  await addContact(a.account, await createInvite(b.account))
  await addContact(b.account, await createInvite(a.account))
  await syncPeers(a, b)
}

/**
 * Alice and Bob in `dir` with running mailboxes, mutual contacts; `after` registers their closing
 * (a test's `t.after`).
 */
export async function friendPeers(
  dir: string,
  after: (fn: () => Promise<void>) => void,
): Promise<{ alice: Peer; bob: Peer }> {
  const alice = await createPeer(dir, 'alice')
  const bob = await createPeer(dir, 'bob')
  after(() => closePeers([alice, bob]))
  await befriendPeers(alice, bob)
  return { alice, bob }
}

/** Every resource `from` stores, in journal order. */
export const peerResources = (from: Peer): Promise<Uint8Array[]> => allResources(from.account.store)

/** What sync does, in process: each peer ingests what the other stores; all must be accepted. */
export async function syncPeers(a: Peer, b: Peer): Promise<void> {
  await pushPeer(a, b)
  await pushPeer(b, a)
}

/** `to` ingests everything `from` stores, then its mailbox has processed it. */
export async function pushPeer(from: Peer, to: Peer): Promise<void> {
  await ingestAccepted(to.account.ingestor, await peerResources(from))
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
