/**
 * Digests at rest (schema version 4, docs/store.md §2): ids, line ids and users are stored as
 * their 64 bytes and users as row numbers, behind an interface of 86-character strings. What the
 * conformance suite cannot see: the columns really are BLOBs, a non-canonical spelling of a
 * digest (same 64 bytes, other trailing bits) is given back exactly and never confused with the
 * canonical one, refs of both kinds round-trip, and every query is served by an index.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { verifyJournal } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import type { ResourceQuery } from '@sdmp/store'
import { SqliteStore } from '../src/sqlite-store.js'
import { FIXED_SQL, resourceQuerySql } from '../src/sqlite-statements.js'
import { CRASH_FP, crashItem, sha512 } from './fixtures/crash-items.js'

const stores = process.env['STORES']
const enabled = stores === undefined || stores.split(',').includes('sqlite')

/** The same 64 bytes with the unused last 4 bits set: passes the 86-character check. */
function nonCanonical(digest: string): string {
  const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(
    digest[85]!,
  )
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  return digest.slice(0, 85) + alphabet[last | 1]!
}

if (enabled)
  describe('sqlite: digests at rest', () => {
    it('sqlite: ids, line ids and users are 64-byte blobs; refs of both kinds round-trip', async (t) => {
      const dir = tmpDir((f) => t.after(f))
      const refs = [crashItem(3, 0).id, nonCanonical(crashItem(3, 0).id), 'conv-1']
      const items = [crashItem(3, 0), ...refs.map((ref, i) => ({ ...crashItem(3, i + 1), ref }))]
      const store = new SqliteStore({ dir, sha512 })
      await store.open()
      await store.initJournal(CRASH_FP)
      await store.putResources(items)
      for (const [i, ref] of refs.entries()) {
        const id = items[i + 1]!.id
        assert.deepEqual(
          (await store.queryResources({ ref })).map((m) => m.id),
          [id],
          ref,
        )
        assert.equal((await store.getMeta(id))?.ref, ref)
      }
      await store.close()

      const raw = new Database(join(dir, 'store.db'), { readonly: true })
      try {
        const types = raw
          .prepare(
            'SELECT typeof(r.id) AS id, length(r.id) AS n, typeof(r.line_id) AS line, typeof(r.user) AS user, typeof(r.ref) AS ref, length(u.fingerprint) AS fp FROM resources r LEFT JOIN users u ON u.n = r.user ORDER BY r.position',
          )
          .all()
        const row = { id: 'blob', n: 64, line: 'blob', user: 'integer', fp: 64 }
        assert.deepEqual(types, [
          { ...row, ref: 'null' },
          { ...row, ref: 'blob' },
          { ...row, ref: 'blob' }, // 86 alphabet characters, non-canonical: 65 bytes
          { ...row, ref: 'text' },
        ])
        // Every lookup and filtered query the store runs is answered through an index.
        const plan = (sql: string) =>
          (
            raw
              .prepare(`EXPLAIN QUERY PLAN ${sql}`)
              .all(...Array((sql.match(/\?/g) ?? []).length).fill(1)) as { detail: string }[]
          )
            .map((r) => r.detail)
            .join('; ')
        const query = (q: ResourceQuery) =>
          resourceQuerySql(q, q.user === undefined ? undefined : 1).sql
        const user = items[0]!.user
        for (const [sql, index] of [
          // The key tables (x) lead to the row by position (schema version 5, sqlite-ids.ts).
          [FIXED_SQL.idIndexed, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.lineIndexed, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.idAt, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.lineIdAt, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.lineAt, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.metaAt, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.bytesAt, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.dropBytesAt, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.recentKeys, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.mergeIds, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.mergeLines, 'INTEGER PRIMARY KEY'],
          [FIXED_SQL.usage, 'INDEX resources_user'],
          [FIXED_SQL.findUser, 'INDEX sqlite_autoindex_users_1'],
          [FIXED_SQL.journal, 'INTEGER PRIMARY KEY'],
          [query({ user }), 'INDEX resources_user'],
          [query({ kinds: ['message'] }), 'INDEX resources_kind'],
          // Not the user's rows, mostly its sealed messages: the prekey lookup of every send.
          [query({ kinds: ['prekey'], user }), 'INDEX resources_kind'],
          [query({ kinds: ['encrypted'], user }), 'INDEX resources_user'],
          [query({ ref: 'conv-1', descending: true }), 'INDEX resources_ref'],
          [query({ afterPosition: 1 }), 'INTEGER PRIMARY KEY'],
        ] as const)
          assert.match(
            plan(sql),
            new RegExp(`SEARCH (r|resources|users) USING (COVERING )?${index}`),
            sql,
          )
        for (const sql of [FIXED_SQL.idIndexed, FIXED_SQL.lineIndexed])
          assert.match(plan(sql), /^SEARCH x USING PRIMARY KEY \(key=\?\); /, sql)
      } finally {
        raw.close()
      }
    })

    it('sqlite: a non-canonical spelling of a digest is kept as given, apart from the canonical one', async (t) => {
      const dir = tmpDir((f) => t.after(f))
      const a = crashItem(4, 0)
      const b0 = crashItem(4, 1)
      // Passes assertDigest (86 alphabet characters) like any id; the text layout stored it as is.
      const b = { ...b0, id: nonCanonical(b0.id), user: nonCanonical(b0.user) }
      const store = new SqliteStore({ dir, sha512 })
      await store.open()
      await store.initJournal(CRASH_FP)
      const puts = await store.putResources([a, b])
      assert.equal(await store.getResource(nonCanonical(a.id)), undefined)
      assert.equal(await store.getMeta(b0.id), undefined)
      assert.deepEqual(await store.hasResources([nonCanonical(a.id), a.id, b.id]), [
        false,
        true,
        true,
      ])
      assert.deepEqual(await store.getResource(b.id), b.bytes)
      assert.deepEqual(await store.getMeta(b.id), {
        id: b.id,
        user: b.user,
        kind: b.kind,
        created: b.created,
        position: 3,
      })
      assert.deepEqual(await store.usageOf(a.user), { count: 1, bytes: a.bytes.length })
      assert.deepEqual(
        (await store.queryResources({ user: b.user })).map((m) => m.id),
        [b.id],
      )
      assert.equal(await store.findJournalLine(nonCanonical(puts[0]!.line.slice(0, 86))), undefined)
      await store.close()

      const again = new SqliteStore({ dir, sha512 })
      t.after(() => again.close())
      await again.open()
      const lines = (await again.readJournal(0, 10)).map((r) => r.line)
      assert.deepEqual(lines, [CRASH_FP, ...puts.map((p) => p.line)])
      assert.ok(verifyJournal(lines, sha512).ok)
      assert.deepEqual(await again.journalHead(), { position: 3, line: puts[1]!.line })
      assert.equal(await again.dropResourceBytes([nonCanonical(a.id), b.id]), 1)
    })
  })
