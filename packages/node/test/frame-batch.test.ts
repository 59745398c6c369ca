/**
 * FrameBatch (sync/frame-batch.ts): the frames of a push or of an answer to a fetch are written
 * in one synchronous run, so the socket sends them in one write (docs/load.md §5 "Tenth pass").
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FRAME_BATCH_BYTES, FrameBatch } from '../src/sync/frame-batch.js'

/** A channel that numbers each send by the synchronous run it is in, and drains on demand. */
class RunChannel {
  readonly runs: number[] = []
  readonly sizes: number[] = []
  #run = 0
  #open = false
  drained: (() => void) | undefined
  send(frame: Uint8Array): Promise<void> {
    if (!this.#open) {
      this.#open = true
      queueMicrotask(() => {
        this.#open = false
        this.#run++
      })
    }
    this.runs.push(this.#run)
    this.sizes.push(frame.length)
    return new Promise((resolve) => (this.drained = resolve))
  }
}

describe('FrameBatch', () => {
  it('keeps frames read one await apart and writes them in one run', async () => {
    const channel = new RunChannel()
    const batch = new FrameBatch(channel)
    for (let i = 0; i < 5; i++) {
      await Promise.resolve() // a store read between two frames
      await batch.add(new Uint8Array(100))
    }
    assert.deepEqual(channel.runs, [], 'nothing sent before the flush')
    const flushed = batch.flush()
    assert.equal(channel.runs.length, 5)
    assert.equal(new Set(channel.runs).size, 1, `runs: ${channel.runs.join(', ')}`)
    let done = false
    void flushed.then(() => (done = true))
    await Promise.resolve()
    assert.equal(done, false, 'waits for the channel to drain')
    channel.drained!()
    await flushed
  })

  it('writes what it holds once the limit is reached, and waits for the drain', async () => {
    const channel = new RunChannel()
    const batch = new FrameBatch(channel)
    const big = new Uint8Array(FRAME_BATCH_BYTES / 2)
    await batch.add(big)
    assert.equal(channel.sizes.length, 0)
    const second = batch.add(big)
    assert.deepEqual(channel.sizes, [big.length, big.length], 'both written at the limit')
    channel.drained!()
    await second
    await batch.add(new Uint8Array(10))
    assert.equal(channel.sizes.length, 2, 'a new batch starts empty')
    const last = batch.flush()
    channel.drained!()
    await last
    assert.deepEqual(channel.sizes, [big.length, big.length, 10])
  })

  it('an empty flush sends nothing', async () => {
    const channel = new RunChannel()
    await new FrameBatch(channel).flush()
    assert.deepEqual(channel.runs, [])
  })
})
