/** Property: any bytes fed to a responder end in a coded ProtocolError, never a crash or a hang. @module */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ErrorCode, createNobleProvider, isProtocolError } from '@sdmp/core'
import { seedFromEnv } from '@sdmp/testkit'
import { secureChannel } from '../src/channel.js'
import { makeTestNode } from '../src/conformance.js'
import { createDuplexPair } from '../src/duplex.js'
import { encodeFrame } from '../src/framing.js'
import { XXhfsHandshake, deriveStaticKey } from '../src/handshake.js'

const provider = createNobleProvider()
const server = makeTestNode(provider)
const allowed = new Set<string>([
  ErrorCode.LIMIT_EXCEEDED,
  ErrorCode.BAD_REQUEST,
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.DECRYPT_FAILED,
  ErrorCode.CLOSED,
])

/** A real message 1, so mutations reach the deeper parsing steps. */
const realMessage1 = encodeFrame(
  new XXhfsHandshake(
    provider,
    'initiator',
    deriveStaticKey(provider, makeTestNode(provider).seed),
  ).writeMessage1(),
)

/** Feed chunks to a fresh responder, then end the stream; return how it failed. */
async function feed(chunks: Uint8Array[]): Promise<unknown> {
  const [a, b] = createDuplexPair()
  const result = secureChannel(b, {
    role: 'responder',
    provider,
    nodeSeed: server.seed,
    fingerprintOf: server.fingerprintOf,
    authorize: async () => ({ ok: true }),
    limits: { handshakeTimeoutMs: 5000 },
  }).then(
    () => new Error('handshake unexpectedly succeeded'),
    (e: unknown) => e,
  )
  a.attach({ data() {}, end() {}, error() {}, drain() {} })
  for (const c of chunks) a.write(c)
  a.end()
  return result
}

const randomChunks = fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 4 })
const mutatedMessage1 = fc
  .record({
    flips: fc.array(fc.tuple(fc.nat(realMessage1.length - 1), fc.integer({ min: 1, max: 255 })), {
      maxLength: 4,
    }),
    cut: fc.nat(realMessage1.length),
    tail: fc.uint8Array({ maxLength: 400 }),
  })
  .map(({ flips, cut, tail }) => {
    const m = realMessage1.slice()
    for (const [i, x] of flips) m[i]! ^= x
    return [m.subarray(0, Math.max(cut, 4)), tail]
  })

describe('responder fuzz', () => {
  it('ends every random or mutated input in a coded ProtocolError', async () => {
    const seed = seedFromEnv()
    await fc.assert(
      fc.asyncProperty(fc.oneof(randomChunks, mutatedMessage1), async (chunks) => {
        const error = await feed(chunks)
        assert.ok(
          isProtocolError(error) && allowed.has(error.code),
          `seed ${seed}: expected a coded error, got ${String(error)}`,
        )
      }),
      { seed, numRuns: 300 },
    )
  })
})
