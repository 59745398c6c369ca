/**
 * Issue 17, first contact by message request (docs/protocol/requests.md): a stranger delivers
 * one sealed request to a user's node and is told the outcome; accepting makes the two contacts
 * and messages flow both ways; declining deletes it; a blocked sender is `rejected`/`blocked`; a
 * second request while one waits, or a source over its rate, is `over-quota`; a forged request
 * is `bad-signature`; malformed and oversized bytes are answered, never a crash. In-process
 * daemons over loopback TCP.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import fc from 'fast-check'
import { ProtocolError, sealEnvelope, utf8, prekeyRecordOf, selectPrekeys } from '@sdmp/core'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  connectedToUser,
  createAccount,
  inboxHas,
  startDaemon,
  stopDaemons,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'
import { checkInvite, createInvite } from '../src/account/contacts.js'
import {
  MAX_REQUEST_BYTES,
  decodeInboxAnswer,
  decodeOutcome,
  decodeRequestMessage,
  decodeRequestPlaintext,
  encodeInboxQuery,
  encodeRequest,
  encodeRequestPlaintext,
} from '../src/account/request-codec.js'
import { askNode } from '../src/service/invite-fetch.js'
import { decodeHeldAnswer, decodeHeldQuery } from '../src/account/held-codec.js'

afterEach(stopDaemons)

const WAIT = { timeout: 30_000, interval: 20 }

/** Where `n` takes requests: `USER@HOST:PORT#NODE`. */
async function addressOf(n: TestDaemon): Promise<string> {
  const w = await n.api.whoami()
  return `${w.user!}@${w.running!.peer}#${w.node}`
}

/** A forged request to `to`: a message signed by `from`, its signature then altered. */
async function forgedRequest(from: TestDaemon, to: TestDaemon): Promise<Uint8Array> {
  const account = from.daemon.account
  const toUser = to.daemon.account.requireUser()
  const peer = (await to.api.whoami()).running!.peer
  const answer = decodeInboxAnswer(
    await askNode(account.provider, peer, undefined, encodeInboxQuery(toUser), {}),
  )
  assert.ok('invite' in answer)
  const checked = checkInvite(account, answer.invite)
  const now = account.now()
  const keys = selectPrekeys(
    checked.resources
      .filter((v) => v.kind === 'prekey')
      .map((v) => prekeyRecordOf(account.provider, v)),
    now,
  )
  const message = account.signForUser(
    { kind: 'message', data: { body: 'hello', type: 'text', to: [toUser] } },
    'publish_resource',
  )
  const container = JSON.parse(new TextDecoder().decode(message.bytes)) as {
    signature: { signatures: { signature: string }[] }
  }
  const sig = container.signature.signatures[0]!
  sig.signature = (sig.signature[0] === 'A' ? 'B' : 'A') + sig.signature.slice(1)
  const text = JSON.stringify(container)
  const plain = encodeRequestPlaintext({ invite: await createInvite(account), message: utf8(text) })
  return encodeRequest(toUser, sealEnvelope(account.provider, plain, keys))
}

