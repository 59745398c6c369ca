/**
 * The transport wire vector (packages/transport/vectors/transport-v1.json): a full session with
 * every random input fixed (ephemeral keys, ML-KEM seeds), so a second implementation can check
 * its handshake, frames, rekey and close byte for byte (docs/protocol/transport.md).
 * Regenerate with UPDATE_VECTORS=1 only when the wire format changes on purpose.
 * @module
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { createNobleProvider, fromHex, toBase64url, toHex, utf8 } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { secureChannel } from '../src/channel.js'
import { collect } from '../src/conformance.js'
import { createDuplexPair } from '../src/duplex.js'

const PATH = 'packages/transport/vectors/transport-v1.json'

/** Fixed inputs: hex of what each side would otherwise draw at random, in draw order. */
const INPUTS = {
  initiatorNodeSeed: '01'.repeat(32),
  responderNodeSeed: '02'.repeat(32),
  /** Initiator: X25519 ephemeral secret (32), then ML-KEM-768 keygen seed d‖z (64). */
  initiatorRandom: ['11'.repeat(32), '12'.repeat(64)],
  /** Responder: X25519 ephemeral secret (32), then the ML-KEM encapsulation message m (32). */
  responderRandom: ['21'.repeat(32), '22'.repeat(32)],
  rekeyAfterFrames: 2,
  maxMessageBytes: 65536,
  initiatorMessages: ['hello', 'from', 'the initiator'],
  responderMessages: ['hi', 'back'],
  closeReason: 'normal',
}

/** A provider whose random draws follow a script (for the vector only). */
function scripted(base: CryptoProvider, draws: string[]): CryptoProvider {
  const queue = draws.map((h) => fromHex(h))
  const next = (n: number) => {
    const v = queue.shift()
    if (!v || v.length !== n) throw new Error(`scripted random: unexpected draw of ${n} bytes`)
    return v
  }
  return Object.freeze({
    ...base,
    randomBytes: next,
    mlkem768: Object.freeze({
      keygen: (seed?: Uint8Array) => base.mlkem768.keygen(seed ?? next(64)),
      encapsulate: (pk: Uint8Array, m?: Uint8Array) => base.mlkem768.encapsulate(pk, m ?? next(32)),
      decapsulate: (ct: Uint8Array, sk: Uint8Array) => base.mlkem768.decapsulate(ct, sk),
    }),
  })
}

async function runSession(base: CryptoProvider) {
  const wire = { initiatorToResponder: [] as string[], responderToInitiator: [] as string[] }
  const [a, b] = createDuplexPair({
    tap: (chunk, from) => {
      ;(from === 'a' ? wire.initiatorToResponder : wire.responderToInitiator).push(toHex(chunk))
      return [chunk]
    },
  })
  const fingerprintOf = (key: Uint8Array) => toBase64url(base.sha512(key))
  const limits = {
    rekeyAfterFrames: INPUTS.rekeyAfterFrames,
    maxMessageBytes: INPUTS.maxMessageBytes,
  }
  const authorize = async () => ({ ok: true }) as const
  const iSeed = fromHex(INPUTS.initiatorNodeSeed)
  const rSeed = fromHex(INPUTS.responderNodeSeed)
  const [client, server] = await Promise.all([
    secureChannel(a, {
      role: 'initiator',
      provider: scripted(base, INPUTS.initiatorRandom),
      nodeSeed: iSeed,
      fingerprintOf,
      authorize,
      limits,
    }),
    secureChannel(b, {
      role: 'responder',
      provider: scripted(base, INPUTS.responderRandom),
      nodeSeed: rSeed,
      fingerprintOf,
      authorize,
      limits,
    }),
  ])
  // Strict alternation keeps the interleaving, and so the vector, deterministic.
  for (const m of INPUTS.initiatorMessages) {
    const got = collect(server, 1)
    await client.send(utf8(m))
    await got
  }
  for (const m of INPUTS.responderMessages) {
    const got = collect(client, 1)
    await server.send(utf8(m))
    await got
  }
  await client.close(INPUTS.closeReason)
  await server.closed
  return {
    initiatorFingerprint: fingerprintOf(base.ed25519.publicKey(iSeed)),
    responderFingerprint: fingerprintOf(base.ed25519.publicKey(rSeed)),
    wire,
  }
}

describe('transport wire vector', () => {
  for (const [name, base] of [
    ['noble', createNobleProvider()],
    ['native', createNodeProvider()],
  ] as const) {
    it(`${name}: a session with fixed randomness reproduces the published bytes`, async () => {
      const outputs = await runSession(base)
      if (process.env['UPDATE_VECTORS'] === '1' && name === 'noble') {
        const doc = {
          description:
            'sdmp/transport/v1 session with fixed randomness: handshake messages, accept frames, ' +
            'data frames with rekey every 2 frames, close. Each wire entry is one frame (u32 length ‖ body), hex.',
          protocol: 'Noise_XXhfs_25519+MLKEM768_ChaChaPoly_SHA512',
          inputs: INPUTS,
          outputs,
        }
        writeFileSync(PATH, JSON.stringify(doc, null, 2) + '\n')
      }
      assert.ok(existsSync(PATH), `${PATH} missing: run with UPDATE_VECTORS=1`)
      const published = JSON.parse(readFileSync(PATH, 'utf8'))
      assert.deepEqual(published.inputs, INPUTS)
      assert.deepEqual(outputs, published.outputs)
    })
  }
})
