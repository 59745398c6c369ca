/**
 * Groups in the web client (docs/web.md "Groups", docs/protocol/groups.md), in a real headless
 * Chromium against two real nodes: Alice creates a group with Bob through the API; Bob's chat
 * list shows it as one chat named after the group, its chat shows the membership event, and
 * what Bob writes there reaches Alice as a message of the group.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { waitFor } from '@sdmp/testkit'
import { T, openSignedIn, webWorld } from './browser.js'

describe('web client groups in headless Chromium', () => {
  const world = webWorld('sdmp-web-groups-')

  it('lists a group as a chat named after it and sends to the group', T, async () => {
    const alice = world.alice
    const bob = world.bob
    const group = await alice.api.createGroup({ name: 'Lunch crew', members: ['bob'] })
    await waitFor(async () => (await bob.api.groups()).groups.some((g) => g.id === group.id), {
      timeout: 30_000,
      what: 'bob to learn the group',
    })
    const b = await openSignedIn(world.context, bob)
    const row = b.page.locator(`li.chat-row[data-id="g-${group.id}"]`)
    await row.locator('.name', { hasText: 'Lunch crew' }).waitFor({ timeout: 30_000 })
    await row.locator('.preview', { hasText: 'Members changed' }).waitFor()
    await row.getByRole('link').click()
    await b.page.getByRole('heading', { level: 1, name: 'Lunch crew' }).waitFor()
    await b.page
      .locator('li.bubble.event', { hasText: 'alice created the group with You' })
      .waitFor()

    await b.page.getByLabel('Message', { exact: true }).fill('pizza at noon?')
    await b.page.getByRole('button', { name: 'Send' }).click()
    await b.page.locator('#notice').getByText('Message sent').waitFor()
    await b.page.locator('li.bubble.out', { hasText: 'pizza at noon?' }).waitFor()
    const got = await waitFor(
      async () =>
        (await alice.api.inbox()).messages.find((m) => m.body === 'pizza at noon?') ?? false,
      { timeout: 30_000, what: 'alice to get the group message' },
    )
    assert.ok(got)
    const m = (await alice.api.inbox()).messages.find((x) => x.body === 'pizza at noon?')!
    assert.deepEqual(m.group, { id: group.id, name: 'Lunch crew', event: null })
    assert.equal(m.from, bob.user)
    assert.deepEqual([...b.dialogs], [])
    assert.deepEqual([...b.errors], [])
  })
})
