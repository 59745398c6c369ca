/** The transport conformance suite over every binding: in-memory, in-memory with latency/jitter, TCP and WebSocket on 127.0.0.1. @module */
import { createNobleProvider } from '@sdmp/core'
import { secureChannel } from '../src/channel.js'
import { runTransportConformance } from '../src/conformance.js'
import type { TransportPair } from '../src/conformance.js'
import { createDuplexPair } from '../src/duplex.js'
import type { DuplexPairOptions } from '../src/duplex.js'
import { createListener } from '../src/listener.js'
import { connectTcp, listenTcp } from '../src/tcp.js'
import { connectWebSocket, listenWebSocket } from '../src/websocket.js'
import { createNodeProvider } from '@sdmp/crypto-node'
import { seedFromEnv } from '@sdmp/testkit'

// The pure-JS preset on the in-memory pairs, the native preset on the sockets: both presets
// pass the same suite (interop.test.ts checks that they talk to each other).
const noble = createNobleProvider()
const native = createNodeProvider()

function memoryPair(pairOptions: DuplexPairOptions = {}): TransportPair {
  return async (options) => {
    const listener = createListener(options)
    let n = 0
    return {
      listener,
      connect(o) {
        const [a, b] = createDuplexPair({
          ...pairOptions,
          addresses: ['mem:server', `mem:client${n++}`],
        })
        listener.accept(b)
        return secureChannel(a, { ...o, role: 'initiator' })
      },
      close: () => listener.close(),
    }
  }
}

const tcpPair: TransportPair = async (options) => {
  const server = await listenTcp({ host: '127.0.0.1', port: 0 }, options)
  return {
    listener: server.listener,
    connect: (o) => connectTcp({ host: '127.0.0.1', port: server.port }, o),
    close: () => server.close(),
  }
}

const webSocketPair: TransportPair = async (options) => {
  const server = await listenWebSocket({ host: '127.0.0.1', port: 0 }, options)
  return {
    listener: server.listener,
    connect: (o) => connectWebSocket(server.url, o),
    close: () => server.close(),
  }
}

const seed = seedFromEnv()
runTransportConformance({ name: 'memory', pair: memoryPair(), provider: noble })
runTransportConformance({
  name: `memory+latency (seed ${seed})`,
  pair: memoryPair({ latencyMs: 2, jitterMs: 3, seed }),
  provider: noble,
})
runTransportConformance({ name: 'tcp', pair: tcpPair, provider: native })
runTransportConformance({ name: 'websocket', pair: webSocketPair, provider: native })
