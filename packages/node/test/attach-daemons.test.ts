/**
 * Encrypted attachments end to end between daemons in process over loopback TCP
 * (docs/protocol/attachments.md): upload, send, fetch by the recipient's node, decrypted
 * download; offline delivery through a host-only node that stores the blob but has no key;
 * and a peer serving a corrupted blob is refused (nothing stored, the peer penalized).
 * @module
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, afterEach, describe, it } from 'node:test'
import { SdmpHttpClient } from '@sdmp/client'
import type { AttachmentRef } from '@sdmp/client'
import { createNodeProvider } from '@sdmp/crypto-node'
import { SqliteStore } from '@sdmp/store-sqlite'
import { tmpDir, waitFor } from '@sdmp/testkit'
import { Account, readApiToken } from '../src/account/index.js'
import type { AccountDeps } from '../src/account/index.js'
import { Daemon } from '../src/daemon/index.js'

const provider = createNodeProvider()
const running: Daemon[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()))
})

interface Node {
  readonly home: string
  readonly daemon: Daemon
  readonly api: SdmpHttpClient
  readonly events: { name: string; detail: Record<string, unknown> }[]
}

const deps = (home: string): AccountDeps => ({
  home,
  provider,
  createStore: (dir) => new SqliteStore({ dir, sha512: provider.sha512 }),
  scrypt: { N: 1024, r: 8, p: 1 },
})

async function start(account: Account): Promise<Node> {
  const events: Node['events'] = []
  const daemon = await Daemon.start({
    account,
    peer: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    backoff: { initialMs: 50, maxMs: 500 },
    event: (name, detail) => void events.push({ name, detail }),
  })
  running.push(daemon)
  const api = new SdmpHttpClient({ url: daemon.apiUrl!, token: readApiToken(account.home) })
  return { home: account.home, daemon, api, events }
}

async function stop(n: Node): Promise<void> {
  running.splice(running.indexOf(n.daemon), 1)
  await n.daemon.stop()
}

const create = (dir: string, name: string, join = false) =>
  Account.create(deps(`${dir}/${name}`), { name, join })

async function befriend(a: Node, aName: string, b: Node, bName: string): Promise<void> {
  const ia = (await a.api.invite()).invite
  const ib = (await b.api.invite()).invite
  await b.api.addContact({ invite: ia, name: aName })
  await a.api.addContact({ invite: ib, name: bName })
}

async function connectedTo(a: Node, node: string): Promise<void> {
  await waitFor(
    async () => (await a.api.peers()).peers.some((p) => p.node === node && p.state === 'connected'),
    { timeout: 30_000, interval: 20, what: `${a.home} connected to ${node.slice(0, 8)}` },
  )
}

/** Deterministic test bytes of any length. */
function fileBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

async function* chunksOf(bytes: Uint8Array, size = 50_000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

async function download(n: Node, id: string, index: number): Promise<Uint8Array> {
  const d = await n.api.attachment(id, index)
  const parts: Uint8Array[] = []
  for await (const p of d.data) parts.push(p)
  return new Uint8Array(Buffer.concat(parts))
}

/** The path of a blob file under a home (store.md §6: blobs/<aa>/<hash>). */
function blobPath(home: string, hash: string): string {
  const walk = (dir: string): string | undefined => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      if (name === hash) return p
      if (statSync(p).isDirectory()) {
        const found = walk(p)
        if (found) return found
      }
    }
    return undefined
  }
  const found = walk(home)
  assert.ok(found, 'the blob file exists')
  return found
}

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
      const shown = await bob.api.show(sent.id)
      assert.ok('message' in shown)
      assert.equal(shown.message.attachments?.[0]?.available, false)
      await assert.rejects(bob.api.attachment(sent.id, 0), { code: 'NOT_FOUND' })
    },
  )
})
