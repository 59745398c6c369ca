/**
 * The like-for-like baselines of resource.bench.ts (validate) and sync-e2e.bench.ts (ingest):
 * raw libsodium verification of the very signatures a node checks, nothing else.
 * @module
 */
import { sodium } from '@sdmp/crypto-node'
import { signingInputOf } from '@sdmp/core'
import type { DecodedResource } from '@sdmp/core'

/**
 * A function that verifies the next resource's first signature under `publicKey` with
 * `crypto_sign_verify_detached`, cycling through `resources`; inputs are Buffers made once, as
 * a native caller holds them. @throws when one of them does not verify (a wrong baseline)
 */
export function rawVerifier(
  resources: readonly DecodedResource[],
  publicKey: Uint8Array,
): () => boolean {
  const pk = Buffer.from(publicKey)
  const inputs = resources.map((r) => {
    const e = r.signatures[0]!
    return { sig: Buffer.from(e.signature), msg: Buffer.from(signingInputOf(e, r.payload)) }
  })
  const verify = (x: (typeof inputs)[number]) =>
    sodium.crypto_sign_verify_detached(x.sig, x.msg, pk)
  if (!inputs.every(verify)) throw new Error('raw verify baseline: a signature does not verify')
  let i = 0
  return () => verify(inputs[i++ % inputs.length]!)
}
