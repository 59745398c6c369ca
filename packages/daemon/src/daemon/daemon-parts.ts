/**
 * How the daemon (daemon.ts) wires its parts: the event feed of the API's SSE stream, and the
 * options its network starts with (docs/daemon.md §2).
 * @module
 */
import type { Contact, Peer } from '@sdmp/client'
import type { Account } from '../account/account.js'
import { onRequestStored } from '../account/requests.js'
import type { EventFeed } from '../api/index.js'
import type { Mailbox } from '../mail/index.js'
import { parsePeerAddress } from '@sdmp/node'
import type { DaemonOptions } from './daemon-options.js'
import type { NetworkOptions } from './network-options.js'
import type { RequestInbox } from './request-inbox.js'

/** The SSE event feed over the mailbox, the peer and contact-status listeners and requests. */
export function daemonEventFeed(
  account: Account,
  mailbox: Mailbox,
  peerListeners: Set<(peer: Peer) => void>,
  statusListeners: Set<(contact: Contact) => void>,
): EventFeed {
  return {
    get processed() {
      return mailbox.processed
    },
    eventsAfter: (after, limit) => mailbox.eventsAfter(after, limit),
    onProcessed: (l) => mailbox.onProcessed(l),
    onPeer: (l) => {
      peerListeners.add(l)
      return () => peerListeners.delete(l)
    },
    onContactStatus: (l) => {
      statusListeners.add(l)
      return () => statusListeners.delete(l)
    },
    onRequest: (l) =>
      onRequestStored(account, (r) =>
        l({ id: r.id, user: r.user, name: r.name, text: r.text, received: r.received }),
      ),
  }
}

/** The options the daemon starts its network with, for the account's current user. */
export function networkOptions(
  o: DaemonOptions,
  parts: {
    readonly account: Account
    readonly listen: { readonly host: string; readonly port: number } | undefined
    readonly acceptWebSocket: boolean
    readonly webSocketAddresses: readonly string[]
    readonly requests: RequestInbox
  },
): NetworkOptions {
  return {
    account: parts.account,
    ...(parts.listen && { listen: parts.listen }),
    ...(parts.acceptWebSocket && { acceptWebSocket: true }),
    ...(parts.webSocketAddresses.length > 0 && { webSocketAddresses: parts.webSocketAddresses }),
    ...(o.advertise && { advertise: o.advertise }),
    ...(o.relays && { relays: o.relays.map((r) => parsePeerAddress(r)) }),
    ...(o.rendezvous !== undefined && {
      rendezvous: {
        url: o.rendezvous,
        ...(o.rendezvousTiming && { timing: o.rendezvousTiming }),
      },
    }),
    ...(o.backoff && { backoff: o.backoff }),
    ...(o.dialLease && { dials: () => o.dialLease!.held }),
    ...(o.transportLimits && { transportLimits: o.transportLimits }),
    ...(o.onDrop && { onDrop: o.onDrop }),
    ...(o.event && { event: o.event }),
    requests: parts.requests,
  }
}
