/**
 * Delivery in any order (docs/protocol/sessions.md §6): sync delivers a set, not a queue, so two
 * nodes that write to each other must be able to open every envelope whatever order the
 * envelopes arrive in and whenever the answers go. fast-check draws the schedule: who sends
 * when, which envelope in flight arrives next, and the order of the rest at the end. An
 * envelope that does not open when it arrives is lost (nothing retries it).
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import { SESSION_MAX_AGE_MS } from '../src/index.js'
import type { EncryptedData } from '../src/index.js'
import { loadPresets } from './envelope-helpers.js'
import { Node } from './session-nodes.js'

const provider = (await loadPresets()).find((p) => p.name === 'node-sodium')!
const seed = seedFromEnv()

type Step = { send: 'a' | 'b' } | { deliver: number } | { day: 'a' | 'b' }
// Sends outweigh deliveries, so bursts build up with many envelopes in flight both ways.
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ send: fc.constantFrom('a' as const, 'b' as const) }) },
  { weight: 1, arbitrary: fc.record({ deliver: fc.nat() }) },
  // A day passes on one node's clock: its sessions are too old to send on, so it starts anew
  // while the peer may still write on the old ones.
  { weight: 1, arbitrary: fc.record({ day: fc.constantFrom('a' as const, 'b' as const) }) },
)

interface InFlight {
  readonly to: Node
  readonly from: Node
  readonly text: string
  readonly data: EncryptedData
}

/** Run a schedule; returns the texts that did not open when they arrived. */
function run(steps: readonly Step[], rest: readonly number[]): string[] {
  const a = new Node(provider, 'A'.repeat(86))
  const b = new Node(provider, 'B'.repeat(86))
  const flight: InFlight[] = []
  const lost: string[] = []
  let n = 0
  const deliver = (k: number) => {
    const [m] = flight.splice(k % flight.length, 1)
    if (m!.to.open(m!.data, m!.from) !== m!.text) lost.push(m!.text)
  }
  for (const s of steps) {
    if ('send' in s) {
      const [from, to] = s.send === 'a' ? [a, b] : [b, a]
      const text = `${s.send}${n++}`
      flight.push({ from, to, text, data: from.seal(to, text).data })
    } else if ('day' in s) (s.day === 'a' ? a : b).advance(SESSION_MAX_AGE_MS)
    else if (flight.length > 0) deliver(s.deliver)
  }
  for (const k of rest) if (flight.length > 0) deliver(k)
  while (flight.length > 0) deliver(0)
  return lost
}

describe('sessions: delivery in any order', () => {
  it('every envelope opens when it arrives, whatever the order and the interleaving', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 100 }),
        fc.array(fc.nat(), { maxLength: 100 }),
        (steps, rest) => {
          assert.deepEqual(run(steps, rest), [])
        },
      ),
      { seed, numRuns: 120 },
    )
  })
})
