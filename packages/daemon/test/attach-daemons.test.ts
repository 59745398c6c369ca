/**
 * Encrypted attachments end to end between daemons in process over loopback TCP
 * (docs/protocol/attachments.md): upload, send, fetch by the recipient's node, decrypted
 * download; offline delivery through a host-only node that stores the blob but has no key;
 * and a peer serving a corrupted blob is refused (nothing stored, the peer penalized).
 * @module
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { after, afterEach, describe, it } from 'node:test'
import type { AttachmentRef } from '@sdmp/client'
import { chunksOf, fileBytes, tmpDir, waitFor } from '@sdmp/testkit'
import {
  accountDeps as deps,
  befriendDaemons as befriend,
  blobPath,
  connectedTo,
  createAccount as create,
  download,
  startDaemon as start,
  stopDaemon as stop,
  stopDaemons as stopAll,
} from '@sdmp/testkit/daemon-world'
import { Account, readApiToken } from '../src/account/index.js'

afterEach(stopAll)

describe('attachments between daemons', () => {
  it(
    'delivers a 1 MiB attachment that the recipient downloads byte for byte',
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-attach-')
      const alice = await start(await create(dir, 'alice'))
      const bob = await start(await create(dir, 'bob'))
      await befriend(alice, 'alice', bob, 'bob')
      await connectedTo(alice, (await bob.api.whoami()).node)

      const file = fileBytes(1024 * 1024 + 123, 7)
      const blob = await alice.api.uploadBlob(chunksOf(file))
      assert.match(blob.hash, /^[0-9a-f]{64}$/)
      assert.ok(blob.size > file.length, 'the blob is the sealed file')
      const ref: AttachmentRef = { ...blob, name: 'report.bin', type: 'application/octet-stream' }
      const sent = await alice.api.send({ to: ['bob'], body: 'see attached', attachments: [ref] })

      await waitFor(
        async () => {
          const m = (await bob.api.inbox()).messages.find((x) => x.id === sent.id)
          return m?.attachments?.[0]?.available === true
        },
        { timeout: 60_000, what: "the attachment on bob's node" },
      )
      const shown = await bob.api.show(sent.id)
      assert.ok('message' in shown)
      assert.deepEqual(shown.message.attachments, [
        {
          name: 'report.bin',
          size: file.length,
          type: 'application/octet-stream',
          hash: blob.hash,
          available: true,
        },
      ])
      assert.ok(!JSON.stringify(shown).includes(blob.key), 'the API never returns the key')
      assert.deepEqual(await download(bob, sent.id, 0), file)
      assert.deepEqual(await download(alice, sent.id, 0), file, 'the sender reads it too')
      await assert.rejects(bob.api.attachment(sent.id, 1), { code: 'NOT_FOUND' })

      // Hostile or wrong requests get coded errors, never a crash.
      const raw = (path: string, init: RequestInit = {}) =>
        fetch(`${alice.daemon.apiUrl}${path}`, {
          ...init,
          headers: {
            authorization: `Bearer ${readApiToken(alice.home)}`,
            ...(init.headers as Record<string, string>),
          },
        })
      const codeOf = async (r: Response) =>
        [r.status, ((await r.json()) as { error: { code: string } }).error.code] as const
      assert.deepEqual(
        await codeOf(
          await raw('/v1/blobs', {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: 'x',
          }),
        ),
        [400, 'BAD_REQUEST'],
      )
      for (const index of ['64', '-1', 'abc', '01'])
        assert.deepEqual(
          await codeOf(await raw(`/v1/messages/${sent.id}/attachments/${index}`)),
          [400, 'BAD_REQUEST'],
          index,
        )
      const send = (attachments: unknown) =>
        raw('/v1/messages', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ to: ['bob'], body: 'x', attachments }),
        })
      assert.deepEqual(await codeOf(await send([{ ...ref, extra: 1 }])), [400, 'BAD_REQUEST'])
      assert.deepEqual(await codeOf(await send('nope')), [400, 'BAD_REQUEST'])
      assert.deepEqual(
        await codeOf(await send([{ ...ref, hash: 'cd'.repeat(32) }])),
        [404, 'NOT_FOUND'],
        'a blob that was never uploaded',
      )
      assert.deepEqual(await codeOf(await send([{ ...ref, key: '!'.repeat(43) }])), [
        400,
        'INVALID_ENCODING',
      ])
      assert.deepEqual(await codeOf(await send([{ ...ref, size: 5 }])), [400, 'BAD_REQUEST'])
    },
  )

  it(
    'delivers through a host-only node while the sender is offline; the host cannot read it',
    { timeout: 180_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-attach-host-')
      const laptop = await start(await create(dir, 'alice'))
      const hostAccount = await create(dir, 'host', true)
      await laptop.api.authorizeDevice({ request: await hostAccount.joinRequest(), hostOnly: true })
      const host = await start(hostAccount)
      await host.api.join({ invite: (await laptop.api.invite()).invite })
      const bob = await start(await create(dir, 'bob'))
      await befriend(laptop, 'alice', bob, 'bob')
      const hostNode = (await host.api.whoami()).node
      await connectedTo(bob, hostNode)
      await connectedTo(bob, (await laptop.api.whoami()).node)
      await connectedTo(laptop, hostNode)

      // Bob goes offline; Alice sends; her host fetches the blob; then Alice goes offline too.
      const bobHome = bob.home
      await stop(bob)
      const file = fileBytes(300_000, 11)
      const blob = await laptop.api.uploadBlob(chunksOf(file))
      const sent = await laptop.api.send({
        to: ['bob'],
        body: 'while you were away',
        attachments: [{ ...blob, name: 'away.bin' }],
      })
      const hostStore = host.daemon.account.store
      await waitFor(() => hostStore.hasBlob(blob.hash), {
        timeout: 60_000,
        what: 'blob on the host',
      })
      await stop(laptop)

      // The host holds the blob but has no key and no message to read it with.
      await assert.rejects(host.api.show(sent.id), { code: 'NOT_FOUND' })
      await assert.rejects(host.api.attachment(sent.id, 0), { code: 'NOT_FOUND' })
      assert.equal(await host.daemon.mailbox.attachment(sent.id, 0), undefined)

      const bobAgain = await start(await Account.open(deps(bobHome)))
      await waitFor(
        async () => {
          const m = (await bobAgain.api.inbox()).messages.find((x) => x.id === sent.id)
          return m?.attachments?.[0]?.available === true
        },
        { timeout: 60_000, what: 'the attachment on bob, from the host' },
      )
      assert.deepEqual(await download(bobAgain, sent.id, 0), file)
    },
  )

  it(
    'refuses a corrupted blob from a peer: nothing stored, the peer penalized',
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-attach-bad-')
      const alice = await start(await create(dir, 'alice'))
      const bob = await start(await create(dir, 'bob'))
      await befriend(alice, 'alice', bob, 'bob')
      await connectedTo(alice, (await bob.api.whoami()).node)

      const file = fileBytes(200_000, 5)
      const blob = await alice.api.uploadBlob(chunksOf(file))
      // Alice's copy is damaged on disk after it was stored under its hash.
      const path = blobPath(alice.home, blob.hash)
      const bytes = readFileSync(path)
      bytes[100_000] = bytes[100_000]! ^ 0x40
      writeFileSync(path, bytes)
      const sent = await alice.api.send({
        to: ['bob'],
        body: 'damaged',
        attachments: [{ ...blob, name: 'bad.bin' }],
      })
      await waitFor(() => bob.events.some((e) => e.name === 'blob-refused'), {
        timeout: 60_000,
        what: 'bob to refuse the corrupted blob',
      })
      assert.ok(
        bob.events.some((e) => e.name === 'penalty'),
        'the serving peer is penalized',
      )
      assert.equal(await bob.daemon.account.store.hasBlob(blob.hash), false, 'nothing stored')
      // The blob can be refused before the message is indexed (index commits linger while
      // lines come, docs/store.md §3): wait for the message itself.
      const shown = await waitFor(() => bob.api.show(sent.id).catch(() => undefined), {
        timeout: 30_000,
        what: 'bob to index the message',
      })
      assert.ok('message' in shown)
      assert.equal(shown.message.attachments?.[0]?.available, false)
      await assert.rejects(bob.api.attachment(sent.id, 0), { code: 'NOT_FOUND' })
    },
  )
})
