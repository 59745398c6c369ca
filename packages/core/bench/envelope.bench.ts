/**
 * Seal and open rates of encrypted resources (hybrid suite) for 1, 3 and 10 recipients, on the
 * native preset when @sdmp/crypto-node is built, else on noble (docs/protocol/envelope.md §6).
 * @module
 */
import { measureRate } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import {
  createNobleProvider,
  generateRecipientKeyPair,
  openEnvelope,
  recipientBucket,
  sealEnvelope,
} from '../src/index.js'
import type { CryptoProvider } from '../src/index.js'

/**
 * The fastest preset available. The specifier is a variable so core's project graph does not
 * depend on crypto-node (which depends on core): no circular project reference.
 */
async function fastestProvider(): Promise<CryptoProvider> {
  const specifier = '@sdmp/crypto-node'
  try {
    const mod = (await import(specifier)) as { createNodeProvider?: () => CryptoProvider }
    if (typeof mod.createNodeProvider === 'function') return mod.createNodeProvider()
  } catch {
    // fall through to noble; the notes say which preset ran
  }
  return createNobleProvider()
}

/** Seal and open rates for 1, 3 and 10 recipients. */
export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const provider = await fastestProvider()
  const minMs = Math.max(200, 1500 * ctx.scale)
  // A typical signed message resource is a few hundred bytes: one 4096-byte bucket.
  const inner = new Uint8Array(600).fill(0x61)
  const results: BenchResult[] = []
  for (const n of [1, 3, 10]) {
    const pairs = Array.from({ length: n }, () => generateRecipientKeyPair(provider))
    const entries = recipientBucket(n)
    ctx.log(`envelope: ${n} recipients (${entries} entries) on ${provider.name}`)
    const seal = await measureRate(() => sealEnvelope(provider, inner, pairs), { minMs, warmup: 5 })
    const sealed = sealEnvelope(provider, inner, pairs)
    const last = pairs[n - 1]!.secret
    const open = await measureRate(() => openEnvelope(provider, sealed, [last]), {
      minMs,
      warmup: 5,
    })
    const notes = `pq-kyber768-x25519 on the ${provider.name} preset, 600-byte inner (4096 bucket), ${entries} entries`
    results.push(
      { group: 'core', name: `seal (${n} recipients)`, value: seal, unit: 'ops/s', notes },
      {
        group: 'core',
        name: `open (${n} recipients)`,
        value: open,
        unit: 'ops/s',
        notes: `${notes}; one key, every entry tried (one ML-KEM decapsulation each)`,
      },
    )
  }
  return results
}
