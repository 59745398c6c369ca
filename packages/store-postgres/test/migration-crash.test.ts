/**
 * Crash mid-migration on PostgreSQL: a version-1 schema holding data is opened by a child process
 * with the real migrations, and the child is SIGKILLed inside migration 2's transaction while it
 * holds the schema's advisory lock. The server must roll the transaction back and drop the lock,
 * so the schema is still at version 1, and the next open migrates it to version 2 with all data
 * intact and the journal verifying (docs/store.md "Faults").
 * @module
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { verifyJournal } from '@sdmp/core'
import type { Store } from '@sdmp/store'
import { PostgresStore, createPgPool } from '../src/index.js'
import { PG_MIGRATIONS } from '../src/postgres-migrator.js'
import { NODE_FP, itemOf } from './fixtures/items.js'
import {
  adminPool,
  dropSchema,
  pgStore,
  postgresSelected,
  randomSchema,
  sha512,
} from './pg-test-env.js'

const CHILD = fileURLToPath(new URL('./fixtures/migrate-worker.js', import.meta.url))
const ITEMS = Array.from({ length: 80 }, (_, i) => itemOf(1000 + i))

function runChild(url: string, schema: string, killIn: number) {
  const child = spawn(process.execPath, [CHILD, url, schema], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SDMP_TEST_KILL_IN_MIGRATION: String(killIn) },
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
  return new Promise<{ lines: string[]; signal: string | null; stderr: string }>((resolve) =>
    child.on('exit', (_code, signal) =>
      resolve({ lines: out.split('\n').filter(Boolean), signal, stderr: err }),
    ),
  )
}

async function checkData(store: Store, what: string): Promise<void> {
  const lines = (await store.readJournal(0, 10_000)).map((r) => r.line)
  const v = verifyJournal(lines, sha512)
  assert.ok(v.ok, `${what}: journal does not verify at line ${v.badLine}: ${v.reason}`)
  assert.equal(lines.length, ITEMS.length + 1, `${what}: journal length`)
  for (const item of ITEMS)
    assert.deepEqual(await store.getResource(item.id), item.bytes, `${what}: ${item.id} lost`)
  assert.deepEqual(await store.getSecret('node-key'), new Uint8Array([1, 2, 3]))
}

if (postgresSelected('migration-crash')) {
  const url = process.env['PG_URL']!
  const admin = adminPool(url)
  after(() => admin.end())

  /** The committed layout of `schema`: its version and whether the local table exists. */
  async function layout(schema: string) {
    const meta = await admin.query(`SELECT value FROM "${schema}".sdmp_meta WHERE key = 'version'`)
    const local = await admin.query('SELECT to_regclass($1) IS NOT NULL AS t', [
      `"${schema}".local`,
    ])
    const applied = await admin.query(
      `SELECT array_agg(version ORDER BY version) AS v FROM "${schema}".sdmp_migrations`,
    )
    return {
      version: (meta.rows[0] as { value: string }).value,
      local: (local.rows[0] as { t: boolean }).t,
      applied: (applied.rows[0] as { v: number[] }).v,
    }
  }

  describe('postgres: crash mid-migration', () => {
    it('postgres: a kill -9 inside migration 2 rolls it back and the next open completes it', async () => {
      assert.equal(PG_MIGRATIONS.length, 2, 'this test kills inside migration 2')
      const schema = randomSchema()
      after(() => dropSchema(admin, schema))

      // A version-1 schema with data: only migration 1 applied (test seam).
      const pool = () => createPgPool({ url, maxConnections: 2, applicationName: 'sdmp-test' })
      const v1 = new PostgresStore(
        { pool, schema, sha512 },
        { migrations: PG_MIGRATIONS.slice(0, 1) },
      )
      await v1.open()
      await v1.initJournal(NODE_FP)
      await v1.putResources(ITEMS)
      await v1.putSecret('node-key', new Uint8Array([1, 2, 3]))
      await checkData(v1, 'version 1')
      await v1.close()
      assert.deepEqual(await layout(schema), { version: '1', local: false, applied: [1] })

      const run = await runChild(url, schema, 2)
      assert.deepEqual(run.lines, ['killing in migration 2'], `child: ${run.stderr}`)
      assert.equal(run.signal, 'SIGKILL')
      assert.deepEqual(await layout(schema), { version: '1', local: false, applied: [1] })

      // The open waits for the dead session's advisory lock, which the server drops with it.
      const store = pgStore(url, schema)
      try {
        await store.open()
        await checkData(store, 'after migration')
        await store.putLocal('inbox', [{ key: 'k', value: new Uint8Array([4]) }])
        assert.deepEqual(await store.getLocal('inbox', 'k'), new Uint8Array([4]))
        const [next] = await store.putResources([itemOf(5000)])
        assert.equal(next!.position, ITEMS.length + 2)
      } finally {
        await store.close()
      }
      assert.deepEqual(await layout(schema), { version: '2', local: true, applied: [1, 2] })
    })
  })
}
