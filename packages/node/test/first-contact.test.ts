/**
 * First contact (docs/protocol/sync.md §8.8) on loopback: a node this node does not know may
 * ask one question and get one answer; a refused question ends in `rejected(forbidden)`; no sync
 * session or peer event is made for it; at most `maxGuests` such channels are open at once, and
 * one that asks nothing is closed at the deadline, freeing its place. Without the option, an
 * unknown node is refused as before (`unknown_node`).
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ErrorCode, fingerprintOf, isProtocolError } from '@sdmp/core'
import { connectTcp } from '@sdmp/transport'
import type { SecureChannel } from '@sdmp/transport'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  provider,
  shutdownAll,
} from '@sdmp/testkit/node-world'
import { PeerManager } from '../src/index.js'
import type { FirstContactOptions, PeerChange } from '../src/index.js'

const text = (b: Uint8Array) => new TextDecoder().decode(b)
const bytes = (s: string) => new TextEncoder().encode(s)

/** A listening manager over a fresh disk node, with first contact when given. */
async function listening(firstContact?: FirstContactOptions) {
  const node = await openDiskNode(makeNodeIdentity('a', makeUser('alice', 1), 101), tmpDir(after))
  const manager = new PeerManager({
    engine: node.engine,
    provider,
    nodeSeed: node.key.seed,
    listen: { host: '127.0.0.1', port: 0 },
    ...(firstContact && { firstContact }),
  })
  await manager.start()
  after(() => manager.stop())
  const changes: PeerChange[] = []
  manager.onPeerChange((c) => changes.push(c))
  const ask = (): Promise<SecureChannel> =>
    connectTcp(manager.tcpAddress!, {
      provider,
      nodeSeed: provider.randomBytes(32),
      fingerprintOf: (pk) => fingerprintOf(provider, pk),
      authorize: async () => ({ ok: true }),
      expectedPeer: node.key.fingerprint,
    })
  return { node, manager, changes, ask }
}

/** The first message on `channel`, or undefined when it ends first. */
const firstMessage = (channel: SecureChannel) =>
  new Promise<Uint8Array | undefined>((resolve) => {
    channel.onMessage(resolve)
    void channel.closed.then(() => resolve(undefined))
  })

describe('first contact', () => {
  after(shutdownAll)

  it('answers one question of an unknown node, then closes; no session, no peer event', async () => {
    const { node, changes, ask } = await listening({
      answer: async (request) =>
        text(request) === 'invite please' ? bytes('here it is') : undefined,
    })
    const channel = await ask()
    const answer = firstMessage(channel)
    await channel.send(bytes('invite please'))
    assert.equal(text((await answer)!), 'here it is')
    const info = await channel.closed
    assert.equal(info.by, 'remote')
    assert.equal(info.reason, 'normal')
    assert.equal(node.engine.sessions.size, 0)
    assert.deepEqual(changes, [])

    const refused = await ask()
    void refused.send(bytes('something else'))
    const end = await refused.closed
    assert.ok(isProtocolError(end.error, ErrorCode.FORBIDDEN), String(end.error))
    assert.equal(end.error!.message, 'rejected: forbidden')
  })

  it('lets in at most maxGuests at once; a silent one is closed at the deadline', async () => {
    const { ask } = await listening({
      answer: async () => bytes('ok'),
      maxGuests: 1,
      timeoutMs: 500,
    })
    const silent = await ask()
    await assert.rejects(ask(), (e: unknown) => {
      assert.ok(isProtocolError(e, ErrorCode.FORBIDDEN))
      assert.equal((e as Error).message, 'rejected: unknown_node')
      return true
    })
    const info = await silent.closed
    assert.equal(info.by, 'remote')
    // Its place is free again.
    const next = await waitFor(async () => ask().catch(() => undefined), {
      what: 'a new first contact admitted',
    })
    const answer = firstMessage(next)
    await next.send(bytes('?'))
    assert.equal(text((await answer)!), 'ok')
  })

  it('refuses unknown nodes without the option', async () => {
    const { ask } = await listening()
    await assert.rejects(ask(), (e: unknown) => {
      assert.equal((e as Error).message, 'rejected: unknown_node')
      return true
    })
  })
})
