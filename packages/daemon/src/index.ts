/**
 * @sdmp/daemon: the sdmp node as a person runs it (docs/architecture.md): the home and its
 * account (keys, devices, contacts, invites, recovery), the mailbox (sealed messages, receipts,
 * attachments), the in-process service that implements the client API contract, the daemon
 * with its network, and the HTTP API. Built on the protocol runtime `@sdmp/node`.
 * @module
 */
// The account layer: an sdmp home, keys, devices, invites, contacts (docs/cli.md); curated in
// account/index.ts.
export * from './account/index.js'
// The daemon, its network, the in-process service and the mailbox (docs/daemon.md).
export * from './daemon/index.js'
export { NodeService } from './service/node-service.js'
export type { NodeServiceOptions, ServiceNetwork } from './service/node-service.js'
export { openNodeService } from './daemon/open.js'
export type { OpenedService } from './daemon/open.js'
export * from './mail/index.js'
export * from './api/index.js'
// name@domain addresses: DNS, the well-known document, pinning (docs/protocol/addresses.md).
export { resolveAddress, ADDRESS_LOOKUP_TIMEOUT_MS } from './address/address-lookup.js'
export type { AddressLookupOptions, ResolvedAddress } from './address/address-lookup.js'
export { verifyDocument } from './address/address-verify.js'
export type { AddressVerifier, VerifiedDocument } from './address/address-verify.js'
export { addContactByAddress, readPins } from './address/address-pins.js'
export type { AddressPin } from './address/address-pins.js'
export {
  ADDRESS_DOCUMENT_VERSION,
  WELL_KNOWN_PREFIX,
  createAddressDocument,
  decodeAddressDocument,
} from './address/address-document.js'
export { decodeSvcb, encodeSvcb, parseDnsServer, queryDns } from './address/dns-query.js'
export type { DnsServer, ServiceTarget, SvcbAlias } from './address/dns-query.js'
export {
  ADDRESS_RECORD_LIMITS,
  TAG_ADDRESS_RECORD,
  signAddressRecord,
  verifyAddressRecord,
} from './rendezvous/address-record.js'
export type { AddressRecord, SignedAddressRecord } from './rendezvous/address-record.js'
export { RendezvousDirectory } from './rendezvous/directory.js'
export { RENDEZVOUS_LIMITS, startRendezvousServer } from './rendezvous/rendezvous-server.js'
export type { RendezvousLimits, RendezvousServer } from './rendezvous/rendezvous-server.js'
export {
  checkRendezvousUrl,
  lookupAddressRecord,
  registerAddressRecord,
} from './rendezvous/rendezvous-client.js'
export { RENDEZVOUS_LINK_DEFAULTS, RendezvousLink } from './rendezvous/rendezvous-link.js'
export type { RendezvousLinkOptions, RendezvousLinkTiming } from './rendezvous/rendezvous-link.js'
