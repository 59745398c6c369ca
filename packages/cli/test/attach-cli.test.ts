/**
 * `sdmp send --attach` and `sdmp save` through the real executable (docs/cli.md "Messages",
 * docs/protocol/attachments.md): through two running daemons (upload over the API, fetch by the
 * recipient's node, decrypted save), and in direct mode (the sender's own copy, overwrite
 * refusal, an attachment that has not arrived yet).
 * @module
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { befriend, newHome, startDaemon, stopAllDaemons, waitConnected } from './daemon-proc.js'
import { makeMutual, newUser, sdmpFails, sdmpJson } from './messaging-helpers.js'

const T = { timeout: 120_000 }

describe('sdmp send --attach and save', () => {
  after(stopAllDaemons)

  it('sends files through daemons and the recipient saves them byte for byte', T, async () => {
    const aliceHome = await newHome(after, 'alice')
    const bobHome = await newHome(after, 'bob')
    const alice = await startDaemon(aliceHome)
    const bob = await startDaemon(bobHome)
    await befriend(alice, 'alice', bob, 'bob')
    await waitConnected(alice, (await bob.client.whoami()).user!)

    const dir = tmpDir(after, 'sdmp-attach-files-')
    const big = join(dir, 'photo.png')
    const small = join(dir, 'notes.txt')
    writeFileSync(big, randomBytes(700_000))
    writeFileSync(small, 'a few notes\n')
    const sent = await sdmpJson(aliceHome, [
      'send',
      'bob',
      'two files',
      '--attach',
      big,
      '--attach',
      small,
    ])
    const id = sent['id'] as string

    await waitFor(
      async () => {
        const shown = await bob.client.show(id).catch(() => undefined)
        const list = shown && 'message' in shown ? shown.message.attachments : undefined
        return list?.length === 2 && list.every((a) => a.available)
      },
      { timeout: 60_000, what: "both attachments on bob's node" },
    )
    const shown = await sdmpJson(bobHome, ['show', id])
    assert.deepEqual(
      shown['message'].attachments.map((a: { name: string; size: number; type: string }) => [
        a.name,
        a.size,
        a.type,
      ]),
      [
        ['photo.png', 700_000, 'image/png'],
        ['notes.txt', 12, 'text/plain'],
      ],
    )
    const out = tmpDir(after, 'sdmp-attach-out-')
    const saved = await sdmpJson(bobHome, ['save', id, '--out', out])
    assert.equal(saved['saved'].length, 2)
    assert.deepEqual(readFileSync(join(out, 'photo.png')), readFileSync(big))
    assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'a few notes\n')
    assert.deepEqual(readdirSync(out).sort(), ['notes.txt', 'photo.png'], 'no temporary files')
  })

  it(
    'a one-shot sync asks for the attachments it brings; the next daemon fetches them',
    T,
    async () => {
      const aliceHome = await newHome(after, 'alice')
      const bobHome = await newHome(after, 'bob')
      const alice = await startDaemon(aliceHome)
      const first = await startDaemon(bobHome)
      await befriend(alice, 'alice', first, 'bob')
      await waitConnected(alice, (await first.client.whoami()).user!)
      await first.stop()

      const file = join(tmpDir(after, 'sdmp-attach-oneshot-'), 'report.pdf')
      const bytes = randomBytes(300_000)
      writeFileSync(file, bytes)
      const { id } = await sdmpJson(aliceHome, ['send', 'bob', 'the report', '--attach', file])
      // Bob has no daemon: `sync --wait` brings the message over a temporary network.
      await sdmpJson(bobHome, ['sync', '--wait'])

      // Only `inbox` is asked from here on (it never asks for blobs): the blob must arrive
      // because the one-shot sync fetched it or recorded it as wanted (attachments.md §3).
      const bob = await startDaemon(bobHome)
      await waitFor(
        async () => {
          const { messages } = await bob.client.inbox()
          return messages.find((m) => m.id === id)?.attachments?.every((a) => a.available)
        },
        { timeout: 60_000, what: "the attachment on bob's node without show" },
      )
      const out = tmpDir(after, 'sdmp-attach-oneshot-out-')
      await sdmpJson(bobHome, ['save', id, '--out', out])
      assert.deepEqual(readFileSync(join(out, 'report.pdf')), bytes)
    },
  )

  it('saves in direct mode, refuses to overwrite, and waits for blobs not here', T, async () => {
    const dir = tmpDir(after, 'sdmp-attach-direct-')
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)
    const file = join(dir, 'data.bin')
    const bytes = randomBytes(150_000)
    writeFileSync(file, bytes)
    const { id } = await sdmpJson(alice.home, ['send', 'Bob', 'here', '--attach', file])

    // The sender's own copy: saved from the blob stored at upload.
    const target = join(dir, 'out', 'copy.bin')
    mkdirSync(join(dir, 'out'))
    await sdmpJson(alice.home, ['save', id, '0', '--out', target])
    assert.deepEqual(readFileSync(target), bytes)
    const again = await sdmpFails(alice.home, ['save', id, '0', '--out', target])
    assert.equal(again.code, 73)
    assert.match(again.line, /exists \(use --force to overwrite\)/)
    writeFileSync(target, 'old')
    await sdmpJson(alice.home, ['save', id, '0', '--out', target, '--force'])
    assert.deepEqual(readFileSync(target), bytes)
    const none = await sdmpFails(alice.home, ['save', id, '1'])
    assert.equal(none.code, 66)

    // Bob holds the message (resources copied) but not the blob: nothing is written.
    await syncHomes(alice.home, bob.home)
    const shown = await sdmpJson(bob.home, ['show', id])
    assert.equal(shown['message'].attachments[0].available, false)
    const pending = join(dir, 'bob.bin')
    const early = await sdmpFails(bob.home, ['save', id, '0', '--out', pending])
    assert.equal(early.code, 66)
    assert.match(early.line, /has not arrived yet/)
    assert.equal(existsSync(pending), false)

    const missing = await sdmpFails(alice.home, ['send', 'Bob', 'x', '--attach', join(dir, 'nope')])
    assert.equal(missing.code, 66)
    assert.match(missing.line, /cannot read/)
  })
})
