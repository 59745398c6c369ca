/**
 * The rendezvous directory (docs/protocol/relays.md §7): the newest verified address record of
 * each node, by fingerprint. It keeps nothing about who asks: no lookup is recorded.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { verifyAddressRecord } from './address-record.js'
import type { AddressRecord, SignedAddressRecord } from './address-record.js'

/** Limits of a directory. */
export interface DirectoryLimits {
  /** Records held at once; expired ones are dropped first. */
  readonly maxRecords: number
}

/** Defaults of {@link DirectoryLimits}. */
export const DEFAULT_DIRECTORY_LIMITS: DirectoryLimits = Object.freeze({ maxRecords: 100_000 })

/** In-memory directory: records are short-lived and re-registered, so nothing is persisted. */
export class RendezvousDirectory {
  readonly #provider: CryptoProvider
  readonly #limits: DirectoryLimits
  readonly #records = new Map<string, { record: AddressRecord; signed: SignedAddressRecord }>()

  constructor(provider: CryptoProvider, limits: Partial<DirectoryLimits> = {}) {
    this.#provider = provider
    this.#limits = { ...DEFAULT_DIRECTORY_LIMITS, ...limits }
  }

  /** Records held (expired ones included until swept). */
  get size(): number {
    return this.#records.size
  }

  /**
   * Verify and store a record (verify before store, relays.md §7).
   * @throws every code of verifyAddressRecord; CONFLICT when a record with the same or a higher
   *   `seq` is held (a replay or a stale record); LIMIT_EXCEEDED when full
   */
  register(signed: unknown, now: number): AddressRecord {
    const record = verifyAddressRecord(this.#provider, signed, now)
    const held = this.#records.get(record.node)
    if (held && Date.parse(held.record.expires) > now && held.record.seq >= record.seq)
      throw new ProtocolError(ErrorCode.CONFLICT, 'address record: a newer record is held')
    if (!held && this.#records.size >= this.#limits.maxRecords) {
      this.sweep(now)
      if (this.#records.size >= this.#limits.maxRecords)
        throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'directory: full')
    }
    const { record: r, signature } = signed as SignedAddressRecord
    this.#records.set(record.node, { record, signed: { record: r, signature } })
    return record
  }

  /**
   * The record of `node`, as signed by it.
   * @throws NOT_FOUND when none is held or it expired
   */
  lookup(node: string, now: number): SignedAddressRecord {
    const held = this.#records.get(node)
    if (!held || Date.parse(held.record.expires) <= now) {
      if (held) this.#records.delete(node)
      throw new ProtocolError(ErrorCode.NOT_FOUND, 'directory: no record for this node')
    }
    return held.signed
  }

  /** Drop expired records. */
  sweep(now: number): void {
    for (const [node, held] of this.#records)
      if (Date.parse(held.record.expires) <= now) this.#records.delete(node)
  }
}
