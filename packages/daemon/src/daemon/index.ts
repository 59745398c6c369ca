/**
 * The running node: daemon, network and address book (docs/daemon.md).
 * @module
 */
export { Daemon } from './daemon.js'
export type { DaemonOptions } from './daemon.js'
export type { DialLease } from './daemon-options.js'
export { NodeNetwork, advertisedAddresses } from './network.js'
export { publicPeerAddress, webSocketPeerAddresses } from './one-port.js'
export type { NetworkOptions } from './network.js'
export { peerAddresses, nodeRecordsOf } from '../account/address-book.js'
export { RateLimitedLog, createSecurityLog } from './security-log.js'
export type { RateLimitedLogOptions, SecurityLog } from './security-log.js'
export { DEFAULT_REQUEST_LIMITS, RequestInbox } from './request-inbox.js'
export type { RequestInboxOptions, RequestLimits } from './request-inbox.js'
