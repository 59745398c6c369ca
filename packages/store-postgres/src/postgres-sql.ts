/**
 * SQL builders and row mappers of the PostgreSQL store: resource queries and sync ranges in
 * (created, id) order (docs/protocol/sync.md). Values always travel as parameters.
 * @module
 */
import type { ResourceKey, ResourceMeta, ResourceQuery } from '@sdmp/store'
import type { PgTables } from './postgres-journal.js'

type Row = Record<string, unknown>

/** A resources row (without bytes) as ResourceMeta; no `ref` key when the column is NULL. */
export function toMeta(row: Row): ResourceMeta {
  const ref = row['ref'] as string | null
  const meta = {
    id: row['id'] as string,
    user: row['user_fp'] as string,
    kind: row['kind'] as string,
    created: Number(row['created']),
    position: Number(row['position']),
  }
  return ref === null ? meta : { ...meta, ref }
}

/** SELECT for {@link ResourceQuery}: every filter is an indexed column, ordered by position. */
export function resourceQuerySql(
  t: PgTables,
  q: ResourceQuery,
): { sql: string; values: unknown[] } {
  const where: string[] = []
  const values: unknown[] = []
  const add = (clause: (n: string) => string, value: unknown): void => {
    values.push(value)
    where.push(clause(`$${values.length}`))
  }
  if (q.kinds !== undefined) add((n) => `kind = ANY(${n}::text[])`, q.kinds)
  if (q.user !== undefined) add((n) => `user_fp = ${n}`, q.user)
  if (q.ref !== undefined) add((n) => `ref = ${n}`, q.ref)
  if (q.afterPosition !== undefined) add((n) => `position > ${n}`, q.afterPosition)
  let sql = `SELECT id, user_fp, kind, created, ref, position FROM ${t.resources}`
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`
  sql += ` ORDER BY position${q.descending ? ' DESC' : ''}`
  if (q.limit !== undefined) {
    values.push(q.limit)
    sql += ` LIMIT $${values.length}`
  }
  return { sql, values }
}

/**
 * WHERE clause for `from <= (created, id) < to`. Row comparison on the (created, id) index; ids
 * use the "C" collation, so an id prefix (or '') bounds exactly as in byte order.
 */
export function rangeWhere(range: { from?: ResourceKey; to?: ResourceKey }): {
  where: string
  values: unknown[]
} {
  const parts: string[] = []
  const values: unknown[] = []
  if (range.from) {
    values.push(range.from.created, range.from.id)
    parts.push(`(created, id) >= ($${values.length - 1}::bigint, $${values.length}::text)`)
  }
  if (range.to) {
    values.push(range.to.created, range.to.id)
    parts.push(`(created, id) < ($${values.length - 1}::bigint, $${values.length}::text)`)
  }
  return { where: parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '', values }
}
