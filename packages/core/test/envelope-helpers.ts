/**
 * Shared helpers of the envelope tests and vector generator: the crypto presets to run on, and a
 * deterministic random source (SHA-512 in counter mode) so seals are reproducible.
 * @module
 */
import { concatBytes, createNobleProvider, utf8 } from '../src/index.js'
import type { CryptoProvider, RandomSource } from '../src/index.js'

/**
 * Every crypto preset available in this build: noble always; the native preset when
 * @sdmp/crypto-node exports `createNodeProvider`. The specifier is a variable so core's
 * project graph does not depend on crypto-node (crypto-node depends on core).
 */
export async function loadPresets(): Promise<CryptoProvider[]> {
  const presets: CryptoProvider[] = [createNobleProvider()]
  const specifier = '@sdmp/crypto-node'
  try {
    const mod = (await import(specifier)) as { createNodeProvider?: () => CryptoProvider }
    if (typeof mod.createNodeProvider === 'function') presets.push(mod.createNodeProvider())
  } catch (e) {
    // Not built in this tree: say so in the output, since fewer presets then run.
    console.log(`# envelope presets: @sdmp/crypto-node unavailable (${String(e).slice(0, 200)})`)
  }
  console.log(`# envelope presets: ${presets.map((p) => p.name).join(', ')}`)
  return presets
}

/**
 * Deterministic byte stream: block_i = SHA-512(UTF-8(seed) || u32be(i)) for i = 0, 1, ...;
 * each draw takes the next bytes of the stream. Documented in vectors/envelope.json so a second
 * implementation can replay the draws. Returns fresh copies (callers may zero them).
 */
export function seededRandom(provider: CryptoProvider, seed: string): RandomSource {
  const prefix = utf8(seed)
  let counter = 0
  let buffer: Uint8Array = new Uint8Array(0)
  return (length: number) => {
    while (buffer.length < length) {
      const ctr = new Uint8Array(4)
      new DataView(ctr.buffer).setUint32(0, counter++)
      buffer = concatBytes(buffer, provider.sha512(concatBytes(prefix, ctr)))
    }
    const out = buffer.slice(0, length)
    buffer = buffer.slice(length)
    return out
  }
}

/** Wrap a random source so every draw is recorded (for vector intermediates). */
export function recording(random: RandomSource): { random: RandomSource; draws: Uint8Array[] } {
  const draws: Uint8Array[] = []
  return {
    draws,
    random: (n: number) => {
      const b = random(n)
      draws.push(b.slice())
      return b
    },
  }
}

/** The inner bytes (as text) of most vectors. */
export const INNER =
  '{"sdmp":{"schemas":["message"],"version":"1.0"},"message":{"body":"hello from the envelope vectors"}}'
