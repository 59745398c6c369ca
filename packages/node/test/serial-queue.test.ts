/** SerialQueue: order, isolation of failures, idle. @module */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SerialQueue } from '../src/serial-queue.js'

describe('SerialQueue', () => {
  it('runs tasks one at a time in the order given', async () => {
    const q = new SerialQueue()
    const log: string[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const first = q.run(async () => {
      log.push('a start')
      await gate
      log.push('a end')
      return 1
    })
    const second = q.run(() => {
      log.push('b')
      return 2
    })
    await Promise.resolve()
    assert.deepEqual(log, ['a start'], 'b waits for a')
    release()
    assert.deepEqual(await Promise.all([first, second]), [1, 2])
    assert.deepEqual(log, ['a start', 'a end', 'b'])
  })

  it('gives a failure to its caller only; later tasks still run', async () => {
    const q = new SerialQueue()
    const failed = q.run(() => Promise.reject(new Error('boom')))
    const after = q.run(() => 'ran')
    await assert.rejects(failed, /boom/)
    assert.equal(await after, 'ran')
  })

  it('idle settles after everything queued so far, failures included, and never rejects', async () => {
    const q = new SerialQueue()
    let done = 0
    void q.run(async () => {
      await new Promise((r) => setImmediate(r))
      done++
    })
    q.run(() => {
      throw new Error('x')
    }).catch(() => undefined) // the caller's handling; idle must not reject either way
    await q.idle()
    assert.equal(done, 1)
    await q.idle()
  })
})
