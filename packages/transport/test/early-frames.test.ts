/** EarlyFrames: the queue and pending read between the frame reader and the handshake. @module */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { EarlyFrames } from '../src/early-frames.js'

const frame = (n: number) => Uint8Array.of(n)

describe('EarlyFrames', () => {
  it('hands a frame to the pending read, and queues frames in order when none waits', async () => {
    const frames = new EarlyFrames()
    const read = frames.wait()
    frames.push(frame(1))
    assert.deepEqual(await read, frame(1))
    frames.push(frame(2))
    frames.push(frame(3))
    assert.deepEqual(frames.shift(), frame(2))
    assert.deepEqual(frames.drain(), [frame(3)])
    assert.equal(frames.shift(), undefined)
  })

  it('rejects a ninth queued frame with BAD_REQUEST (a peer may queue accept and a close)', () => {
    const frames = new EarlyFrames()
    for (let i = 0; i < 8; i++) frames.push(frame(i))
    assert.throws(
      () => frames.push(frame(8)),
      (e) => isProtocolError(e, ErrorCode.BAD_REQUEST),
    )
  })

  it('holds the end of stream only behind queued frames, and hands it over once', () => {
    const frames = new EarlyFrames()
    assert.equal(frames.holdEnd(), false)
    assert.equal(frames.takeEnd(), false)
    frames.push(frame(1))
    assert.equal(frames.holdEnd(), true)
    assert.equal(frames.takeEnd(), true)
    assert.equal(frames.takeEnd(), false)
  })

  it('settles the pending read once: resolve or reject, later calls do nothing', async () => {
    const frames = new EarlyFrames()
    const accepted = frames.wait()
    frames.resolve(new Uint8Array(0))
    frames.reject(new Error('late'))
    assert.deepEqual(await accepted, new Uint8Array(0))
    const failed = frames.wait()
    const closed = new Error('closed')
    frames.reject(closed)
    frames.resolve(frame(1))
    await assert.rejects(failed, (e) => e === closed)
  })
})
