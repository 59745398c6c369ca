/**
 * Loaded into a daemon by reads-probe.ts (`node --import <this file> sdmp start`): counts what
 * the daemon asks its SQLite store, by wrapping better-sqlite3's statements. Per statement text
 * (whitespace folded) the runs; for the local-record read, the key prefix (`m:`, `r:`, ...) and
 * whether a row came back; for the secret read, the secret's name; for the local upsert, the
 * key prefix. SIGUSR2 resets the counts (after a warm-up); SIGTERM, before the daemon stops,
 * writes them to `$SDMP_READS_DIR/<pid>.json`. Not part of the product, nor of `npm run bench`.
 * @module
 */
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

/** What one daemon ran: counts by key (see the module comment). */
export interface ReadCounts {
  readonly statements: Record<string, number>
  readonly local: Record<string, number>
  readonly secrets: Record<string, number>
  readonly upserts: Record<string, number>
}

type Counts = { [K in keyof ReadCounts]: Map<string, number> }
const fresh = (): Counts => ({
  statements: new Map(),
  local: new Map(),
  secrets: new Map(),
  upserts: new Map(),
})
let counts = fresh()
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)
/** `m:` of `m:<id>`, or the whole key when it has no colon (`cursor`, `count`). */
const prefixOf = (key: unknown) => (typeof key === 'string' ? /^[^:]*:?/.exec(key)![0] : '?')

interface Statement {
  run(...a: unknown[]): unknown
  get(...a: unknown[]): unknown
  all(...a: unknown[]): unknown
  iterate(...a: unknown[]): unknown
}

/** Wrap one prepared statement's methods to count its runs (and, for three of them, more). */
function counted(sql: string, st: Statement): Statement {
  const text = sql.replace(/\s+/g, ' ').trim()
  const short = text.length > 96 ? `${text.slice(0, 96)}...` : text
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = st[method].bind(st)
    st[method] = (...args: unknown[]) => {
      bump(counts.statements, `${method}: ${short}`)
      const out = original(...args)
      if (method === 'get' && text.startsWith('SELECT value FROM local WHERE'))
        bump(counts.local, `${prefixOf(args[1])} ${out === undefined ? 'missing' : 'found'}`)
      if (method === 'get' && text.startsWith('SELECT value FROM secrets WHERE'))
        bump(counts.secrets, String(args[0]))
      if (method === 'run' && text.startsWith('INSERT INTO local'))
        bump(counts.upserts, prefixOf(args[1]))
      return out
    }
  }
  return st
}

/** packages/store-sqlite/package.json, from this compiled file (packages/bench/dist/bench). */
const STORE_PACKAGE = new URL('../../../store-sqlite/package.json', import.meta.url).pathname
// The store's own copy of better-sqlite3, so that the prototype patched is the one it uses.
const Database = createRequire(STORE_PACKAGE)('better-sqlite3') as {
  prototype: { prepare(sql: string): Statement; exec(sql: string): unknown }
}
const prepare = Database.prototype.prepare
Database.prototype.prepare = function (this: unknown, sql: string) {
  return counted(sql, prepare.call(this, sql))
}
const exec = Database.prototype.exec
Database.prototype.exec = function (this: unknown, sql: string) {
  bump(counts.statements, `exec: ${sql.replace(/\s+/g, ' ').trim()}`)
  return exec.call(this, sql)
}

process.on('SIGUSR2', () => (counts = fresh()))
process.on('SIGTERM', () => {
  const dir = process.env['SDMP_READS_DIR']
  if (!dir) return
  const out: ReadCounts = {
    statements: Object.fromEntries(counts.statements),
    local: Object.fromEntries(counts.local),
    secrets: Object.fromEntries(counts.secrets),
    upserts: Object.fromEntries(counts.upserts),
  }
  writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(out))
})
