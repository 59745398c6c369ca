/**
 * Response shapes of the client API (docs/api.md) about the node itself: the error document,
 * `whoami` and `status` (with the revocation of this device), peers, sync results and the
 * journal.
 * @module
 */
import { Type } from '@sinclair/typebox'
import { closed, count, nullable, oneOf, text, time } from './schema-kit.js'
import type { Contract } from './schema-kit.js'

/** The error document of every failed API call: `{"error":{"code","message"}}`. */
export const ApiErrorBody = closed({ error: closed({ code: text(), message: text() }) })
export type ApiErrorBody = Contract<typeof ApiErrorBody>

/** When and by which key this device was revoked (docs/protocol/trust.md §6.1). */
export const RevokedInfo = closed({
  at: time(),
  by: Type.String({ description: 'fingerprint of the key that signed the revocation' }),
  message: Type.String({ description: '"this device was revoked on DATE by DEVICE"' }),
})
export type RevokedInfo = Contract<typeof RevokedInfo>

/** `GET /v1/whoami`. */
export const Whoami = closed({
  user: nullable(Type.String({ description: 'null on a joined device awaiting its trust' })),
  node: text(),
  uri: nullable(text()),
  name: Type.Optional(text()),
  address: Type.Optional(Type.String({ description: 'the name@domain this user claims' })),
  listen: closed({ peer: text(), api: text() }),
  running: Type.Optional(closed({ peer: text(), api: text(), pid: count() })),
  revoked: Type.Optional(RevokedInfo),
})
export type Whoami = Contract<typeof Whoami>

/** `GET /v1/status`. */
export const Status = closed({
  user: nullable(text()),
  node: text(),
  store: text(),
  encrypted: Type.Boolean(),
  counts: closed({
    resources: count(),
    journal: count(),
    contacts: count(),
    devices: count(),
    messages: count(),
  }),
  daemon: Type.Optional(closed({ pid: count(), uptimeMs: count(), peers: count() })),
  revoked: Type.Optional(RevokedInfo),
})
export type Status = Contract<typeof Status>

/** A peer of the running node. */
export const Peer = closed({
  node: nullable(text()),
  user: nullable(
    Type.String({
      description:
        "the peer node's user: of the session when connected, else as the trust log says (who refused us); null if unknown",
    }),
  ),
  address: nullable(
    Type.String({
      description: 'the address dialled (`HOST:PORT`, `ws://…`, `wss://…`); null when inbound only',
    }),
  ),
  state: oneOf('connected', 'connecting', 'backoff', 'offline'),
  direction: nullable(oneOf('inbound', 'outbound')),
  lastError: nullable(text()),
  nextAttempt: nullable(time()),
})
export type Peer = Contract<typeof Peer>

/** The outcome of `sync`: `synced` when every connected peer finished before the timeout. */
export const SyncResult = closed({ synced: Type.Boolean(), peers: Type.Array(Peer) })
export type SyncResult = Contract<typeof SyncResult>

/** One journal line. */
export const JournalLine = closed({ position: count(), line: text() })
export type JournalLine = Contract<typeof JournalLine>

/** `GET /v1/peers`. */
export const PeerList = closed({ peers: Type.Array(Peer) })
/** `GET /v1/journal`. */
export const JournalPage = closed({ lines: Type.Array(JournalLine) })
