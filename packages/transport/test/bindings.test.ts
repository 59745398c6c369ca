/** TCP and WebSocket binding edge cases: unreachable peers, text messages, noDelay. @module */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { waitFor } from '@sdmp/testkit'
import { WebSocket } from 'ws'
import { makeTestNode } from '../src/conformance.js'
import { connectTcp, listenTcp } from '../src/tcp.js'
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
})
