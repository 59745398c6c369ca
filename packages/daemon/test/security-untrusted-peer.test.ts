/**
 * Issue 6: an attacker with a peer connection but no trust learns nothing beyond the rejection
 * (docs/security.md §2). A real node (NodeNetwork over TCP on 127.0.0.1:0, SQLite store with
 * posts and messages) is dialled with the real transport by a fresh node key and by a node of a
 * real user the node knows but does not trust; each gets the handshake, one `rejected` frame and
 * a closed connection, its later frames get no answer, and a trusted peer keeps syncing. The
 * fresh key is let in for first contact (sync.md §8.8: one request, the short invite's fetch)
 * and asks without the invite key: the node's only frames are `accept` and `rejected`.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { describe, it } from 'node:test'
import { ErrorCode, fingerprintOf, isProtocolError } from '@sdmp/core'
import { secureChannel, socketDuplex } from '@sdmp/transport'
import type { Duplex } from '@sdmp/transport'
import { registerSecret, tmpDir, waitFor } from '@sdmp/testkit'
import { befriendPeers, closePeers, createPeer, pushPeer } from '@sdmp/testkit/daemon-world'
import { provider } from '@sdmp/testkit/node-world'
import { addContact, createInvite, publishPost } from '../src/account/index.js'
import { NodeNetwork } from '../src/index.js'
import { registerAccountSecrets } from './security-helpers.js'

/** What the attacker's socket saw. */
interface Capture {
  /** Every byte received from the node, in order. */
  readonly received: Buffer[]
  /** Bytes received after `mark()`. */
  after(): number
  mark(): void
  readonly socket: Socket
  closed: boolean
}

/** Frame bodies in a byte stream (transport.md §4: u32 big-endian length, then the body). */
function frames(bytes: Buffer): Buffer[] {
  const out: Buffer[] = []
  let at = 0
  while (at + 4 <= bytes.length) {
    const len = bytes.readUInt32BE(at)
    out.push(bytes.subarray(at + 4, at + 4 + len))
    at += 4 + len
  }
  assert.equal(at, bytes.length, 'the stream ends on a frame boundary')
  return out
}

/**
 * The attacker's duplex: a real TCP socket that records what arrives and ignores the channel's
 * end/destroy, so the attacker can keep writing after the channel gave up (a hostile client
 * does not follow the protocol).
 */
function hostileDuplex(socket: Socket, capture: { received: Buffer[] }): Duplex {
  const inner = socketDuplex(socket)
  return {
    remoteAddress: inner.remoteAddress,
    attach(h) {
      inner.attach({
        ...h,
        data(chunk) {
          capture.received.push(Buffer.from(chunk))
          h.data(chunk)
        },
      })
    },
    write: (chunk) => inner.write(chunk),
    end: () => undefined,
    destroy: () => undefined,
    pause: () => inner.pause(),
    resume: () => inner.resume(),
  }
}

/** Dial `address` with the real transport as node `seed` and run the initiator handshake. */
async function attack(
  address: { host: string; port: number },
  seed: Uint8Array,
  request?: Uint8Array,
) {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ ...address, allowHalfOpen: true })
    s.once('connect', () => resolve(s))
    s.once('error', reject)
  })
  socket.on('error', () => undefined)
  let markAt = 0
  const capture: Capture = {
    received: [],
    socket,
    closed: false,
    mark: () => (markAt = Buffer.concat(capture.received).length),
    after: () => Buffer.concat(capture.received).length - markAt,
  }
  socket.on('close', () => (capture.closed = true))
  const outcome = await secureChannel(hostileDuplex(socket, capture), {
    role: 'initiator',
    provider,
    nodeSeed: seed,
    fingerprintOf: (pk) => fingerprintOf(provider, pk),
    // The attacker accepts anything: it wants to learn as much as it can.
    authorize: async () => ({ ok: true }),
  }).then(
    async (channel) => {
      // Let in (first contact): ask, and the node's answer is its rejection.
      if (request === undefined) return new Error('the channel opened')
      void channel.send(request)
      return (await channel.closed).error
    },
    (e: unknown) => e,
  )
  return { capture, outcome }
}

