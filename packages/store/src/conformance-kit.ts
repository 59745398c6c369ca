/**
 * Shared fixtures of the Store conformance suite: the harness every case file receives,
 * deterministic ingest items and journal helpers.
 * @module
 */
import { createHash } from 'node:crypto'
import { toBase64url, utf8, ErrorCode, isProtocolError, verifyJournal } from '@sdmp/core'
import type { Sha512 } from '@sdmp/core'
import type { IngestItem, Store } from './store.js'

/** Options of {@link runStoreConformance} (conformance.ts). */
export interface StoreConformanceOptions {
  /** Backend name; prefixes every test name ("sqlite: put is idempotent"). */
  readonly name: string
  /** A fresh, empty store (opened or not: the suite calls `open()`). */
  readonly create: () => Promise<Store>
  /** Close the store and remove its data. Defaults to `store.close()`. */
  readonly destroy?: (store: Store) => Promise<void>
  /** True when data survives `close()` + reopen; enables the persistence cases. */
  readonly persistent?: boolean
  /**
   * Close `store` and return a new instance over the same data (not yet opened or opened).
   * Required when `persistent` is true.
   */
  readonly reopen?: (store: Store) => Promise<Store>
  /**
   * A second store object over the same data while `store` stays open (not yet opened or
   * opened), for backends that several processes share (PostgreSQL): enables the cases of two
   * writers. The suite closes it before disposing of `store`.
   */
  readonly sibling?: (store: Store) => Promise<Store>
  /** SHA-512 used to check journal chains; defaults to node:crypto. */
  readonly sha512?: Sha512
  /** Size of the streamed blob case in bytes (default 8 MiB). */
  readonly blobBytes?: number
  /** fast-check runs of the ingest property (default 20). */
  readonly propertyRuns?: number
}

/** What each case file gets: the options plus lifecycle helpers. */
export interface Harness {
  readonly name: string
  readonly options: StoreConformanceOptions
  readonly sha512: Sha512
  /** A fresh store, opened, journal initialized with {@link NODE_FP}. */
  fresh(init?: boolean): Promise<Store>
  /** Destroy a store created by `fresh`. */
  dispose(store: Store): Promise<void>
  /** Run `fn` on a fresh store and always dispose it; returns the (possibly reopened) store. */
  with(fn: (store: Store) => Promise<Store | void>, init?: boolean): Promise<void>
}

/** node:crypto SHA-512, the default hash of the suite. */
export const nodeSha512: Sha512 = (data) =>
  new Uint8Array(createHash('sha512').update(data).digest())

/** A digest for a label (fingerprints and users of the fixtures). */
export function digestOf(label: string, sha512: Sha512 = nodeSha512): string {
  return toBase64url(sha512(utf8(label)))
}

/** The node fingerprint written as journal line 1 by `fresh()`. */
export const NODE_FP = digestOf('conformance node')
/** Three users the fixtures publish for. */
export const USERS = [digestOf('user a'), digestOf('user b'), digestOf('user c')] as const
/** Kinds the fixtures use. */
export const KINDS = ['message', 'trust', 'encrypted'] as const
/** Base `created` of the fixtures (ms). */
export const T0 = 1_700_000_000_000

/**
 * Deterministic item number `n`: bytes depend on `n` and `salt`, the id is the SHA-512 of the
 * bytes (as for real resources), `created` repeats every 5 so (created, id) ties are exercised.
 */
export function makeItem(n: number, salt = '', sha512: Sha512 = nodeSha512): IngestItem {
  const bytes = utf8(`{"resource":${n},"salt":"${salt}","pad":"${'x'.repeat(n % 17)}"}`)
  const base = {
    id: toBase64url(sha512(bytes)),
    user: USERS[n % USERS.length]!,
    kind: KINDS[n % KINDS.length]!,
    created: T0 + (n % 5) * 1000,
    bytes,
  }
  return n % 4 === 0 ? { ...base, ref: `conv-${n % 8}` } : base
}

/** Every journal line, read page by page (exercises readJournal paging). */
export async function readAllLines(store: Store, page = 64): Promise<string[]> {
  const lines: string[] = []
  let after = 0
  for (;;) {
    const rows = await store.readJournal(after, page)
    for (const row of rows) {
      if (row.position !== after + 1) throw new Error(`journal gap at position ${after + 1}`)
      lines.push(row.line)
      after = row.position
    }
    if (rows.length < page) return lines
  }
}

/** Check the journal: chain verifies, one line per stored resource and vice versa. */
export async function checkJournal(store: Store, sha512: Sha512): Promise<string[]> {
  const lines = await readAllLines(store)
  const v = verifyJournal(lines, sha512)
  if (!v.ok) throw new Error(`journal does not verify: line ${v.badLine}: ${v.reason}`)
  const ids = lines.slice(1).map((l) => l.slice(l.lastIndexOf('/') + 1))
  if (new Set(ids).size !== ids.length) throw new Error('a resource has two journal lines')
  const count = await store.countResources()
  if (count !== ids.length)
    throw new Error(`countResources ${count} != ${ids.length} resource lines`)
  const has = await store.hasResources(ids)
  if (has.some((h) => !h)) throw new Error('a journal line names a resource that is not stored')
  return lines
}

/** Resolve when `promise` rejects with a ProtocolError of `code`; fail otherwise. */
export async function rejectsWith(
  promise: Promise<unknown> | (() => Promise<unknown>),
  code: ErrorCode,
  what: string,
): Promise<void> {
  let outcome: unknown
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (e) {
    if (isProtocolError(e, code)) return
    outcome = e
  }
  const got =
    outcome === undefined
      ? 'no error'
      : isProtocolError(outcome)
        ? `ProtocolError ${outcome.code}: ${outcome.message}`
        : String(outcome)
  throw new Error(`${what}: expected ProtocolError ${code}, got ${got}`)
}

export { ErrorCode }

/** An async generator of `total` bytes in `chunk`-byte pieces, never holding more than one. */
export async function* generateBytes(total: number, chunk: number): AsyncGenerator<Uint8Array> {
  let sent = 0
  let n = 0
  while (sent < total) {
    const size = Math.min(chunk, total - sent)
    const piece = new Uint8Array(size)
    for (let i = 0; i < size; i += 251) piece[i] = (n + i) & 0xff
    piece[size - 1] = n & 0xff
    n++
    sent += size
    yield piece
  }
}

/** SHA-256 hex of the bytes `generateBytes(total, chunk)` yields, computed streaming. */
export async function hashGenerated(total: number, chunk: number): Promise<string> {
  const h = createHash('sha256')
  for await (const piece of generateBytes(total, chunk)) h.update(piece)
  return h.digest('hex')
}
