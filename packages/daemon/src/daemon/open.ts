/**
 * The node without a daemon (docs/cli.md §1): open the home's account (taking the store lock),
 * bring its mailbox index up to date, and serve {@link SdmpApi} in-process. `sync` then runs
 * once over a temporary network that only dials (no listener) and stops when done.
 * @module
 */
import type { SyncRequest, SyncResult } from '@sdmp/client'
import { Account } from '../account/account.js'
import type { AccountDeps } from '../account/account.js'
import { NodeNetwork } from './network.js'
import { Mailbox } from '../mail/index.js'
import { NodeService } from '../service/node-service.js'
import type { AddressLookupOptions } from '../address/address-lookup.js'

/** An in-process node service and how to release it. */
export interface OpenedService {
  readonly api: NodeService
  /** Stop the mailbox and close the store (releasing its lock). */
  close(): Promise<void>
}

/**
 * Open the home for one command.
 * @throws the codes of Account.open (NOT_FOUND, IN_USE, UNAUTHORIZED, INCOMPATIBLE_STORE)
 */
export async function openNodeService(
  deps: AccountDeps,
  options: {
    event?: (name: string, detail: Record<string, unknown>) => void
    /** How `contact add name@domain` looks addresses up (docs/protocol/addresses.md §3). */
    addressLookup?: AddressLookupOptions
  } = {},
): Promise<OpenedService> {
  const account = await Account.open(deps)
  // A command is short-lived: its delivered receipts go out at once (one per author per
  // indexed batch), so a `sync` still running can carry them (docs/messaging.md §4).
  const mailbox = new Mailbox(account, {
    receiptLinger: { quietMs: 0, maxMs: 0 },
    ...(options.event && { event: options.event }),
  })
  try {
    await mailbox.start()
  } catch (e) {
    await account.close()
    throw e
  }
  // While a one-shot sync runs, its network is the service's: attachments of the messages it
  // brings are fetched in the same run, or recorded as wanted for the next (attachments.md §3).
  let current: NodeNetwork | undefined
  const oneShotSync = async (request: SyncRequest): Promise<SyncResult> => {
    const net = await NodeNetwork.start({ account, ...(options.event && { event: options.event }) })
    current = net
    try {
      return await net.sync({ ...request, wait: true })
    } finally {
      const head = (await account.store.journalHead())?.position ?? 0
      await mailbox.waitProcessed(head)
      await api.wantsSettled()
      current = undefined
      await net.stop()
    }
  }
  const api = new NodeService(account, mailbox, {
    oneShotSync,
    network: () => current,
    ...(options.addressLookup && { addressLookup: options.addressLookup }),
  })
  return {
    api,
    async close() {
      // The store must close (its lock) even if the mailbox failed to stop cleanly; the index
      // is derived from the journal and is rebuilt from its durable cursor on the next open.
      await mailbox.stop().catch(() => undefined)
      await account.close()
    },
  }
}
