/**
 * Floors under the Prosody comparison's targets (prosody.bench.ts, docs/load.md §4 "Floors"):
 * work that every delivered sdmp message must do by the protocol's own rules, measured on this
 * machine in the same run, so a target below it is shown to be out of reach rather than said to
 * be. Two floors:
 *
 * - **Signatures**: a message is an inner resource signed by its author's node inside an
 *   envelope signed by the sending node (resource.md, envelope.md); the recipient verifies both
 *   before it stores them (sync.md §9, "verify before store"). The sender stores what it has
 *   just signed without verifying it again (resource.md §4 "Signed here"; it verified them too
 *   before issue 14's sixth pass). So at least 2 Ed25519 signatures and 2 verifications per
 *   delivered message, here with the product's own provider on inputs of a sealed message's
 *   size, everything else (encryption, encoding, storage, HTTP) left out.
 * - **Durable commits**: the sender stores a message durably before it answers, the recipient
 *   before it shows it (store.md §3), so one at a time a message waits for two fsync'd commits:
 *   the store's own `putLocal(..., {durable: true})` on this disk, p50.
 * @module
 */
import { join } from 'node:path'
import { createNodeProvider } from '@sdmp/crypto-node'
import { SqliteStore } from '@sdmp/store-sqlite'
import { percentile } from '@sdmp/testkit'

/** Bytes signed for a sealed 128-byte message's envelope, and for its inner message. */
const ENVELOPE_SIGNED = 1_500
const INNER_SIGNED = 500

/**
 * CPU microseconds of 2 signatures and 2 verifications (one message's), the median of `rounds`
 * rounds of `perRound` messages each (process CPU time, so other work on the box does not count).
 */
export function signatureFloorMicros(rounds = 7, perRound = 400): number {
  const p = createNodeProvider()
  const seeds = [p.randomBytes(32), p.randomBytes(32)]
  const keys = seeds.map((s) => p.ed25519.publicKey(s))
  const samples: number[] = []
  for (let r = 0; r < rounds; r++) {
    const inputs = Array.from({ length: perRound }, () => [
      p.randomBytes(INNER_SIGNED),
      p.randomBytes(ENVELOPE_SIGNED),
    ])
    const t0 = process.cpuUsage()
    for (const [inner, outer] of inputs) {
      const si = p.ed25519.sign(seeds[0]!, inner!)
      const so = p.ed25519.sign(seeds[1]!, outer!)
      // The recipient's ingest checks the envelope and the message.
      if (!p.ed25519.verify(so, outer!, keys[1]!) || !p.ed25519.verify(si, inner!, keys[0]!))
        throw new Error('signature floor: a fresh signature did not verify')
    }
    const used = process.cpuUsage(t0)
    samples.push((used.user + used.system) / perRound)
  }
  return percentile(samples, 50)
}

/** p50 milliseconds of one durable commit of the SQLite store in `dir` (`count` commits). */
export async function durableCommitMs(dir: string, count = 200): Promise<number> {
  const p = createNodeProvider()
  const store = new SqliteStore({ dir: join(dir, 'commit-floor'), sha512: p.sha512 })
  await store.open()
  try {
    const samples: number[] = []
    for (let i = 0; i < count; i++) {
      // A new value each time: rewriting a row with the same bytes changes no page, and a
      // commit that wrote nothing has nothing to fsync.
      const value = p.randomBytes(200)
      const t0 = performance.now()
      await store.putLocal('floor', [{ key: `k${i % 16}`, value }], { durable: true })
      samples.push(performance.now() - t0)
    }
    return percentile(samples, 50)
  } finally {
    await store.close()
  }
}
