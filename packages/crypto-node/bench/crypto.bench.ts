/**
 * Crypto rates: raw Ed25519 verification of each library (no rule), the rule-enforcing provider
 * verification of each preset against the fastest raw native figure, signing, X25519, ML-KEM-768
 * and ChaCha20-Poly1305. "raw native Ed25519 verify (fastest)" is the baseline other benches cite.
 * @module
 */
import { createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto'
import { ed25519 as nobleEd25519 } from '@noble/curves/ed25519.js'
import { createNobleProvider } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { measureRate } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import { createNodeProvider } from '../src/index.js'
import { sodium } from '../src/sodium.js'

const GROUP = 'crypto'
const BASELINE = 'raw native Ed25519 verify (fastest)'
const KEYS = 64 // verify under a rotating set of keys, as a node does for its contacts

interface Signed {
  seed: Uint8Array
  publicKey: Uint8Array
  message: Uint8Array
  signature: Uint8Array
}

function makeSigned(count: number, messageLength: number): Signed[] {
  const out: Signed[] = []
  for (let i = 0; i < count; i++) {
    const seed = randomBytes(32)
    const publicKey = new Uint8Array(32)
    const secretKey = new Uint8Array(64)
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed)
    const message = randomBytes(messageLength)
    const signature = new Uint8Array(64)
    sodium.crypto_sign_detached(signature, message, secretKey)
    out.push({ seed, publicKey, message, signature })
  }
  return out
}

/**
 * Rates of several functions measured in alternating ~20 ms slices over `totalMs` in all, so a
 * load change on a shared machine hits every figure alike (ratios stay meaningful).
 */
function interleavedRates(
  fns: Record<string, () => unknown>,
  totalMs: number,
): Record<string, number> {
  const names = Object.keys(fns)
  const ops: Record<string, number> = {}
  const ms: Record<string, number> = {}
  for (const name of names) {
    for (let i = 0; i < 200; i++) fns[name]!() // warm-up (also fills the key caches)
    ops[name] = 0
    ms[name] = 0
  }
  const end = performance.now() + totalMs
  while (performance.now() < end)
    for (const name of names) {
      const fn = fns[name]!
      const start = performance.now()
      let now = start
      let n = 0
      while (now - start < 20) {
        for (let i = 0; i < 16; i++) fn()
        n += 16
        now = performance.now()
      }
      ops[name]! += n
      ms[name]! += now - start
    }
  return Object.fromEntries(names.map((n) => [n, (ops[n]! * 1000) / ms[n]!]))
}