describe('security: untrusted peer', () => {
  it('learns nothing beyond the rejection, and the node keeps serving a trusted peer', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const mallory = await createPeer(dir, 'mallory')
    const peers = [alice, bob, mallory]
    t.after(() => closePeers(peers))
    await befriendPeers(alice, bob)
    // Mallory trusts Alice and Alice knows Mallory's identity and trust, but does not trust back.
    await addContact(mallory.account, await createInvite(alice.account))
    await pushPeer(mallory, alice)
    const body = `private to bob ${randomBytes(12).toString('hex')}`
    registerSecret(body, 'message body alice to bob')
    await alice.mailbox.send({ to: [bob.account.requireUser()], body })
    await publishPost(alice.account, 'a post for contacts')
    for (const p of peers) await registerAccountSecrets(p, p.home)

    const networks: NodeNetwork[] = []
    t.after(async () => {
      for (const n of networks) await n.stop()
    })
    const host = { host: '127.0.0.1', port: 0 }
    const a = await NodeNetwork.start({ account: alice.account, listen: host })
    networks.push(a)
    await pushPeer(alice, bob) // Bob learns Alice's address record, then dials her.
    const b = await NodeNetwork.start({ account: bob.account, listen: host })
    networks.push(b)
    const connected = () =>
      a.peers().some((p) => p.state === 'connected' && p.user === bob.account.user)
    await waitFor(connected, { timeout: 20_000, what: 'bob connected to alice' })
    const address = a.manager.tcpAddress!
    const journalBefore = (await alice.account.store.journalHead())!.position

    const guess = new TextEncoder().encode('{"type":"invite","key":"AAAAAAAAAAAAAAAAAAAAAA"}')
    const attackers = [
      {
        seed: provider.randomBytes(32),
        reason: 'forbidden',
        who: 'a fresh node key guessing the invite key',
        request: guess,
        frames: 3, // handshake reply, accept, rejected
      },
      {
        seed: mallory.account.nodeKey.seed,
        reason: 'untrusted',
        who: 'a known, untrusted user',
        frames: 2, // handshake reply, rejected
      },
    ]
    for (const attacker of attackers) {
      const { capture, outcome } = await attack(address, attacker.seed, attacker.request)
      // The channel ends with the node's rejection and its reason code, nothing else.
      assert.ok(isProtocolError(outcome, ErrorCode.FORBIDDEN), `${attacker.who}: FORBIDDEN`)
      assert.equal(outcome!.message, `rejected: ${attacker.reason}`)
      await waitFor(() => capture.socket.readableEnded || capture.closed, {
        what: `${attacker.who}: the node ends the connection`,
      })
      // Handshake message 2, then only the verdicts: nothing of the node's data.
      const got = frames(Buffer.concat(capture.received))
      assert.equal(got.length, attacker.frames, `${attacker.who}: handshake reply and verdicts`)
      // Frames sent after the rejection get no answer, and the node drops the connection.
      capture.mark()
      for (let i = 0; i < 4; i++) {
        const junk = randomBytes(64)
        const frame = Buffer.alloc(4 + junk.length)
        frame.writeUInt32BE(junk.length)
        junk.copy(frame, 4)
        if (!capture.socket.destroyed) capture.socket.write(frame)
      }
      if (!capture.socket.destroyed) capture.socket.end()
      await waitFor(() => capture.closed, { what: `${attacker.who}: the socket closes` })
      assert.equal(capture.after(), 0, `${attacker.who}: no answer to later frames`)
    }

    // Nothing new came from Mallory (Bob's receipts and records may have); no session for her.
    const since = await alice.account.store.readJournal(journalBefore, 1000)
    for (const row of since) {
      const meta = await alice.account.store.getMeta(row.line.slice(row.line.indexOf('/') + 1))
      assert.ok(meta, 'every journaled resource is stored')
      assert.notEqual(meta.user, mallory.account.user, 'nothing of mallory stored meanwhile')
    }
    assert.ok(!a.engine.sessions.has(mallory.account.node))
    // Meanwhile Alice still serves Bob: a new post reaches him over the same network.
    assert.ok(connected(), 'bob is still connected')
    const post = await publishPost(alice.account, 'after the attack')
    await waitFor(async () => (await bob.account.store.getResource(post.id)) !== undefined, {
      timeout: 20_000,
      what: 'the new post at bob',
    })
  })
})
