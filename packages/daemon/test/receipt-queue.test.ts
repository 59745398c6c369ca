/** Delivered receipts gathered per author (docs/messaging.md §4 "Batching"). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LIMITS } from '@sdmp/core'
import { waitFor } from '@sdmp/testkit'
import { ReceiptQueue } from '../src/mail/receipt-queue.js'

type Sent = [author: string, messages: string[]]

function recorder(): { sent: Sent[]; send: (a: string, m: readonly string[]) => Promise<void> } {
  const sent: Sent[] = []
  return { sent, send: async (a, m) => void sent.push([a, [...m]]) }
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe('ReceiptQueue', () => {
  it('sends one receipt per author once the linger ends, in arrival order', async () => {
    const { sent, send } = recorder()
    const q = new ReceiptQueue(send, 20)
    q.add([
      { author: 'alice', message: 'a1' },
      { author: 'carol', message: 'c1' },
    ])
    q.add([{ author: 'alice', message: 'a2' }])
    assert.deepEqual(sent, [], 'nothing before the linger ends')
    assert.equal(q.size, 3)
    await waitFor(() => sent.length === 2, { what: 'the lingering receipts' })
    assert.deepEqual(sent, [
      ['alice', ['a1', 'a2']],
      ['carol', ['c1']],
    ])
    assert.equal(q.size, 0)
  })

  it('sends a full batch at once and splits at the schema limit', async () => {
    const { sent, send } = recorder()
    const q = new ReceiptQueue(send, 60_000)
    const many = ids('m', LIMITS.maxReceiptMessages + 3)
    q.add(many.map((message) => ({ author: 'alice', message })))
    await waitFor(() => sent.length === 1, { what: 'the full batch' })
    assert.deepEqual(sent[0], ['alice', many.slice(0, LIMITS.maxReceiptMessages)])
    assert.equal(q.size, 3, 'the rest lingers')
    await q.flush()
    assert.deepEqual(sent[1], ['alice', many.slice(LIMITS.maxReceiptMessages)])
    assert.equal(q.size, 0)
  })

  it('flush sends everything now and waits; a failed send does not stop the next', async () => {
    const sent: Sent[] = []
    const q = new ReceiptQueue(async (a, m) => {
      if (a === 'bad') throw new Error('boom')
      sent.push([a, [...m]])
    }, 60_000)
    q.add([
      { author: 'bad', message: 'x' },
      { author: 'alice', message: 'a1' },
    ])
    await q.flush()
    assert.deepEqual(sent, [['alice', ['a1']]])
    await q.flush() // nothing pending: resolves at once
    assert.deepEqual(sent, [['alice', ['a1']]])
  })
})
