/**
 * Boundary checks shared by every Store backend, so each rejects the same bad input with the
 * same coded ProtocolError (docs/store.md "Input checks"). Backends call these before touching
 * their storage; the conformance suite checks that they do.
 * @module
 */
import { ErrorCode, ProtocolError, isBlobHash, isDigest } from '@sdmp/core'
import { MAX_LOCAL_VALUE_BYTES } from './store.js'
import type { IngestItem, LocalRange, LocalRecord, PeerState } from './store.js'

/** Longest accepted name for secrets and peers (characters). */
export const MAX_NAME_LENGTH = 256
/** Longest accepted `kind` string (characters). */
export const MAX_KIND_LENGTH = 64

function bad(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.BAD_REQUEST, message)
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return 'Uint8Array'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

/** An 86-character base64url digest (resource id, fingerprint, line id). @throws BAD_REQUEST */
export function assertDigest(value: unknown, label: string): string {
  if (!isDigest(value)) {
    const got = typeof value === 'string' ? `${value.length} characters` : typeName(value)
    throw bad(`${label}: expected 86-character base64url digest, got ${got}`)
  }
  return value
}

/** A non-empty string of at most `max` characters. @throws BAD_REQUEST */
export function assertName(value: unknown, label: string, max = MAX_NAME_LENGTH): string {
  if (typeof value !== 'string') throw bad(`${label}: expected string, got ${typeName(value)}`)
  if (value.length === 0 || value.length > max)
    throw bad(`${label}: expected 1..${max} characters, got ${value.length}`)
  return value
}

/** A safe integer >= `min`. @throws BAD_REQUEST */
export function assertInteger(value: unknown, label: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw bad(`${label}: expected integer >= ${min}, got ${typeName(value)}`)
  return value
}

/** Bytes. @throws BAD_REQUEST */
export function assertBytes(value: unknown, label: string): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw bad(`${label}: expected Uint8Array, got ${typeName(value)}`)
  return value
}

/**
 * A lowercase SHA-256 hex digest naming a blob (this also keeps blob paths safe).
 * @throws BAD_REQUEST
 */
export function assertBlobHash(value: unknown, label = 'blob hash'): string {
  if (!isBlobHash(value)) {
    const got = typeof value === 'string' ? `${value.length} characters` : typeName(value)
    throw bad(`${label}: expected 64 lowercase hex characters, got ${got}`)
  }
  return value
}

/** An array. @throws BAD_REQUEST */
export function assertArray(value: unknown, label: string): readonly unknown[] {
  if (!Array.isArray(value)) throw bad(`${label}: expected array, got ${typeName(value)}`)
  return value
}

/** One ingest item: digests, kind, created and bytes. @throws BAD_REQUEST */
export function assertIngestItem(value: unknown, label = 'item'): IngestItem {
  if (typeof value !== 'object' || value === null)
    throw bad(`${label}: expected object, got ${typeName(value)}`)
  const item = value as Record<string, unknown>
  assertDigest(item['id'], `${label}.id`)
  assertDigest(item['user'], `${label}.user`)
  assertName(item['kind'], `${label}.kind`, MAX_KIND_LENGTH)
  assertInteger(item['created'], `${label}.created`)
  assertBytes(item['bytes'], `${label}.bytes`)
  if (item['ref'] !== undefined) assertName(item['ref'], `${label}.ref`)
  if (item['compact'] !== undefined) assertBytes(item['compact'], `${label}.compact`)
  return value as IngestItem
}

/**
 * Every item of a batch, before anything is written (a batch is all or nothing).
 * @throws BAD_REQUEST
 */
export function assertIngestItems(value: unknown): readonly IngestItem[] {
  const items = assertArray(value, 'items')
  for (let i = 0; i < items.length; i++) assertIngestItem(items[i], `items[${i}]`)
  return items as readonly IngestItem[]
}

/** A peer state record. @throws BAD_REQUEST */
export function assertPeerState(value: unknown): PeerState {
  if (typeof value !== 'object' || value === null)
    throw bad(`state: expected object, got ${typeName(value)}`)
  const s = value as Record<string, unknown>
  assertInteger(s['updatedAt'], 'state.updatedAt')
  if (s['lastKnown'] !== undefined) assertDigest(s['lastKnown'], 'state.lastKnown')
  if (s['extra'] !== undefined && typeof s['extra'] !== 'string')
    throw bad(`state.extra: expected string, got ${typeName(s['extra'])}`)
  return value as PeerState
}

const LOCAL_NS = /^[a-z0-9._-]{1,64}$/
const LOCAL_KEY = /^[\x21-\x7e]{1,256}$/

/** A local-record namespace. @throws BAD_REQUEST */
export function assertLocalNamespace(value: unknown): string {
  if (typeof value !== 'string' || !LOCAL_NS.test(value))
    throw bad('local namespace: expected 1..64 of a-z 0-9 . _ -')
  return value
}

/** A local-record key. @throws BAD_REQUEST */
export function assertLocalKey(value: unknown, label = 'local key'): string {
  if (typeof value !== 'string' || !LOCAL_KEY.test(value))
    throw bad(`${label}: expected 1..256 printable ASCII characters`)
  return value
}

/** Records to put (checked all before any is written). @throws BAD_REQUEST */
export function assertLocalRecords(value: unknown): readonly LocalRecord[] {
  const list = assertArray(value, 'local records')
  list.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) throw bad(`local records[${i}]: expected object`)
    const { key, value: v } = r as Record<string, unknown>
    assertLocalKey(key, `local records[${i}].key`)
    assertBytes(v, `local records[${i}].value`)
    if ((v as Uint8Array).length > MAX_LOCAL_VALUE_BYTES)
      throw bad(`local records[${i}].value: larger than ${MAX_LOCAL_VALUE_BYTES} bytes`)
  })
  return list as readonly LocalRecord[]
}

/** A local range. @throws BAD_REQUEST */
export function assertLocalRange(value: unknown): LocalRange {
  if (typeof value !== 'object' || value === null) throw bad('local range: expected object')
  const r = value as Record<string, unknown>
  if (r['after'] !== undefined) assertLocalKey(r['after'], 'local range.after')
  if (r['before'] !== undefined) assertLocalKey(r['before'], 'local range.before')
  const limit = assertInteger(r['limit'], 'local range.limit', 1)
  if (limit > 10_000) throw bad('local range.limit: at most 10000')
  if (r['descending'] !== undefined && typeof r['descending'] !== 'boolean')
    throw bad('local range.descending: expected boolean')
  return r as unknown as LocalRange
}

/** Bytewise order of ASCII keys (what SQLite BINARY and PostgreSQL COLLATE "C" give). */
export function compareLocalKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
