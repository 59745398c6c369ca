/**
 * The thread body of {@link VerifyPool} (verify-pool.ts): verifies packed Ed25519 jobs with the
 * native provider, so the validity rule is exactly the one the main thread applies
 * (docs/protocol/ed25519.md). One message in, one message out, in order.
 * @module
 */
import { parentPort } from 'node:worker_threads'
import { createNodeProvider } from '@sdmp/crypto-node'
import { unpackJobs } from './verify-pack.js'

const port = parentPort
if (!port) throw new Error('verify-worker: must run as a worker thread')
const { ed25519 } = createNodeProvider()

port.on('message', (m: { id: number; buffer: ArrayBuffer; count: number }) => {
  const results = new Uint8Array(m.count)
  unpackJobs(new Uint8Array(m.buffer), m.count, (i, signature, message, publicKey) => {
    let ok = false
    try {
      ok = ed25519.verify(signature, message, publicKey)
    } catch {
      ok = false // a malformed key or signature is simply invalid
    }
    results[i] = ok ? 1 : 0
  })
  port.postMessage({ id: m.id, results }, [results.buffer])
})