/** Run the benchmarks; loops shrink with ctx.scale. */
export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const minMs = Math.max(150, Math.round(1000 * ctx.scale))
  const rate = (fn: () => unknown) => measureRate(fn, { minMs, warmup: 50 })
  const results: BenchResult[] = []
  const signed = makeSigned(KEYS, 200)
  const pick = (() => {
    let i = 0
    return () => signed[i++ % KEYS]!
  })()

  ctx.log('raw ed25519 verify')
  const keyObjects = signed.map((s) =>
    createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), s.publicKey]),
      format: 'der',
      type: 'spki',
    }),
  )
  const presets: [string, CryptoProvider][] = [
    ['node-sodium', createNodeProvider({ ed25519Backend: 'sodium' })],
    ['node-openssl', createNodeProvider({ ed25519Backend: 'openssl', x25519Backend: 'openssl' })],
    ['noble', createNobleProvider()],
  ]
  const verifyWith = (provider: CryptoProvider) => () => {
    const s = pick()
    if (!provider.ed25519.verify(s.signature, s.message, s.publicKey)) throw new Error('bad')
  }
  let k = 0
  // Native figures are measured interleaved in short slices: the machine is shared, and a ratio
  // of two figures taken seconds apart would compare two different CPU loads.
  const native: Record<string, () => unknown> = {
    openssl: () => {
      const i = k++ % KEYS
      const s = signed[i]!
      if (!nodeVerify(null, s.message, keyObjects[i]!, s.signature)) throw new Error('bad')
    },
    sodium: () => {
      const s = pick()
      if (!sodium.crypto_sign_verify_detached(s.signature, s.message, s.publicKey))
        throw new Error('bad signature')
    },
    'node-sodium': verifyWith(presets[0]![1]),
    'node-openssl': verifyWith(presets[1]![1]),
  }
  const best = interleavedRates(native, Math.max(600, 4 * minMs))
  const rawOpenssl = best['openssl']!
  const rawSodium = best['sodium']!
  const rawNoble = await measureRate(
    () => {
      const s = pick()
      if (!nobleEd25519.verify(s.signature, s.message, s.publicKey)) throw new Error('bad')
    },
    { minMs, warmup: 5 },
  )
  const fastest = Math.max(rawOpenssl, rawSodium)
  const raw = (name: string, value: number, notes: string): BenchResult => ({
    group: GROUP,
    name,
    value,
    unit: 'ops/s',
    notes,
  })
  results.push(
    raw('raw node:crypto Ed25519 verify', rawOpenssl, 'crypto.verify with a prepared KeyObject'),
    raw('raw sodium-native Ed25519 verify', rawSodium, 'crypto_sign_verify_detached'),
    raw('raw noble Ed25519 verify', rawNoble, '@noble/curves ed25519.verify (cofactored)'),
    raw(
      BASELINE,
      fastest,
      `${rawSodium >= rawOpenssl ? 'sodium-native' : 'node:crypto'}; 200-byte messages, ${KEYS} keys`,
    ),
  )

  const ownRaw: Record<string, { name: string; value: number }> = {
    'node-sodium': { name: 'raw sodium-native Ed25519 verify', value: rawSodium },
    'node-openssl': { name: 'raw node:crypto Ed25519 verify', value: rawOpenssl },
    noble: { name: 'raw noble Ed25519 verify', value: rawNoble },
  }
  for (const [label, provider] of presets) {
    ctx.log(`provider ${label}`)
    const isNative = label !== 'noble'
    const verifyRate =
      best[label] ?? (await measureRate(verifyWith(provider), { minMs, warmup: KEYS }))
    results.push({
      group: GROUP,
      name: `provider Ed25519 verify (${label}, rule enforced)`,
      value: verifyRate,
      unit: 'ops/s',
      baseline: ownRaw[label]!.name,
      ratio: verifyRate / ownRaw[label]!.value,
      ...(isNative
        ? { target: '>= 0.8x raw verify', met: verifyRate / ownRaw[label]!.value >= 0.8 }
        : {}),
      notes: `its own raw backend as baseline; ${(verifyRate / fastest).toFixed(2)}x the fastest raw native verify; 64 keys rotating, per-key check cached`,
    })
    const seed = signed[0]!.seed
    const msg = signed[0]!.message
    results.push({
      group: GROUP,
      name: `provider Ed25519 sign (${label})`,
      value: await measureRate(() => provider.ed25519.sign(seed, msg), { minMs, warmup: 5 }),
      unit: 'ops/s',
    })
  }

  // first sight of a key: the per-key rule check (and KeyObject creation) is paid every time
  const fresh = makeSigned(Math.max(200, Math.round(2000 * ctx.scale)), 200)
  for (const backend of ['sodium', 'openssl'] as const) {
    const provider = createNodeProvider({ ed25519Backend: backend, keyCacheSize: 1 })
    let j = 0
    const coldRate = await rate(() => {
      const s = fresh[j++ % fresh.length]!
      if (!provider.ed25519.verify(s.signature, s.message, s.publicKey)) throw new Error('bad')
    })
    results.push({
      group: GROUP,
      name: `provider Ed25519 verify, uncached key (node-${backend})`,
      value: coldRate,
      unit: 'ops/s',
      baseline: BASELINE,
      ratio: coldRate / fastest,
      notes: 'worst case: every signature under a key not seen before',
    })
  }

  for (const [label, provider] of presets) {
    ctx.log(`x25519 / aead ${label}`)
    const secret = randomBytes(32)
    const peer = provider.x25519.publicKey(randomBytes(32))
    results.push({
      group: GROUP,
      name: `X25519 shared secret (${label})`,
      value: await measureRate(() => provider.x25519.sharedSecret(secret, peer), {
        minMs,
        warmup: 5,
      }),
      unit: 'ops/s',
      notes:
        label === 'node-openssl'
          ? 'node:crypto, private key object cached'
          : label === 'node-sodium'
            ? 'crypto_scalarmult'
            : '@noble/curves',
    })
    if (label === 'node-sodium') continue // the AEAD is node:crypto in both node presets
    const key = randomBytes(32)
    const nonce = randomBytes(12)
    const kib = randomBytes(1024)
    results.push({
      group: GROUP,
      name: `ChaCha20-Poly1305 seal 1 KiB (${label === 'noble' ? 'noble' : 'node:crypto'})`,
      value: await rate(() => provider.chacha20poly1305.seal(key, nonce, kib)),
      unit: 'ops/s',
    })
  }

  const node = presets[0]![1]
  ctx.log('ml-kem-768')
  const { publicKey, secretKey } = node.mlkem768.keygen()
  const { cipherText } = node.mlkem768.encapsulate(publicKey)
  results.push(
    {
      group: GROUP,
      name: 'ML-KEM-768 encapsulate (@noble/post-quantum)',
      value: await measureRate(() => node.mlkem768.encapsulate(publicKey), { minMs, warmup: 5 }),
      unit: 'ops/s',
    },
    {
      group: GROUP,
      name: 'ML-KEM-768 decapsulate (@noble/post-quantum)',
      value: await measureRate(() => node.mlkem768.decapsulate(cipherText, secretKey), {
        minMs,
        warmup: 5,
      }),
      unit: 'ops/s',
    },
  )
  return results
}
