/**
 * The mailbox's event log (mail/event-log.ts): it holds the events of positions after its floor,
 * in order, within its bounds, and never answers for a position it no longer covers.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import type { Message } from '@sdmp/client'
import { EventLog } from '../src/mail/event-log.js'
import type { JournalEvent } from '../src/mail/event-log.js'

const post = (position: number): JournalEvent => ({
  type: 'post',
  position,
  post: {
    id: `p${position}`,
    from: 'u',
    body: 'b',
    type: 'text',
    subject: null,
    created: '',
    edited: null,
    deleted: false,
  },
})

const message = (position: number, body: string, expires: string | null = null): JournalEvent => ({
  type: 'message',
  position,
  message: {
    id: `m${position}`,
    from: 'u',
    to: ['v'],
    subject: null,
    body,
    type: 'text',
    created: '',
    conversation: `m${position}`,
    chat: 'v',
    replyTo: null,
    expires,
    state: 'sent',
    reason: null,
    direction: 'out',
    forwardedFrom: null,
    edited: null,
    deleted: false,
    onBehalfOf: null,
    group: null,
  } as Message,
})

// A full collection on demand, to see what the log still keeps reachable.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

describe('EventLog', () => {
  it('serves the events after a position, in order, up to a limit', () => {
    const log = new EventLog(10)
    log.append([post(12), post(15)], 15)
    log.append([], 18)
    log.append([post(19)], 20)
    assert.equal(log.head, 20)
    assert.ok(log.covers(10))
    assert.ok(!log.covers(9))
    assert.deepEqual(
      log.after(10, 100, 0).map((e) => e.position),
      [12, 15, 19],
    )
    assert.deepEqual(
      log.after(12, 100, 0).map((e) => e.position),
      [15, 19],
    )
    assert.deepEqual(
      log.after(13, 1, 0).map((e) => e.position),
      [15],
    )
    assert.deepEqual(log.after(19, 100, 0), [])
  })

  it('refuses events out of order or outside the appended range', () => {
    const log = new EventLog(5)
    assert.throws(() => log.append([post(5)], 6), RangeError)
    assert.throws(() => log.append([post(8)], 7), RangeError)
    log.append([post(6)], 7)
    assert.throws(() => log.append([post(7)], 9), RangeError)
  })

  it('drops the oldest events beyond its bounds and stops covering their positions', () => {
    const byCount = new EventLog(0, { maxEvents: 3 })
    byCount.append([post(1), post(2), post(3), post(4), post(5)], 5)
    assert.equal(byCount.floor, 2)
    assert.ok(!byCount.covers(1))
    assert.deepEqual(
      byCount.after(2, 10, 0).map((e) => e.position),
      [3, 4, 5],
    )
    const bySize = new EventLog(0, { maxBytes: 5000 })
    bySize.append([message(1, 'x'.repeat(2000)), message(2, 'y'.repeat(2000))], 2)
    assert.equal(bySize.floor, 1)
    assert.deepEqual(
      bySize.after(1, 10, 0).map((e) => e.position),
      [2],
    )
  })

  it('keeps nothing of a dropped event reachable', async () => {
    const log = new EventLog(0, { maxEvents: 2 })
    let first: JournalEvent | undefined = post(1)
    const dropped = new WeakRef(first)
    log.append([first], 1)
    first = undefined
    log.append([post(2), post(3)], 3) // drops position 1
    assert.equal(log.floor, 1)
    await nextTurn() // a WeakRef keeps its target until the end of the job that made it
    gc()
    assert.equal(dropped.deref(), undefined)
    assert.deepEqual(
      log.after(0, 10, 0).map((e) => e.position),
      [2, 3],
    )
  })

  it('leaves out messages that have expired when read', () => {
    const log = new EventLog(0)
    log.append([message(1, 'a', new Date(1000).toISOString()), message(2, 'b')], 2)
    assert.equal(log.after(0, 10, 999).length, 2)
    assert.deepEqual(
      log.after(0, 10, 1000).map((e) => e.position),
      [2],
    )
  })

  it('answers like the list of what it holds, for any appends and bounds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 6 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 30 }),
        (batches, maxEvents, afterSeed, limit) => {
          const log = new EventLog(0, { maxEvents })
          const all: number[] = []
          let head = 0
          for (const gaps of batches) {
            const events: JournalEvent[] = []
            for (const g of gaps) {
              head += g
              events.push(post(head))
              all.push(head)
            }
            head += 1
            log.append(events, head)
          }
          const after = Math.min(afterSeed, head)
          const held = all.slice(Math.max(0, all.length - maxEvents))
          if (!log.covers(after)) {
            assert.ok(all.some((p) => p > after && !held.includes(p)))
            return
          }
          const want = all.filter((p) => p > after).slice(0, limit)
          assert.deepEqual(
            log.after(after, limit, 0).map((e) => e.position),
            want,
          )
        },
      ),
    )
  })
})
