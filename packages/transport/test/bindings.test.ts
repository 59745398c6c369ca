/**
 * TCP and WebSocket binding edge cases: unreachable peers, text messages, when small TCP writes
 * leave the process.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { waitFor } from '@sdmp/testkit'
import { createServer, connect } from 'node:net'
import type { Socket } from 'node:net'
import { WebSocket } from 'ws'
import { makeTestNode } from '../src/conformance.js'
import { connectTcp, listenTcp, socketDuplex } from '../src/tcp.js'
import { connectWebSocket, listenWebSocket } from '../src/websocket.js'

const provider = createNodeProvider()
const allow = async () => ({ ok: true }) as const
const node = makeTestNode(provider)
const listenerOptions = (errors: Error[]) => ({
  provider,
  nodeSeed: node.seed,
  fingerprintOf: node.fingerprintOf,
  authorize: allow,
  onChannel: () => {},
  onError: (e: Error) => errors.push(e),
})
const dialOptions = {
  provider,
  nodeSeed: node.seed,
  fingerprintOf: node.fingerprintOf,
  authorize: allow,
}

describe('bindings', () => {
  it('tcp: dialling a closed port fails with UNAVAILABLE', async () => {
    const server = await listenTcp({ host: '127.0.0.1', port: 0 }, listenerOptions([]))
    const port = server.port
    await server.close()
    await assert.rejects(connectTcp({ host: '127.0.0.1', port }, dialOptions), (e: unknown) =>
      isProtocolError(e, ErrorCode.UNAVAILABLE),
    )
  })

  it('websocket: dialling a closed port fails with UNAVAILABLE', async () => {
    const server = await listenWebSocket({ host: '127.0.0.1', port: 0 }, listenerOptions([]))
    const url = server.url
    await server.close()
    await assert.rejects(connectWebSocket(url, dialOptions), (e: unknown) =>
      isProtocolError(e, ErrorCode.UNAVAILABLE),
    )
  })

  it('websocket: a text message ends the connection with BAD_REQUEST', async (t) => {
    const errors: Error[] = []
    const server = await listenWebSocket({ host: '127.0.0.1', port: 0 }, listenerOptions(errors))
    t.after(() => server.close())
    const ws = new WebSocket(server.url)
    ws.on('error', () => {})
    await new Promise((r) => ws.once('open', r))
    ws.send('hello, I am text')
    const error = await waitFor(() => errors[0], { what: 'listener error' })
    assert.ok(isProtocolError(error, ErrorCode.BAD_REQUEST), String(error))
    await waitFor(() => ws.readyState === WebSocket.CLOSED, { what: 'socket closed' })
  })

  it('tcp: small frames written together leave as one write, before the writer chain ends', async (t) => {
    // A raw socket pair on loopback: the duplex writes on `client`, `received` counts bytes.
    let received = 0
    const accepted: Socket[] = []
    const server = createServer((s) => {
      accepted.push(s)
      s.on('data', (c: Buffer) => (received += c.length))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as { port: number }
    const client: Socket = connect(port, '127.0.0.1')
    await new Promise((r) => client.once('connect', r))
    t.after(() => {
      client.destroy()
      for (const s of accepted) s.destroy()
      server.close()
    })
    const duplex = socketDuplex(client)
    duplex.attach({ data() {}, end() {}, error() {}, drain() {} })

    // Two frames in one synchronous run are held for one write (corked together)...
    duplex.write(new Uint8Array(100))
    duplex.write(new Uint8Array(200))
    assert.equal(client.writableLength, 300)
    // ...and handed to the kernel at the next microtask, even while the writer goes on with a
    // long chain of awaits (a node signing, committing and indexing after its push). Uncorking
    // on nextTick waited for the whole chain: ~2 ms per message on the wire (docs/load.md §5).
    for (let i = 0; i < 50; i++) await Promise.resolve()
    assert.equal(client.writableLength, 0, 'frames still held after the writer moved on')
    await waitFor(() => received === 300 || undefined, { what: 'both frames at the peer' })
  })
})
