/**
 * Packing of Ed25519 verification jobs into one transferable buffer, shared by the verify pool
 * and its worker. Per job: signature (64) | public key (32) | message length (u32 LE) | message.
 * @module
 */

/** One Ed25519 check: does `signature` over `message` verify under `publicKey`? */
export interface VerifyJob {
  readonly signature: Uint8Array
  readonly message: Uint8Array
  readonly publicKey: Uint8Array
}

const SIG = 64
const KEY = 32

/**
 * Pack jobs into a fresh buffer (transferred to a worker, so never shared). Jobs whose
 * signature or key has the wrong length are packed as zeros and flagged in `bad` (they never
 * verify; the worker would see a well-formed but invalid job).
 */
export function packJobs(jobs: readonly VerifyJob[]): { buffer: ArrayBuffer; bad: Set<number> } {
  let size = 0
  for (const j of jobs) size += SIG + KEY + 4 + j.message.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  const bad = new Set<number>()
  let o = 0
  jobs.forEach((j, i) => {
    if (j.signature.length === SIG && j.publicKey.length === KEY) {
      out.set(j.signature, o)
      out.set(j.publicKey, o + SIG)
    } else bad.add(i)
    view.setUint32(o + SIG + KEY, j.message.length, true)
    out.set(j.message, o + SIG + KEY + 4)
    o += SIG + KEY + 4 + j.message.length
  })
  return { buffer: out.buffer, bad }
}

/** Walk a packed buffer; the views alias it (no copies). */
export function unpackJobs(
  buf: Uint8Array,
  count: number,
  each: (i: number, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => void,
): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let o = 0
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(o + SIG + KEY, true)
    each(
      i,
      buf.subarray(o, o + SIG),
      buf.subarray(o + SIG + KEY + 4, o + SIG + KEY + 4 + len),
      buf.subarray(o + SIG, o + SIG + KEY),
    )
    o += SIG + KEY + 4 + len
  }
}
