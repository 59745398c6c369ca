/** The two crypto presets speak the same wire protocol: a noble node and a native node complete the handshake and exchange messages, in both roles. @module */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createNobleProvider, utf8 } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { secureChannel } from '../src/channel.js'
import { collect, makeTestNode } from '../src/conformance.js'
import { createDuplexPair } from '../src/duplex.js'

const presets: [string, CryptoProvider][] = [
  ['noble', createNobleProvider()],
  ['native', createNodeProvider()],
]

describe('interop between crypto presets', () => {
  for (const [iName, iProvider] of presets)
    for (const [rName, rProvider] of presets) {
      it(`${iName} initiator and ${rName} responder agree on keys and frames`, async () => {
        const iNode = makeTestNode(iProvider)
        const rNode = makeTestNode(rProvider)
        const [a, b] = createDuplexPair()
        const authorize = async () => ({ ok: true }) as const
        const limits = { rekeyAfterFrames: 2 }
        const [client, server] = await Promise.all([
          secureChannel(a, {
            role: 'initiator',
            provider: iProvider,
            nodeSeed: iNode.seed,
            fingerprintOf: iNode.fingerprintOf,
            authorize,
            expectedPeer: rNode.fingerprint,
            limits,
          }),
          secureChannel(b, {
            role: 'responder',
            provider: rProvider,
            nodeSeed: rNode.seed,
            fingerprintOf: rNode.fingerprintOf,
            authorize,
            limits,
          }),
        ])
        const toServer = collect(server, 5)
        const toClient = collect(client, 5)
        for (let i = 0; i < 5; i++) {
          await client.send(utf8(`c${i}`))
          await server.send(utf8(`s${i}`))
        }
        assert.deepEqual(
          await toServer,
          [0, 1, 2, 3, 4].map((i) => utf8(`c${i}`)),
        )
        assert.deepEqual(
          await toClient,
          [0, 1, 2, 3, 4].map((i) => utf8(`s${i}`)),
        )
        assert.ok(client.stats.rekeysSent > 0 && server.stats.rekeysSent > 0)
        await client.close()
        assert.equal((await server.closed).clean, true)
      })
    }
})
