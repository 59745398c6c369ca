/**
 * Several daemon processes over one PostgreSQL schema (issue 3, docs/scale.md): real child
 * processes ingest distinct and overlapping resources at once; afterwards every resource is
 * stored once with exactly one journal line and the chain is linear. Also two or three processes
 * opening a fresh schema at the same moment (migration race).
 * @module
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { verifyJournal } from '@sdmp/core'
import { PG_STORE_VERSION } from '../src/index.js'
import type { WorkerArgs } from './fixtures/store-worker.js'
import { acksOf, runTogether } from './fixtures/worker-control.js'
import { NODE_FP, itemOf } from './fixtures/items.js'
import {
  adminPool,
  dropSchema,
  pgStore,
  postgresSelected,
  randomSchema,
  sha512,
} from './pg-test-env.js'

/** A deterministic shuffle (xorshift) so each worker hits the shared items in its own order. */
function shuffled(list: readonly number[], seed: number): number[] {
  const out = [...list]
  let s = seed || 1
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    const j = Math.abs(s) % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

if (postgresSelected('multi-process')) {
  const url = process.env['PG_URL']!
  const admin = adminPool(url)
  after(() => admin.end())

  describe('postgres: several processes over one database', () => {
    it('postgres: concurrent ingest from 3 processes gives one line per resource and a linear chain', async () => {
      const schema = randomSchema()
      after(() => dropSchema(admin, schema))
      const range = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, i) => from + i)
      const shared = range(450, 600)
      const plans: WorkerArgs[] = [
        { items: shuffled([...range(0, 150), ...shared], 7), batch: 1, inflight: 4 },
        { items: shuffled([...range(150, 300), ...shared], 11), batch: 20, inflight: 3 },
        { items: shuffled([...range(300, 450), ...shared], 13), batch: 7, inflight: 4 },
      ].map((p) => ({ url, schema, mode: 'ingest', ...p }))
      const workers = await runTogether(plans)

      const store = pgStore(url, schema)
      after(() => store.close())
      await store.open()
      const rows = await store.readJournal(0, 10_000)
      const lines = rows.map((r) => r.line)
      assert.deepEqual(
        rows.map((r) => r.position),
        range(1, 602),
        'positions 1..601, no gaps',
      )
      assert.equal(lines[0], NODE_FP)
      const verified = verifyJournal(lines, sha512)
      assert.ok(verified.ok, `chain breaks at line ${verified.badLine}: ${verified.reason}`)
      const journalIds = lines.slice(1).map((l) => l.slice(l.lastIndexOf('/') + 1))
      assert.equal(new Set(journalIds).size, 600, 'no resource has two lines')
      assert.deepEqual(new Set(journalIds), new Set(range(0, 600).map((n) => itemOf(n).id)))
      assert.equal(await store.countResources(), 600)
      const direct = await admin.query(
        `SELECT (SELECT count(*) FROM "${schema}".resources)::int AS r,
                (SELECT count(*) FROM "${schema}".journal)::int AS j`,
      )
      assert.deepEqual(direct.rows[0], { r: 600, j: 601 })

      // Every acknowledgement any process gave matches the journal, and exactly one process
      // inserted each resource (the others were told it already existed).
      const insertedBy = new Map<string, number>()
      workers.forEach((w, k) => {
        const acks = acksOf(w)
        assert.equal(acks.length, plans[k]!.items!.length, `worker ${k} acknowledged every item`)
        for (const ack of acks) {
          assert.equal(ack.line, lines[ack.position - 1], `ack of ${ack.id} matches the journal`)
          assert.ok(ack.line.endsWith(`/${ack.id}`))
          if (ack.inserted) insertedBy.set(ack.id, (insertedBy.get(ack.id) ?? 0) + 1)
        }
      })
      assert.equal(insertedBy.size, 600)
      assert.ok(
        [...insertedBy.values()].every((n) => n === 1),
        'each resource inserted once',
      )
      for (const n of [0, 299, 451, 599]) {
        const item = itemOf(n)
        assert.deepEqual(await store.getResource(item.id), item.bytes)
        const meta = await store.getMeta(item.id)
        assert.ok(lines[meta!.position - 1]!.endsWith(`/${item.id}`))
      }
    })

    it('postgres: processes opening a fresh schema at once migrate it exactly once', async () => {
      for (let round = 0; round < 3; round++) {
        const schema = randomSchema()
        after(() => dropSchema(admin, schema))
        const plan: WorkerArgs = { url, schema, mode: 'open' }
        const workers = await runTogether([plan, plan, plan])
        for (const w of workers) assert.ok(w.messages.some((m) => m['opened']))
        const applied = await admin.query(
          `SELECT version FROM "${schema}".sdmp_migrations ORDER BY version`,
        )
        assert.deepEqual(
          applied.rows.map((r) => (r as { version: number }).version),
          Array.from({ length: PG_STORE_VERSION }, (_, i) => i + 1),
          'each migration applied once',
        )
        const head = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".journal_head`)
        assert.deepEqual(head.rows[0], { n: 1 })
      }
    })
  })
}
