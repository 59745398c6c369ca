/** Delivered receipts gathered per author until a quiet moment (docs/messaging.md §4 "Batching"). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LIMITS } from '@sdmp/core'
import { waitFor } from '@sdmp/testkit'
import { ReceiptQueue } from '../src/mail/receipt-queue.js'
import type { ReceiptLinger, ReceiptTimers } from '../src/mail/receipt-queue.js'

type Sent = [author: string, messages: string[]]

function recorder(): { sent: Sent[]; send: (a: string, m: readonly string[]) => Promise<void> } {
  const sent: Sent[] = []
  return { sent, send: async (a, m) => void sent.push([a, [...m]]) }
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** A clock that moves only when told; due timers run, in order, as it passes them. */
class ManualTimers implements ReceiptTimers {
  #t = 0
  #next = 1
  readonly #timers = new Map<number, { at: number; fn: () => void }>()

  now(): number {
    return this.#t
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++
    this.#timers.set(id, { at: this.#t + ms, fn })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }
  /** Move the clock forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const to = this.#t + ms
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined
      for (const e of this.#timers) if (e[1].at <= to && (!due || e[1].at < due[1].at)) due = e
      if (!due) break
      this.#timers.delete(due[0])
      this.#t = due[1].at
      due[1].fn()
    }
    this.#t = to
  }
}

/** A queue on a manual clock. */
function manual(linger: ReceiptLinger) {
  const { sent, send } = recorder()
  const timers = new ManualTimers()
  return { sent, timers, q: new ReceiptQueue(send, linger, timers) }
}

describe('ReceiptQueue', () => {
  it('sends one receipt per author once the mailbox is quiet for quietMs, in arrival order', async () => {
    const { sent, timers, q } = manual({ quietMs: 50, maxMs: 10_000 })
    q.add([
      { author: 'alice', message: 'a1' },
      { author: 'carol', message: 'c1' },
    ])
    timers.advance(30)
    q.add([{ author: 'alice', message: 'a2' }])
    timers.advance(49)
    assert.equal(q.size, 3, 'the last batch was indexed 49 ms ago: not quiet yet')
    timers.advance(1)
    assert.equal(q.size, 0, 'quiet for 50 ms: sent, long before maxMs')
    await waitFor(() => sent.length === 2, { what: 'the receipts' })
    assert.deepEqual(sent, [
      ['alice', ['a1', 'a2']],
      ['carol', ['c1']],
    ])
  })

  it('defers while batches keep being indexed, also batches with no receipt, until maxMs', async () => {
    const { sent, timers, q } = manual({ quietMs: 50, maxMs: 1_000 })
    q.add([{ author: 'alice', message: 'a0' }])
    // A batch every 40 ms (the flow of docs/load.md §5), most with nothing to receipt.
    for (let t = 40; t < 1_000; t += 40) {
      timers.advance(40)
      q.add(t % 200 === 0 ? [{ author: 'alice', message: `a${t}` }] : [])
      assert.notEqual(q.size, 0, `still pending at ${t} ms: the mailbox was never quiet`)
    }
    timers.advance(1_000 - timers.now())
    assert.equal(q.size, 5, 'maxMs passed, but no timer sends in the middle of a flow')
    q.add([])
    assert.equal(q.size, 0, 'the first batch indexed after maxMs sends')
    await waitFor(() => sent.length === 1, { what: 'the receipt' })
    assert.deepEqual(sent[0], ['alice', ['a0', 'a200', 'a400', 'a600', 'a800']])
    // The next receipt counts maxMs from its own first task, not from the old one.
    q.add([{ author: 'alice', message: 'b' }])
    timers.advance(40)
    q.add([])
    assert.equal(q.size, 1)
    timers.advance(49)
    assert.equal(q.size, 1)
    timers.advance(1)
    assert.equal(q.size, 0, 'quiet again: the timer sends')
  })

  it('sends a full batch at once and splits at the schema limit', async () => {
    const { sent, timers, q } = manual({ quietMs: 60_000, maxMs: 60_000 })
    const many = ids('m', LIMITS.maxReceiptMessages + 3)
    q.add([{ author: 'carol', message: 'c1' }])
    q.add(many.map((message) => ({ author: 'alice', message })))
    assert.equal(q.size, 4, 'the full batch left at once, without the clock moving')
    await waitFor(() => sent.length === 1, { what: 'the full batch' })
    assert.deepEqual(sent[0], ['alice', many.slice(0, LIMITS.maxReceiptMessages)])
    timers.advance(59_999)
    assert.equal(q.size, 4, 'the rest lingers')
    await q.flush()
    assert.deepEqual(sent.slice(1), [
      ['carol', ['c1']],
      ['alice', many.slice(LIMITS.maxReceiptMessages)],
    ])
    assert.equal(q.size, 0)
  })

  it('sends at once the receipt that answers a session its author started', async () => {
    const { sent, q } = manual({ quietMs: 60_000, maxMs: 60_000 })
    q.add([{ author: 'alice', message: 'a1' }])
    q.add([
      { author: 'alice', message: 'a2', answers: true },
      { author: 'carol', message: 'c1' },
      { author: 'alice', message: 'a3', answers: true },
    ])
    assert.equal(q.size, 1, "alice's batch left at once; carol's lingers")
    await waitFor(() => sent.length === 1, { what: 'the answer' })
    await q.flush()
    assert.deepEqual(
      sent,
      [
        ['alice', ['a1', 'a2', 'a3']],
        ['carol', ['c1']],
      ],
      'one receipt per author for the batch',
    )
  })

  it('flush sends everything now and waits; a failed send does not stop the next', async () => {
    const sent: Sent[] = []
    const timers = new ManualTimers()
    const q = new ReceiptQueue(
      async (a, m) => {
        if (a === 'bad') throw new Error('boom')
        sent.push([a, [...m]])
      },
      { quietMs: 60_000, maxMs: 60_000 },
      timers,
    )
    q.add([
      { author: 'bad', message: 'x' },
      { author: 'alice', message: 'a1' },
    ])
    await q.flush()
    assert.deepEqual(sent, [['alice', ['a1']]])
    await q.flush() // nothing pending: resolves at once
    timers.advance(60_000) // the cleared timer sends nothing again
    assert.deepEqual(sent, [['alice', ['a1']]])
  })

  it('with a zero linger sends each batch at the end of its task, one receipt per author', async () => {
    const { sent, send } = recorder()
    // Real timers: a one-shot command's mailbox (daemon/open.ts).
    const q = new ReceiptQueue(send, { quietMs: 0, maxMs: 0 })
    q.add([
      { author: 'alice', message: 'a1' },
      { author: 'alice', message: 'a2' },
    ])
    q.add([{ author: 'alice', message: 'a3' }])
    await waitFor(() => sent.length === 1, { what: 'the receipt' })
    assert.deepEqual(sent, [['alice', ['a1', 'a2', 'a3']]])
  })
})
