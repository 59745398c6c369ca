/**
 * The state of a sent message (mail/receipts.ts `deliveryOf`, docs/messaging.md "Delivery
 * states"): per recipient a receipt wins over what their standing says, and the message is as
 * far as its least advanced recipient, with the reason naming who holds it back.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import { deliveryOf } from '../src/mail/receipts.js'
import type { RecipientStanding } from '../src/mail/receipts.js'
import type { MessageRecord, ReceiptMap } from '../src/mail/records.js'

const ME = 'me'
const ORDER = ['rejected', 'waiting', 'sent', 'delivered', 'read']

const sent = (to: string[]): MessageRecord => ({
  id: 'm',
  outer: 'o',
  from: ME,
  to,
  body: 'b',
  type: 'text',
  created: 0,
  conversation: 'm',
  direction: 'out',
  position: 1,
})

type Status = RecipientStanding['status'] | undefined
type Receipt = 'delivered' | 'read' | undefined

/** What one recipient alone makes of a message. */
function expected(status: Status, receipt: Receipt): string {
  if (receipt !== undefined) return receipt
  return status === 'removed' ? 'rejected' : status === 'waiting' ? 'waiting' : 'sent'
}

describe('delivery state of a sent message', () => {
  it('says who has not added us, and who removed us', () => {
    const standing = new Map<string, RecipientStanding>([
      ['b', { name: 'bob', status: 'waiting' }],
      ['c', { name: 'carol', status: 'removed' }],
      ['d', { name: 'dave', status: 'waiting' }],
    ])
    assert.deepEqual(deliveryOf(sent(['b']), undefined, ME, standing), {
      state: 'waiting',
      reason: 'bob has not added you yet; the message waits',
    })
    assert.deepEqual(deliveryOf(sent(['b', 'd']), undefined, ME, standing), {
      state: 'waiting',
      reason: 'bob and dave have not added you yet; the message waits',
    })
    assert.deepEqual(deliveryOf(sent(['c']), undefined, ME, standing), {
      state: 'rejected',
      reason: 'carol removed you as a contact; the message will not be delivered',
    })
    // Rejected is weaker than waiting; the reason names both.
    assert.deepEqual(deliveryOf(sent(['b', 'c']), undefined, ME, standing), {
      state: 'rejected',
      reason:
        'carol removed you as a contact; the message will not be delivered; bob has not added you yet; the message waits',
    })
    // Bob's receipt says he holds it: the message no longer waits for him.
    const receipts: ReceiptMap = { b: { status: 'delivered', at: 1 } }
    assert.deepEqual(deliveryOf(sent(['b']), receipts, ME, standing), {
      state: 'delivered',
      reason: null,
    })
    // A message only to ourselves, and one to a mutual contact, are plainly sent.
    assert.deepEqual(deliveryOf(sent([ME]), undefined, ME, standing), {
      state: 'sent',
      reason: null,
    })
    assert.deepEqual(deliveryOf(sent(['x', ME]), undefined, ME, standing), {
      state: 'sent',
      reason: null,
    })
  })

  it('a receipt always wins; the state is the weakest across recipients', () => {
    const recipient = fc.record({
      status: fc.constantFrom<Status>('mutual', 'waiting', 'removed', undefined),
      receipt: fc.constantFrom<Receipt>('delivered', 'read', undefined),
    })
    const seed = seedFromEnv()
    fc.assert(
      fc.property(fc.array(recipient, { minLength: 1, maxLength: 6 }), (list) => {
        const to = list.map((_, i) => `u${i}`)
        const standing = new Map<string, RecipientStanding>()
        const receipts: Record<string, { status: 'delivered' | 'read'; at: number }> = {}
        list.forEach((r, i) => {
          if (r.status !== undefined) standing.set(`u${i}`, { name: `n${i}`, status: r.status })
          if (r.receipt !== undefined) receipts[`u${i}`] = { status: r.receipt, at: i }
        })
        const got = deliveryOf(sent([ME, ...to]), receipts, ME, standing)
        const each = list.map((r) => expected(r.status, r.receipt))
        const weakest = each.reduce((a, b) => (ORDER.indexOf(b) < ORDER.indexOf(a) ? b : a))
        assert.equal(got.state, weakest)
        // The reason names exactly the recipients held back (no receipt, not mutual).
        const held = list
          .map((r, i) => ({ ...r, name: `n${i}` }))
          .filter(
            (r) => r.receipt === undefined && (r.status === 'waiting' || r.status === 'removed'),
          )
        assert.equal(got.reason === null, held.length === 0)
        for (const r of held) assert.ok(got.reason!.includes(r.name), `${got.reason} ${r.name}`)
        for (let i = 0; i < list.length; i++)
          if (!held.some((r) => r.name === `n${i}`))
            assert.ok(got.reason === null || !got.reason.includes(`n${i} `), got.reason ?? '')
      }),
      { seed, numRuns: 300 },
    )
  })
})
