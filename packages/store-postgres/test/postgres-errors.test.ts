/**
 * Driver errors become coded ProtocolErrors with the original in `cause`: a server that cannot be
 * reached or drops the connection mid-transaction gives UNAVAILABLE (and nothing half-written),
 * a unique violation gives CONFLICT.
 * @module
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { createHash } from 'node:crypto'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { waitFor } from '@sdmp/testkit'
import { createPostgresStore, wrapPgError } from '../src/index.js'
import { adminPool, dropSchema, postgresSelected, randomSchema, sha512 } from './pg-test-env.js'

function assertCoded(e: unknown, code: ErrorCode): true {
  assert.ok(isProtocolError(e, code), `expected ${code}, got ${String(e)}`)
  assert.ok(e.cause !== undefined, 'driver error kept in cause')
  return true
}

/** A TCP port on 127.0.0.1 that nothing listens on any more. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('postgres: error mapping without a server', () => {
  it('postgres: a refused connection rejects with UNAVAILABLE', async () => {
    const port = await closedPort()
    const store = createPostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/x`, sha512 })
    await assert.rejects(store.open(), (e) => assertCoded(e, ErrorCode.UNAVAILABLE))
    await assert.rejects(store.countResources(), (e) => assertCoded(e, ErrorCode.UNAVAILABLE))
    await store.close()
  })

  it('postgres: a server that hangs up at once rejects with UNAVAILABLE', async () => {
    const server = createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    after(() => new Promise((resolve) => server.close(resolve)))
    const { port } = server.address() as AddressInfo
    const store = createPostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/x`, sha512 })
    await assert.rejects(store.open(), (e) => assertCoded(e, ErrorCode.UNAVAILABLE))
    await store.close()
  })
})

if (postgresSelected('errors')) {
  const url = process.env['PG_URL']!
  const admin = adminPool(url)
  after(() => admin.end())

  describe('postgres: error mapping with a server', () => {
    it('postgres: a unique violation from the driver becomes CONFLICT', async () => {
      const schema = randomSchema()
      after(() => dropSchema(admin, schema))
      await admin.query(`CREATE SCHEMA "${schema}"`)
      await admin.query(`CREATE TABLE "${schema}".t (k int PRIMARY KEY)`)
      await admin.query(`INSERT INTO "${schema}".t VALUES (1)`)
      const raw = await admin.query(`INSERT INTO "${schema}".t VALUES (1)`).catch((e: unknown) => e)
      const wrapped = wrapPgError(raw, 'insert')
      assertCoded(wrapped, ErrorCode.CONFLICT)
      assert.equal(wrapped.cause, raw)
      assert.equal(wrapped.message, 'insert: already exists')
    })

    it('postgres: a connection killed mid-transaction gives UNAVAILABLE and stores nothing', async () => {
      const schema = randomSchema()
      after(() => dropSchema(admin, schema))
      const app = `sdmp-kill-${schema.slice(-12)}`
      const store = createPostgresStore({ url, schema, sha512, applicationName: app })
      after(() => store.close())
      await store.open()
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      const first = new Uint8Array(300 * 1024).fill(7)
      async function* source() {
        yield first // one 256 KiB chunk is written inside the open transaction
        await gate
        yield new Uint8Array(10)
      }
      const upload = store.putBlob(source())
      const inTx = `SELECT pid FROM pg_stat_activity WHERE application_name = $1
                    AND state = 'idle in transaction'`
      await waitFor(async () => (await admin.query(inTx, [app])).rowCount === 1, {
        what: 'upload transaction open',
      })
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
        [app],
      )
      release()
      await assert.rejects(upload, (e) => assertCoded(e, ErrorCode.UNAVAILABLE))
      const whole = createHash('sha256').update(first).update(new Uint8Array(10)).digest('hex')
      assert.equal(await store.hasBlob(whole), false)
      const chunks = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".blob_chunks`)
      assert.deepEqual(chunks.rows[0], { n: 0 })
      // The pool replaced the dead connection: the store keeps working.
      async function* again() {
        yield first
      }
      const info = await store.putBlob(again())
      assert.equal(info.size, first.length)
    })
  })
}
