/**
 * The daemon's rate-limited security log (issue 12 item 7, docs/daemon.md "Security log"): a
 * penalty is one line, a burst of 1,000 is a bounded number of lines plus one summary with the
 * count left out, a flood from many addresses keeps memory and output bounded, nothing secret.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RateLimitedLog, createSecurityLog } from '../src/daemon/security-log.js'

const PEER = 'kW4nqQnqpHnxGJ9T1yNnVZpzFx0V0fnV5m3pY4Lr3e8'

function world(options: { perKey?: number; perWindow?: number; maxKeys?: number } = {}) {
  let now = 1_000_000
  const lines: string[] = []
  const log = new RateLimitedLog({ write: (l) => lines.push(l), clock: () => now, ...options })
  return { log, lines, advance: (ms: number) => (now += ms) }
}

describe('security log', () => {
  it('a penalty is exactly one line, with the code and a shortened fingerprint', () => {
    const lines: string[] = []
    const security = createSecurityLog({ write: (l) => lines.push(l) })
    try {
      assert.equal(
        security.event('penalty', { peer: PEER, code: 'INVALID_SIGNATURE', penalty: 1 }),
        true,
      )
      assert.deepEqual(lines, ['peer kW4nqQnqpHnx… penalized (INVALID_SIGNATURE, penalty 1)'])
      assert.equal(security.event('connected', { peer: PEER }), false, 'not a security event')
      assert.equal(lines.length, 1)
    } finally {
      security.close()
    }
    assert.equal(lines.length, 1, 'no summary when nothing was left out')
    assert.ok(!lines.join('\n').includes(PEER), 'the full fingerprint is not logged')
  })

  it('a burst of 1,000 penalties from one peer is 5 lines and one summary', () => {
    const lines: string[] = []
    const security = createSecurityLog({ write: (l) => lines.push(l) })
    for (let i = 1; i <= 1000; i++)
      security.event('penalty', { peer: PEER, code: 'BAD_REQUEST', penalty: i })
    assert.equal(lines.length, 5)
    security.close()
    assert.equal(lines.length, 6)
    assert.equal(lines[5], '995 similar lines suppressed in 60 s (peer kW4nqQnqpHnx…: 995)')
  })

  it('refused connections are keyed by address; a new window logs again', () => {
    const { log, lines, advance } = world()
    for (let i = 0; i < 1000; i++) log.log('127.0.0.2', `refused ${i}`)
    log.log('127.0.0.3', 'refused other')
    assert.deepEqual(lines, [
      'refused 0',
      'refused 1',
      'refused 2',
      'refused 3',
      'refused 4',
      'refused other',
    ])
    log.flush() // the window is not over: nothing yet
    assert.equal(lines.length, 6)
    advance(60_000)
    log.flush()
    assert.deepEqual(lines.slice(6), ['995 similar lines suppressed in 60 s (127.0.0.2: 995)'])
    assert.equal(log.log('127.0.0.2', 'refused again'), true)
    assert.equal(lines.at(-1), 'refused again')
  })

  it('a flood from many addresses stays within the per-window cap and the key cap', () => {
    const many = world()
    for (let i = 0; i < 10_000; i++) many.log.log(`10.0.${i >> 8}.${i & 255}`, `refused ${i}`)
    assert.equal(many.lines.length, 100, 'at most perWindow lines')
    many.advance(60_000)
    many.log.flush()
    assert.equal(many.lines.length, 101)
    assert.match(many.lines[100]!, /^9900 similar lines suppressed in 60 s \(other sources: 8976, /)

    // Beyond maxKeys, new addresses share one key (and its per-key limit).
    const few = world({ maxKeys: 50 })
    for (let i = 0; i < 10_000; i++) few.log.log(`10.0.${i >> 8}.${i & 255}`, `refused ${i}`)
    assert.equal(few.lines.length, 55)
    few.log.flush(true)
    assert.equal(few.lines[55], '9945 similar lines suppressed in 60 s (other sources: 9945)')
  })
})
