/**
 * Edit and delete in the web client (docs/web.md "Edit and delete", docs/protocol/edits.md), in
 * a real headless Chromium against two real nodes: Alice edits her bubble from the composer
 * and deletes it (two clicks); Bob's open chat shows the edit marked "edited" and then the
 * "deleted" placeholder live; his bubbles of Alice's messages offer neither action.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { waitFor } from '@sdmp/testkit'
import { T, openSignedIn, webWorld } from './browser.js'

describe('web client edit and delete in headless Chromium', () => {
  const world = webWorld('sdmp-web-edits-')

  it('edits and deletes my bubble; the other side follows live', T, async () => {
    const alice = world.alice
    const bob = world.bob
    const { id } = await alice.api.send({ to: ['bob'], body: 'see you at 5' })
    await waitFor(async () => (await bob.api.inbox()).messages.some((m) => m.id === id), {
      timeout: 30_000,
      what: 'bob to get the message',
    })
    const a = await openSignedIn(world.context, alice)
    const b = await openSignedIn(world.context, bob)
    await a.page.goto(`${alice.url}/#/chat/${bob.user}`)
    await b.page.goto(`${bob.url}/#/chat/${alice.user}`)
    const mine = a.page.locator(`li.bubble.out[data-id="${id}"]`)
    const theirs = b.page.locator(`li.bubble.in[data-id="${id}"]`)
    await theirs.getByText('see you at 5').waitFor()
    assert.equal(await theirs.getByRole('button', { name: 'Edit this message' }).count(), 0)
    assert.equal(await theirs.getByRole('button', { name: 'Delete this message' }).count(), 0)

    // Edit: the composer takes the text; saving replaces the bubble's text, marked edited.
    await mine.getByRole('button', { name: 'Edit this message' }).click()
    const box = a.page.getByLabel('Message', { exact: true })
    assert.equal(await box.inputValue(), 'see you at 5')
    await box.fill('see you at 6')
    await a.page.getByRole('button', { name: 'Save edit' }).click()
    await a.page.locator('#notice').getByText('Message edited').waitFor()
    await mine.getByText('see you at 6').waitFor()
    await mine.locator('.edited').waitFor()
    assert.equal(await a.page.getByRole('button', { name: 'Send' }).count(), 1, 'back to Send')
    // Bob's open chat follows without a reload, and is not told of a "new message".
    await theirs.getByText('see you at 6').waitFor({ timeout: 30_000 })
    await theirs.locator('.edited').waitFor()
    assert.equal(await b.page.locator('#notice').getByText('New message').count(), 0)
    assert.equal((await bob.api.messageHistory(id)).versions.length, 2)

    // Delete: the first click asks, the second deletes.
    const remove = mine.getByRole('button', { name: 'Delete this message' })
    await remove.click()
    assert.equal(await remove.textContent(), 'Confirm delete')
    const before = await alice.api.show(id)
    assert.ok('message' in before && !before.message.deleted, 'nothing deleted yet')
    await remove.click()
    await mine.getByText('This message was deleted').waitFor()
    assert.equal(await mine.getByRole('button', { name: 'Edit this message' }).count(), 0)
    await theirs.getByText('This message was deleted').waitFor({ timeout: 30_000 })
    assert.equal(await theirs.getByText('see you at 6').count(), 0)
    // The chat list shows the deleted last message as such.
    await b.page.goto(`${bob.url}/#/chats`)
    await b.page
      .locator(`li.chat-row[data-id="${alice.user}"] .preview`, { hasText: 'Deleted message' })
      .waitFor()
    assert.deepEqual([...a.dialogs, ...b.dialogs], [])
    assert.deepEqual([...a.errors, ...b.errors], [])
  })
})
