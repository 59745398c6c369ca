/**
 * Issue 12 item 7b through the real daemon (docs/daemon.md "Security log"): 1,000 connections
 * that fail the handshake are logged as at most 5 lines for their address, and the summary
 * with the count left out is written when the daemon stops.
 * @module
 */
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, describe, it } from 'node:test'
import { waitFor } from '@sdmp/testkit'
import { newHome, startDaemon, stopAllDaemons } from './daemon-proc.js'

const T = { timeout: 180_000 }

/** Connect, send bytes that are no handshake, and resolve when the daemon closes the socket. */
function garbage(host: string, port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => socket.end(Buffer.alloc(64, 0xff)))
    socket.on('error', () => resolve())
    socket.on('close', () => resolve())
    socket.resume()
  })
}

describe('daemon security log', () => {
  after(stopAllDaemons)

  it('a burst of 1,000 refused connections is a bounded number of lines', T, async () => {
    const home = await newHome(after, 'refusals')
    const daemon = await startDaemon(home)
    const [host, port] = [
      daemon.peer.slice(0, daemon.peer.lastIndexOf(':')),
      daemon.peer.split(':').pop(),
    ]
    const refused = () =>
      daemon
        .stderr()
        .split('\n')
        .filter((l) => /^inbound connection from \S+ refused \([a-z_]+\)$/.test(l))
    await garbage(host, Number(port))
    await waitFor(() => refused().length === 1, {
      what: 'the first refusal logged',
      timeout: 20_000,
    }).catch((e) => {
      throw new Error(`${String(e)}: ${daemon.stderr()}`)
    })
    for (let batch = 0; batch < 40; batch++)
      await Promise.all(Array.from({ length: 25 }, () => garbage(host, Number(port))))
    await waitFor(() => refused().length >= 5, { what: 'five refusal lines', timeout: 20_000 })
    await daemon.stop()
    await waitFor(() => /similar lines suppressed/.test(daemon.stderr()), {
      what: 'the summary at stop',
      timeout: 20_000,
    })
    assert.equal(refused().length, 5, daemon.stderr())
    const summary = daemon
      .stderr()
      .split('\n')
      .filter((l) => /suppressed/.test(l))
    assert.equal(summary.length, 1)
    const m = /^(\d+) similar lines suppressed in 60 s \(127\.0\.0\.1: (\d+)\)$/.exec(summary[0]!)
    assert.ok(m, summary[0])
    // Every one of the 1,001 connections was refused exactly once: 5 written, the rest counted.
    assert.equal(Number(m[1]), 996)
    assert.ok(daemon.stderr().split('\n').length < 30, 'the whole log stays short')
  })
})
