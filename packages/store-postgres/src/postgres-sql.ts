/**
 * SQL builders and row mappers of the PostgreSQL store: resource queries in journal order
 * (docs/store.md). Values always travel as parameters.
 * @module
 */
import type { ResourceMeta, ResourceQuery } from '@sdmp/store'
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
