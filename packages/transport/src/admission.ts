/**
 * Admission of half-open handshakes (accepted connections that have not finished the handshake
 * and trust gate), in the spirit of OpenSSH `MaxStartups start:rate:full` plus a share reserved
 * for addresses the application knows (docs/protocol/transport.md §8.1, docs/security.md
 * "Hardening (issue 12)"). Pure: the listener keeps the counts and passes the randomness in.
 * @module
 */
import type { TransportLimits } from './limits.js'

/**
 * Why a connection was dropped before its handshake started:
 * - `closed`: the listener is closing;
 * - `connections_per_address`: the address already has `maxConnectionsPerAddress` connections
 *   (handshaking or open);
 * - `handshakes_per_address`: the address already has `maxHandshakesPerAddress` half-open ones;
 * - `early_drop`: random early drop between `handshakeDropStart` and `maxConcurrentHandshakes`;
 * - `full`: the shared pool holds `maxConcurrentHandshakes` half-open handshakes.
 */
export type DropReason =
  | 'closed'
  | 'connections_per_address'
  | 'handshakes_per_address'
  | 'early_drop'
  | 'full'

/**
 * The pool a half-open handshake occupies: `reserved` (only for known addresses) or `general`
 * (everyone, under random early drop).
 */
export type HandshakePool = 'general' | 'reserved'

/** What the listener counts at the moment a connection arrives. */
export interface AdmissionCounts {
  /** Half-open handshakes in the general pool. */
  readonly general: number
  /** Half-open handshakes in the reserved pool. */
  readonly reserved: number
  /** Half-open handshakes from the arriving connection's address. */
  readonly handshakesFromAddress: number
  /** Connections (half-open or open) from the arriving connection's address. */
  readonly connectionsFromAddress: number
}

/** The verdict on one arriving connection. */
export type AdmissionDecision =
  | { readonly admit: true; readonly pool: HandshakePool }
  | { readonly admit: false; readonly reason: DropReason }

/** The limits admission reads. */
export type AdmissionLimits = Pick<
  TransportLimits,
  | 'maxConcurrentHandshakes'
  | 'handshakeDropStart'
  | 'handshakeDropRatePercent'
  | 'reservedKnownHandshakes'
  | 'maxHandshakesPerAddress'
  | 'maxConnectionsPerAddress'
>

/**
 * Probability in [0, 1] that a connection arriving while `n` handshakes hold the general pool
 * is dropped: 0 below `start`, `rate`% at `start`, rising linearly to 100% at `full` (OpenSSH
 * sshd_config(5) MaxStartups). `start` above `full` is read as `full`.
 */
export function earlyDropProbability(n: number, limits: AdmissionLimits): number {
  const full = limits.maxConcurrentHandshakes
  const start = Math.min(limits.handshakeDropStart, full)
  if (n >= full) return 1
  if (n < start) return 0
  const rate = limits.handshakeDropRatePercent
  return (rate + ((100 - rate) * (n - start)) / (full - start)) / 100
}

/**
 * Decide whether to run the handshake of an arriving connection, and in which pool.
 *
 * Order: the per-address caps first (so one address, known or not, never holds more than
 * `maxHandshakesPerAddress` of any pool); then a known address takes a reserved slot while one
 * is free; everyone else (and a known address once the reserve is taken) faces the general
 * pool's random early drop. A flood from unknown addresses therefore never starves the nodes
 * whose addresses the application knows (transport.md §8.1).
 * @param known the application's verdict on the source address (e.g. listed in a signed `node`
 *   record of a trusted node)
 * @param random uniform in [0, 1); injected so tests are deterministic
 */
export function decideAdmission(
  counts: AdmissionCounts,
  known: boolean,
  limits: AdmissionLimits,
  random: () => number,
): AdmissionDecision {
  if (counts.connectionsFromAddress >= limits.maxConnectionsPerAddress)
    return { admit: false, reason: 'connections_per_address' }
  if (counts.handshakesFromAddress >= limits.maxHandshakesPerAddress)
    return { admit: false, reason: 'handshakes_per_address' }
  if (known && counts.reserved < limits.reservedKnownHandshakes)
    return { admit: true, pool: 'reserved' }
  const p = earlyDropProbability(counts.general, limits)
  if (p >= 1) return { admit: false, reason: 'full' }
  // Draw only when it can matter, so a seeded source stays aligned with the drops it decides.
  if (p > 0 && random() < p) return { admit: false, reason: 'early_drop' }
  return { admit: true, pool: 'general' }
}

/** A uniform number in [0, 1) from 32 CSPRNG bits (an attacker must not predict the drops). */
export function randomFrom(randomBytes: (n: number) => Uint8Array): () => number {
  return () => {
    const b = randomBytes(4)
    // >>> 0: the shifts work on signed 32-bit integers; read the bits as unsigned.
    return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32
  }
}
