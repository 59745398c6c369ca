/**
 * Edit and delete between running daemons over the network and the HTTP API
 * (docs/protocol/edits.md, docs/api.md "Edit and delete"): PUT and DELETE /v1/messages/{id}
 * reach the recipient, who sees the latest version marked edited, its history, then "deleted";
 * the chat's last message follows; a recipient is refused with FORBIDDEN; posts likewise.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { isProtocolError } from '@sdmp/core'
import { chunksOf, fileBytes, tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriendDaemons,
  createAccount,
  inboxHas,
  startDaemon,
  stopDaemons,
} from '@sdmp/testkit/daemon-world'

afterEach(stopDaemons)

const WAIT = { timeout: 30_000, interval: 20 }

describe('edit and delete between daemons', () => {
  it('PUT and DELETE reach the recipient; only the author may', { timeout: 120_000 }, async () => {
    const dir = tmpDir(after, 'sdmp-edit-daemons-')
    const alice = await startDaemon(await createAccount(dir, 'alice'))
    const bob = await startDaemon(await createAccount(dir, 'bob'))
    await befriendDaemons(alice, 'alice', bob, 'bob')
    const blob = await alice.api.uploadBlob(chunksOf(fileBytes(1000, 3)))
    const { id } = await alice.api.send({
      to: ['bob'],
      body: 'meet at 5',
      attachments: [{ ...blob, name: 'map.png' }],
    })
    await inboxHas(bob, id, 'bob to get the message')

    const { message } = await alice.api.editMessage(id.slice(0, 8), { body: 'meet at 6' })
    assert.equal(message.body, 'meet at 6')
    await waitFor(async () => (await bob.api.inbox()).messages[0]?.body === 'meet at 6', {
      ...WAIT,
      what: 'bob to see the edit',
    })
    const seen = (await bob.api.inbox()).messages[0]!
    assert.equal(seen.edited, message.edited)
    assert.equal(seen.attachments?.[0]?.name, 'map.png', 'an edit keeps the files')
    const history = await bob.api.messageHistory(id)
    assert.deepEqual(
      history.versions.map((v) => v.body),
      ['meet at 5', 'meet at 6'],
    )
    assert.equal((await bob.api.chats()).chats[0]?.last.body, 'meet at 6')

    await assert.rejects(bob.api.editMessage(id, { body: 'never' }), (e: unknown) =>
      isProtocolError(e, 'FORBIDDEN'),
    )
    await assert.rejects(bob.api.deleteMessage(id), (e: unknown) => isProtocolError(e, 'FORBIDDEN'))

    assert.equal((await alice.api.deleteMessage(id)).message.deleted, true)
    await waitFor(async () => (await bob.api.inbox()).messages[0]?.deleted === true, {
      ...WAIT,
      what: 'bob to see the delete',
    })
    const gone = await bob.api.show(id)
    assert.ok('message' in gone)
    assert.equal(gone.message.body, '')
    assert.equal(gone.message.attachments, undefined, 'a delete removes the files')
    assert.equal((await bob.api.chats()).chats[0]?.last.deleted, true)
    assert.deepEqual((await bob.api.messageHistory(id)).versions, [])
  })

  it('posts: PUT and DELETE /v1/posts/{id} by the author only', { timeout: 120_000 }, async () => {
    const dir = tmpDir(after, 'sdmp-edit-posts-')
    const alice = await startDaemon(await createAccount(dir, 'alice'))
    const bob = await startDaemon(await createAccount(dir, 'bob'))
    await befriendDaemons(alice, 'alice', bob, 'bob')
    const { id } = await alice.api.post({ body: 'draft' })
    await waitFor(async () => (await bob.api.posts()).posts.some((p) => p.id === id), {
      ...WAIT,
      what: 'bob to get the post',
    })
    const { post } = await alice.api.editPost(id, { body: 'final' })
    assert.equal(post.body, 'final')
    await waitFor(async () => (await bob.api.posts()).posts[0]?.body === 'final', {
      ...WAIT,
      what: 'bob to see the edited post',
    })
    const listed = (await bob.api.posts()).posts
    assert.equal(listed.length, 1, 'the update is not listed as a post of its own')
    assert.equal(listed[0]!.edited, post.edited)
    await assert.rejects(bob.api.deletePost(id), (e: unknown) => isProtocolError(e, 'FORBIDDEN'))
    await alice.api.deletePost(id)
    await waitFor(async () => (await bob.api.posts()).posts[0]?.deleted === true, {
      ...WAIT,
      what: 'bob to see the post deleted',
    })
    assert.equal((await bob.api.posts()).posts[0]!.body, '')
  })
})
