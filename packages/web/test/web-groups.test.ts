/**
 * Groups and forwarding in the web client (docs/web.md "Groups", "Chats"; docs/protocol/groups.md,
 * forwarding.md), in a real headless Chromium against real nodes (Carol is Alice's contact
 * here): Alice creates a group with Bob through the API; Bob's chat list shows it as one chat
 * named after the group, its chat shows the membership event, and what Bob writes there reaches
 * Alice as a message of the group. Alice creates a group from New chat, writes in it, adds Carol
 * and removes her from the chat header; she forwards Bob's message to Carol, whose node shows
 * it forwarded from Bob.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { waitFor } from '@sdmp/testkit'
import { T, acceptDialogs, openSignedIn, webWorld } from './browser.js'
import { befriend } from './nodes.js'
import type { TestNode } from './nodes.js'

/** The first message in a node's inbox with this body, once it arrives. */
function arrived(node: TestNode, body: string) {
  return waitFor(async () => (await node.api.inbox()).messages.find((m) => m.body === body), {
    timeout: 30_000,
    interval: 50,
    what: `${node.name} to get "${body}"`,
  })
}

describe('web client groups in headless Chromium', () => {
  const world = webWorld('sdmp-web-groups-', { carol: true })
  before(() => befriend(world.alice, world.carol))

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

  it('creates a group from New chat, sends in it, adds and removes a member', T, async () => {
    const { alice, bob, carol } = world
    const { page, errors } = await openSignedIn(world.context, alice)
    const confirms = acceptDialogs(page)
    await page.getByRole('link', { name: 'New chat', exact: true }).click()
    const form = page.getByRole('form', { name: 'New group' })
    await form.getByLabel('Group name').fill('Book club')
    // No member picked: refused in the page.
    await form.getByRole('button', { name: 'Create group' }).click()
    await page.locator('#error').getByText('BAD_REQUEST: pick at least one contact').waitFor()
    await form.getByLabel('bob', { exact: true }).check()
    await form.getByRole('button', { name: 'Create group' }).click()
    await page.getByRole('heading', { level: 1, name: 'Book club' }).waitFor()
    await page.locator('li.bubble.event', { hasText: 'You created the group with bob' }).waitFor()
    const [group] = (await alice.api.groups()).groups.filter((g) => g.name === 'Book club')
    assert.ok(group)
    assert.deepEqual(group.members.map((m) => m.user).sort(), [alice.user, bob.user].sort())

    await page.getByLabel('Message', { exact: true }).fill('first chapter by friday')
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('li.bubble.out', { hasText: 'first chapter by friday' }).waitFor()
    const got = await arrived(bob, 'first chapter by friday')
    assert.deepEqual(got.group, { id: group.id, name: 'Book club', event: null })

    // The admin's members panel: add Carol, then remove her (after a confirmation).
    const panel = page.locator('details.group-members')
    await panel.locator('summary', { hasText: '2 members' }).click()
    await panel.getByLabel('Contact to add').selectOption('carol')
    await panel.getByRole('button', { name: 'Add member' }).click()
    await panel.locator('summary', { hasText: '3 members' }).waitFor()
    await page.locator('li.bubble.event', { hasText: 'You added carol' }).waitFor()
    await waitFor(async () => (await carol.api.groups()).groups.some((g) => g.id === group.id), {
      timeout: 30_000,
      what: 'carol to learn the group',
    })
    assert.ok(await panel.getByLabel('Contact to add').isHidden(), 'nobody left to add')
    await panel.getByRole('button', { name: 'Remove carol from the group' }).click()
    await panel.locator('summary', { hasText: '2 members' }).waitFor()
    assert.match(confirms[0] ?? '', /^Remove carol from Book club\? /)
    const now = (await alice.api.groups()).groups.find((g) => g.id === group.id)!
    assert.equal(
      now.members.some((m) => m.user === carol.user),
      false,
    )
    await page.locator('li.bubble.event', { hasText: 'You removed carol' }).waitFor()

    // Bob, not the admin, sees the members but no Add or Remove.
    const b = await openSignedIn(world.context, bob)
    await b.page.goto(`${bob.url}/#/chat/g-${group.id}`)
    const bobPanel = b.page.locator('details.group-members')
    await bobPanel.locator('summary').click()
    await bobPanel.getByText('(admin)').waitFor()
    assert.equal(await bobPanel.getByRole('button').count(), 0)
    assert.deepEqual([...errors, ...b.errors], [])
    await b.page.close()
    await page.close()
  })

  it(
    'forwards a message to another contact, who sees it forwarded from its author',
    T,
    async () => {
      const { alice, bob, carol } = world
      const original = await bob.api.send({ to: ['alice'], body: 'the venue moved to the park' })
      const { page, errors } = await openSignedIn(world.context, alice)
      await page.goto(`${alice.url}/#/chat/${bob.user}`)
      const bubble = page.locator(`li.bubble[data-id="${original.id}"]`)
      await bubble.waitFor({ timeout: 30_000 })
      await bubble.getByRole('button', { name: 'Forward' }).click()
      const picker = page.getByRole('form', { name: 'Forward a message' })
      await picker.getByText("Forward bob's message").waitFor()
      await picker.getByLabel('carol', { exact: true }).check()
      await picker.getByLabel('Note (optional)').fill('fyi')
      await picker.getByRole('button', { name: 'Forward', exact: true }).click()
      await page.locator('#notice').getByText('Forwarded to carol').waitFor()
      await picker.waitFor({ state: 'hidden' })

      const got = await waitFor(
        async () =>
          (await carol.api.inbox()).messages.find(
            (m) => m.forwardedFrom !== null && m.body === 'the venue moved to the park',
          ),
        { timeout: 30_000, interval: 50, what: 'carol to get the forward' },
      )
      assert.equal(got.from, alice.user)
      assert.equal(got.forwardedFrom?.user, bob.user)
      assert.equal(got.forwardedFrom?.note, 'fyi')
      // Carol's chat with Alice shows whose it is.
      const c = await openSignedIn(world.context, carol)
      await c.page.goto(`${carol.url}/#/chat/${alice.user}`)
      await c.page.locator('li.bubble p.forwarded', { hasText: /^Forwarded from / }).waitFor()
      assert.deepEqual([...errors, ...c.errors], [])
      await c.page.close()
      await page.close()
    },
  )
})
