/**
 * Durability under `kill -9` (issue 3 "Durability and safety"): a worker process ingests into
 * PostgreSQL and prints each acknowledgement; the test kills it at a random moment, several
 * times over one schema, then checks that every acknowledged resource is stored with the line it
 * was acknowledged with, the chain verifies, and no half-written batch is visible.
 * @module
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { verifyJournal } from '@sdmp/core'
import type { PutResult } from '@sdmp/store'
import { seedFromEnv, waitFor } from '@sdmp/testkit'
import { NODE_FP, itemOf } from './fixtures/items.js'
import { acksOf, startWorker } from './fixtures/worker-control.js'
import {
  adminPool,
  dropSchema,
  pgStore,
  postgresSelected,
  randomSchema,
  sha512,
} from './pg-test-env.js'

/** xorshift32 in [0, 1), seeded, so a failing run can be replayed with SEED. */
function random(seed: number): () => number {
  let s = seed | 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

if (postgresSelected('crash')) {
  const url = process.env['PG_URL']!
  const admin = adminPool(url)
  after(() => admin.end())

  describe('postgres: kill -9', () => {
    it('postgres: acknowledged resources survive kill -9 at random moments, chain intact', async () => {
      const seed = seedFromEnv()
      const rnd = random(seed)
      const schema = randomSchema()
      after(() => dropSchema(admin, schema))
      const acked = new Map<string, PutResult>()
      const rounds = 6
      try {
        for (let round = 0; round < rounds; round++) {
          // Each round overlaps the previous one, so a crashed batch is re-ingested.
          const items = Array.from({ length: 300 }, (_, i) => round * 150 + i)
          const w = startWorker({
            url,
            schema,
            mode: 'ingest',
            items,
            batch: 1 + (round % 3) * 12,
            inflight: 3,
          })
          await waitFor(() => w.messages.some((m) => m['ready']), { timeout: 30_000 })
          w.go()
          let exited = false
          void w.exited.then(() => (exited = true))
          const killAt = 1 + Math.floor(rnd() * 120)
          await waitFor(() => exited || acksOf(w).length >= killAt, {
            timeout: 60_000,
            what: `${killAt} acks`,
          })
          w.kill()
          await w.exited
          for (const ack of acksOf(w)) {
            const before = acked.get(ack.id)
            if (before)
              assert.deepEqual({ ...ack, inserted: false }, { ...before, inserted: false })
            if (!before || ack.inserted) acked.set(ack.id, ack)
          }
        }
        assert.ok(acked.size > 0)

        const store = pgStore(url, schema)
        after(() => store.close())
        const rows = await store.readJournal(0, 100_000)
        const lines = rows.map((r) => r.line)
        rows.forEach((r, i) => assert.equal(r.position, i + 1, 'no gap in positions'))
        assert.equal(lines[0], NODE_FP)
        const v = verifyJournal(lines, sha512)
        assert.ok(v.ok, `chain breaks at line ${v.badLine}: ${v.reason}`)
        // Nothing half-written: resources and journal lines match one to one.
        const direct = await admin.query(
          `SELECT (SELECT count(*) FROM "${schema}".resources)::int AS r,
                  (SELECT count(*) FROM "${schema}".journal)::int AS j,
                  (SELECT position FROM "${schema}".journal_head)::int AS h,
                  (SELECT count(*) FROM "${schema}".resources r
                     JOIN "${schema}".journal j ON j.position = r.position
                      AND j.resource_id = r.id)::int AS joined`,
        )
        const c = direct.rows[0] as { r: number; j: number; h: number; joined: number }
        assert.deepEqual(c, { r: lines.length - 1, j: lines.length, h: lines.length, joined: c.r })
        for (const ack of acked.values()) {
          assert.equal(lines[ack.position - 1], ack.line, `acknowledged ${ack.id} kept its line`)
          const n = Number(
            /"multi":(\d+)/.exec(Buffer.from((await store.getResource(ack.id))!).toString())![1],
          )
          assert.equal(itemOf(n).id, ack.id)
        }
      } catch (e) {
        throw new Error(`kill -9 test failed with SEED=${seed}: ${(e as Error).message}`, {
          cause: e,
        })
      }
    })
  })
}