describe('message requests', () => {
  it(
    'a request accepted makes contacts, then messages flow both ways',
    { timeout: 180_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-req-')
      const alice = await startDaemon(await createAccount(dir, 'alice'))
      const bob = await startDaemon(await createAccount(dir, 'bob'))
      const aliceUser = alice.daemon.account.requireUser()
      const bobUser = bob.daemon.account.requireUser()
      // By short invite (it names the node and its addresses).
      const short = (await bob.api.invite()).short!
      const sent = await alice.api.sendRequest({
        to: short,
        text: 'hi bob, alice here',
        name: 'bob',
      })
      assert.deepEqual(sent, { user: bobUser, outcome: 'delivered', reason: null, contact: 'bob' })
      const { requests } = await bob.api.requests()
      assert.equal(requests.length, 1)
      assert.equal(requests[0]!.user, aliceUser)
      assert.equal(requests[0]!.text, 'hi bob, alice here')
      // Not in the inbox: requests are kept apart.
      assert.equal((await bob.api.inbox()).messages.length, 0)
      const accepted = await bob.api.acceptRequest(requests[0]!.id.slice(0, 8), { name: 'alice' })
      assert.equal(accepted.contact.user, aliceUser)
      assert.equal((await bob.api.requests()).requests.length, 0)
      await connectedToUser(alice, bobUser)
      await connectedToUser(bob, aliceUser)
      const m1 = await alice.api.send({ to: ['bob'], body: 'first message' })
      await inboxHas(bob, m1.id, 'bob has alice message')
      const m2 = await bob.api.send({ to: ['alice'], body: 'and back' })
      await inboxHas(alice, m2.id, 'alice has bob message')
    },
  )

  it(
    'declined and blocked: deleted; a blocked sender is rejected/blocked',
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-req-')
      const alice = await startDaemon(await createAccount(dir, 'alice'))
      const carol = await startDaemon(await createAccount(dir, 'carol'))
      // Every asker comes from 127.0.0.1 here: the per-source rate is the last test's subject.
      const bob = await startDaemon(await createAccount(dir, 'bob'), {
        requestLimits: { perSourcePerMinute: 1000 },
      })
      const address = await addressOf(bob)
      const first = await alice.api.sendRequest({ to: address, text: 'one' })
      assert.equal(first.outcome, 'delivered')
      // One request per sender while it waits.
      const second = await alice.api.sendRequest({ to: address, text: 'two' })
      assert.deepEqual(
        [second.outcome, second.reason, second.contact],
        ['rejected', 'over-quota', null],
      )
      const id = (await bob.api.requests()).requests[0]!.id
      await bob.api.declineRequest(id)
      assert.equal((await bob.api.requests()).requests.length, 0)
      await assert.rejects(bob.api.acceptRequest(id), { code: 'NOT_FOUND' })
      // Carol asks, bob blocks her from the request; her next request is refused as blocked.
      assert.equal((await carol.api.sendRequest({ to: address, text: 'hey' })).outcome, 'delivered')
      await bob.api.blockRequest((await bob.api.requests()).requests[0]!.id)
      const again = await carol.api.sendRequest({ to: address, text: 'hey again' })
      assert.deepEqual([again.outcome, again.reason], ['rejected', 'blocked'])
      assert.equal((await bob.api.requests()).requests.length, 0)
      assert.equal((await bob.api.blocks()).blocks[0]?.user, carol.daemon.account.requireUser())
      // Policy: closed refuses, silent stores but says nothing of it.
      await bob.api.updateSettings({ requests: 'closed' })
      const closed = await alice.api.sendRequest({ to: address, text: 'closed?' })
      assert.deepEqual([closed.outcome, closed.reason], ['rejected', 'policy'])
      await bob.api.updateSettings({ requests: 'silent' })
      assert.equal(
        (await alice.api.sendRequest({ to: address, text: 'silent?' })).outcome,
        'silent',
      )
      assert.equal((await carol.api.sendRequest({ to: address, text: 'me?' })).outcome, 'silent')
      assert.deepEqual(
        (await bob.api.requests()).requests.map((r) => r.text),
        ['silent?'],
      )
    },
  )

  it(
    'forged, malformed, oversized, unknown user and over-rate requests get coded answers',
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-req-')
      const alice = await startDaemon(await createAccount(dir, 'alice'))
      const bob = await startDaemon(await createAccount(dir, 'bob'), {
        requestLimits: { perSourcePerMinute: 6 },
      })
      const provider = alice.daemon.account.provider
      const peer = (await bob.api.whoami()).running!.peer
      const ask = (bytes: Uint8Array) => askNode(provider, peer, undefined, bytes, {})
      // 1: a forged request (the signed message altered after signing).
      const forged = decodeOutcome(await ask(await forgedRequest(alice, bob)))
      assert.deepEqual(forged, { outcome: 'rejected', reason: 'bad-signature' })
      // 2: malformed JSON of the request type.
      const bad = decodeOutcome(await ask(utf8('{"type":"request","user":1,"sealed":[]}')))
      assert.deepEqual(bad, { outcome: 'rejected', reason: 'policy' })
      // 3: oversized.
      const big = utf8(`{"type":"request","user":"${'x'.repeat(MAX_REQUEST_BYTES)}"}`)
      assert.deepEqual(decodeOutcome(await ask(big)), { outcome: 'rejected', reason: 'policy' })
      // 4: another user.
      const other = decodeInboxAnswer(await ask(encodeInboxQuery('A'.repeat(86))))
      assert.deepEqual(other, { outcome: 'rejected', reason: 'unknown-user' })
      // 5: every ask counts against the source, malformed ones too: the sixth within the minute
      // is within the rate, the seventh is over it.
      const bobUser = bob.daemon.account.requireUser()
      assert.ok('invite' in decodeInboxAnswer(await ask(encodeInboxQuery(bobUser))))
      const over = decodeInboxAnswer(await ask(encodeInboxQuery(bobUser)))
      assert.deepEqual(over, { outcome: 'rejected', reason: 'over-quota' })
      // Nothing was stored, and the node still serves its user.
      assert.equal((await bob.api.requests()).requests.length, 0)
      await waitFor(async () => (await bob.api.whoami()).user === bobUser, WAIT)
    },
  )
})

describe('request codec', () => {
  const coded = (f: () => unknown) => {
    try {
      f()
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e
    }
  }
  it('decoders answer any bytes with a value or a coded error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        coded(() => decodeRequestMessage(bytes))
        coded(() => decodeRequestPlaintext(bytes))
        coded(() => decodeOutcome(bytes))
        coded(() => decodeInboxAnswer(bytes))
        coded(() => decodeHeldQuery(bytes))
        coded(() => decodeHeldAnswer(bytes))
      }),
      { numRuns: 2000 },
    )
  })
  it('decoders answer any JSON of the right type with a value or a coded error', () => {
    const json = fc.record(
      {
        type: fc.constantFrom('inbox', 'request', 'contact_request', 'held'),
        user: fc.oneof(fc.string(), fc.constant('A'.repeat(86)), fc.jsonValue()),
        sealed: fc.jsonValue(),
        invite: fc.oneof(fc.string(), fc.jsonValue()),
        message: fc.oneof(fc.string(), fc.base64String(), fc.jsonValue()),
        outcome: fc.constantFrom('delivered', 'silent', 'rejected', 'x'),
        reason: fc.oneof(fc.constantFrom('blocked', 'policy', 'nope'), fc.jsonValue()),
        envelope: fc.oneof(fc.base64String(), fc.jsonValue()),
        query: fc.oneof(
          fc.base64String(),
          fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
        ),
        signature: fc.oneof(fc.base64String(), fc.jsonValue()),
        items: fc.oneof(
          fc.array(fc.record({ id: fc.string(), request: fc.string() })),
          fc.jsonValue(),
        ),
        more: fc.oneof(fc.boolean(), fc.jsonValue()),
      },
      { requiredKeys: ['type'] },
    )
    fc.assert(
      fc.property(json, (v) => {
        const bytes = utf8(JSON.stringify(v))
        coded(() => decodeRequestMessage(bytes))
        coded(() => decodeRequestPlaintext(bytes))
        coded(() => decodeOutcome(bytes))
        coded(() => decodeInboxAnswer(bytes))
        coded(() => decodeHeldQuery(bytes))
        coded(() => decodeHeldAnswer(bytes))
      }),
      { numRuns: 2000 },
    )
  })
})
