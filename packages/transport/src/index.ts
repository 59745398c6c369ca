/**
 * @sdmp/transport: the authenticated, encrypted, framed channel between nodes (Noise XXhfs with
 * X25519 + ML-KEM-768, Ed25519 node identities, trust gate) over any duplex, TCP and WebSocket.
 * See docs/protocol/transport.md.
 * @module
 */
export { secureChannel } from './channel.js'
export type {
  AuthorizeResult,
  ChannelStats,
  CloseInfo,
  PeerInfo,
  SecureChannel,
  SecureChannelOptions,
} from './channel-types.js'
export { peerRefusal } from './refusal.js'
export { createDuplexPair } from './duplex.js'
export type { Duplex, DuplexHandlers, DuplexPairOptions, DuplexTap } from './duplex.js'
export { createListener } from './listener.js'
export type { AdmissionStats, Listener, ListenerOptions } from './listener.js'
export { decideAdmission, earlyDropProbability } from './admission.js'
export type {
  AdmissionCounts,
  AdmissionDecision,
  AdmissionLimits,
  DropReason,
  HandshakePool,
} from './admission.js'
export { DEFAULT_LIMITS, resolveLimits } from './limits.js'
export type { TransportLimits } from './limits.js'
export { listenTcp, connectTcp, socketDuplex } from './tcp.js'
export type { TcpListener } from './tcp.js'
export {
  listenWebSocket,
  connectWebSocket,
  openWebSocket,
  webSocketAcceptor,
  webSocketDuplex,
  WEBSOCKET_CLOSE,
} from './websocket.js'
export type { WebSocketAcceptor, WebSocketAcceptorOptions, WebSocketListener } from './websocket.js'
export { TRANSPORT_PROTOCOL_ID, NOISE_PROTOCOL_NAME } from './transport-domain.js'
export {
  createRelay,
  decodeRelayIncoming,
  DEFAULT_RELAY_LIMITS,
  RELAY_INCOMING,
  SPLICE_ID_BYTES,
} from './relay.js'
export type { Relay, RelayLimits, RelayOptions, RelayStats } from './relay.js'
export type { SpliceLimits, SpliceTap } from './relay-splice.js'
