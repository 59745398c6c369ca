/**
 * Issue 12 item 2 through real daemons (docs/security.md "Hardening (issue 12)"): while silent
 * sockets from 127.0.0.2..41 keep alice's peer listener full of half-open handshakes, her
 * contact bob, whose signed `node` record lists 127.0.0.1, still connects through the reserved
 * share and delivers a message.
 * @module
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { loopbackRange, startSilentFlood, tmpDir, waitFor } from '@sdmp/testkit'
import { createAccount, startDaemon, stopDaemons } from '@sdmp/testkit/daemon-world'
import type { DropReason } from '@sdmp/transport'
import type { DaemonOptions } from '../src/daemon/index.js'

afterEach(stopDaemons)

/** A new account `name` and its daemon; redials top out at 300 ms (the flood test's pace). */
async function start(dir: string, name: string, extra: Partial<DaemonOptions> = {}) {
  return startDaemon(await createAccount(dir, name), {
    backoff: { initialMs: 50, maxMs: 300 },
    ...extra,
  })
}

describe('handshake flood', () => {
  it(
    'a trusted contact connects and delivers while strangers flood the peer listener',
    { timeout: 120_000 },
    async (t) => {
      const dir = tmpDir(after, 'sdmp-flood-')
      const drops: DropReason[] = []
      // A long deadline keeps the flood's 64 half-open handshakes in place for the whole test
      // (no gaps between deadline waves for bob to slip through); the 16 excess connections
      // are dropped and re-opened all along. The deadline itself is tested in transport.
      const alice = await start(dir, 'alice', {
        transportLimits: { handshakeTimeoutMs: 120_000 },
        onDrop: (reason) => drops.push(reason),
      })
      const port = Number(alice.daemon.peerAddress!.split(':').at(-1))
      const flood = startSilentFlood({
        port,
        sources: loopbackRange(2, 41),
        perSource: 2,
        reopenDelayMs: 50,
        maxOpens: 20_000,
      })
      t.after(() => flood.stop())
      const net = alice.daemon.network!
      const admission = () => net.manager.admission!
      await waitFor(() => admission().general === 64 && admission().droppedBy.full > 0, {
        what: 'alice’s general pool full',
      })
      // Bob publishes an address alice cannot dial, so the only way in is bob dialling alice from
      // 127.0.0.1 — an address his signed node record lists.
      const bob = await start(dir, 'bob', { advertise: ['127.0.0.1:1'] })
      assert.equal(net.isKnownAddress('127.0.0.1'), false, 'bob is not known before the contact')
      const ia = (await alice.api.invite()).invite
      const ib = (await bob.api.invite()).invite
      await bob.api.addContact({ invite: ia, name: 'alice' })
      await alice.api.addContact({ invite: ib, name: 'bob' })
      await waitFor(() => net.isKnownAddress('127.0.0.1'), { what: 'bob’s address known' })
      assert.equal(net.isKnownAddress('::ffff:127.0.0.1'), true)
      assert.equal(net.isKnownAddress('127.0.0.2'), false)
      const opened = flood.opened
      const sent = await bob.api.send({ to: ['alice'], body: 'through the flood' })
      await waitFor(async () => (await alice.api.inbox()).messages.some((m) => m.id === sent.id), {
        timeout: 60_000,
        interval: 50,
        what: 'alice receives bob’s message',
      })
      assert.ok(flood.opened > opened, 'the flood went on while bob connected')
      assert.ok(flood.opened < 20_000, `the flood stayed within its bound (${flood.opened})`)
      assert.ok(drops.includes('full'), 'strangers were dropped at full')
      assert.equal(net.manager.admission!.general, 64, 'the flood still held the general pool')
      const session = [...net.engine.sessions.values()].find((s) => s.isOpen)
      assert.equal(session?.role, 'responder', 'bob reached alice through her listener')
    },
  )
})
