/**
 * Journal signals across processes over a lossy link (docs/scale.md "Several instances"): a
 * notification sent while the listening connection is down is lost, so once the store listens
 * again it signals the committed head, and the consumer reads the journal from its cursor.
 * @module
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { FaultProxy } from '@sdmp/testkit'
import { createPostgresStore } from '../src/index.js'
import {
  adminPool,
  dropSchema,
  pgStore,
  postgresSelected,
  randomSchema,
  sha512,
} from './pg-test-env.js'
import { toBase64url, utf8 } from '@sdmp/core'

const FP = toBase64url(sha512(utf8('watch test node')))

function item(n: number) {
  const bytes = utf8(`{"watch":${n}}`)
  return {
    id: toBase64url(sha512(bytes)),
    user: FP,
    kind: 'message',
    created: 1_700_000_000_000,
    bytes,
  }
}

if (postgresSelected('journal-watch')) {
  const url = new URL(process.env['PG_URL']!)
  const admin = adminPool(url.href)
  after(() => admin.end())

  describe('postgres: journal watch across a lost connection', () => {
    it(
      'postgres: an append notified while the listener was cut is signalled after it reconnects',
      { timeout: 60_000 },
      async () => {
        const schema = randomSchema()
        after(() => dropSchema(admin, schema))
        const proxy = await FaultProxy.start({
          target: { host: url.hostname, port: Number(url.port || 5432) },
        })
        after(() => proxy.close())
        const viaProxy = new URL(url.href)
        viaProxy.host = `127.0.0.1:${proxy.port}`
        const a = createPostgresStore({ url: viaProxy.href, schema, sha512, maxConnections: 3 })
        const b = pgStore(url.href, schema)
        after(() => a.close())
        after(() => b.close())
        await a.open()
        await a.initJournal(FP)
        await b.open()

        const seen: number[] = []
        let wake: (() => void) | undefined
        const watch = await a.watchJournal((head) => {
          seen.push(head)
          wake?.()
        })
        const reached = (position: number) =>
          new Promise<void>((resolve) => {
            const check = (): void => {
              if (seen.some((s) => s >= position)) resolve()
            }
            wake = check
            check()
          })

        // Connected: b's append reaches a by NOTIFY.
        const [first] = await b.putResources([item(1)])
        await reached(first!.position)

        // Cut: a's listening connection dies and new ones are refused; b's NOTIFY is lost for a.
        const connections = proxy.counters.connections
        proxy.cut()
        const [second] = await b.putResources([item(2)])
        proxy.heal()
        await reached(second!.position)
        assert.ok(proxy.counters.connections > connections, 'a listened again on a new connection')
        await watch.close()
      },
    )
  })
}
