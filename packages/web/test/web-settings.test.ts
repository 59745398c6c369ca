/**
 * The Settings page and blocking in headless Chromium against real nodes (docs/web.md
 * "Settings"): read receipts (global and per contact) and the message requests policy reach the
 * node's API; a delegation granted to Bob shows in both users' lists and is revoked at once;
 * a forwarding rule is added and removed; Bob blocked from the contacts page (after a
 * confirmation) is shown blocked, listed in Settings, and Unblock there unblocks him.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { waitFor } from '@sdmp/testkit'
import { T, acceptDialogs, openSignedIn, webWorld } from './browser.js'
import type { TestNode } from './nodes.js'

/** Open the Settings page from the navigation. */
async function openSettings(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Settings', exact: true }).click()
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
}

/** Wait until a node's API answers what the page just saved. */
function until<T>(what: string, check: () => Promise<T>): Promise<NonNullable<T>> {
  return waitFor(check, { timeout: 30_000, interval: 50, what })
}

const settingsOf = (node: TestNode) => node.api.settings()

describe('web client settings in headless Chromium', () => {
  const world = webWorld('sdmp-web-settings-')

  it('saves read receipts, a per-contact override and the requests policy', T, async () => {
    const alice = world.alice
    const { page, errors, dialogs } = await openSignedIn(world.context, alice)
    await openSettings(page)
    // The fixture turned read receipts on for these nodes (nodes.ts).
    const receipts = page.getByLabel('Send read receipts', { exact: false })
    assert.equal(await receipts.isChecked(), true)
    await receipts.uncheck()
    await page.locator('#notice').getByText('Read receipts off').waitFor()
    await until('read receipts off', async () => !(await settingsOf(alice)).readReceipts)

    // Bob always gets them, whatever the default.
    const perBob = page.getByLabel('Read receipts to bob')
    assert.equal(await perBob.inputValue(), 'default')
    await perBob.selectOption('on')
    const bobOverride = await until('bob override', async () =>
      (await settingsOf(alice)).contacts.find((c) => c.user === world.bob.user),
    )
    assert.equal(bobOverride.readReceipts, true)
    // Back to the default removes the override.
    await perBob.selectOption('default')
    await until('no override', async () => (await settingsOf(alice)).contacts.length === 0)

    const policy = page.getByLabel('Message requests from people who are not my contacts')
    assert.equal(await policy.inputValue(), 'open')
    await policy.selectOption('closed')
    await until('requests closed', async () => (await settingsOf(alice)).requests === 'closed')
    // What the page shows after a reload is what the node stored.
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    assert.equal(await page.getByLabel('Send read receipts', { exact: false }).isChecked(), false)
    assert.equal(
      await page.getByLabel('Message requests from people who are not my contacts').inputValue(),
      'closed',
    )
    await alice.api.updateSettings({ readReceipts: true, requests: 'open' })
    assert.deepEqual(errors, [])
    assert.deepEqual(dialogs, [])
    await page.close()
  })

  it('grants a delegation, shown to both, and revokes it', T, async () => {
    const { alice, bob } = world
    const { page, errors } = await openSignedIn(world.context, alice)
    await openSettings(page)
    const section = page.locator('section.settings-delegations')
    await section.getByText('You have delegated nothing.').waitFor()
    // Nothing to do picked: refused in the page, nothing sent.
    await section.getByLabel('Send messages on my behalf', { exact: false }).uncheck()
    await section.getByRole('button', { name: 'Grant' }).click()
    await page.locator('#error').getByText('BAD_REQUEST: choose what they may do').waitFor()
    assert.equal((await alice.api.delegations()).granted.length, 0)

    await section.getByLabel('Contact').selectOption('bob')
    await section.getByLabel('Send messages on my behalf', { exact: false }).check()
    await section.getByLabel('Read my mailbox').check()
    await section.getByLabel('Until (optional)').fill('2099-01-02T03:04')
    await section.getByRole('button', { name: 'Grant' }).click()
    const row = section.locator(`tr.delegation[data-user="${bob.user}"]`)
    await row.locator('.badge.active').waitFor()
    await row.getByText('send for me, read my mail').waitFor()
    const [granted] = (await alice.api.delegations()).granted
    assert.deepEqual(granted?.scope, ['send', 'read'])
    // The local time picked, as the page's and this process's zone read it (the same machine).
    assert.equal(Date.parse(granted?.until ?? ''), new Date(2099, 0, 2, 3, 4).getTime())

    // Bob's Settings lists it under "Granted to you" once his node has it.
    await until('bob to learn the delegation', async () =>
      (await bob.api.delegations()).received.some((d) => d.principal === alice.user),
    )
    const b = await openSignedIn(world.context, bob)
    await openSettings(b.page)
    await b.page
      .getByRole('table', { name: 'Delegations to you' })
      .locator(`tr[data-user="${alice.user}"] .badge.active`)
      .waitFor()

    await row.getByRole('button', { name: 'Revoke the delegation to bob' }).click()
    await row.locator('.badge.revoked').waitFor()
    assert.equal(await row.getByRole('button').count(), 0, 'a revoked one has no Revoke')
    assert.equal((await alice.api.delegations()).granted[0]?.state, 'revoked')
    assert.deepEqual([...errors, ...b.errors], [])
    await b.page.close()
    await page.close()
  })

  it('adds and removes a forwarding rule', T, async () => {
    const alice = world.alice
    const { page, errors } = await openSignedIn(world.context, alice)
    await openSettings(page)
    const section = page.locator('section.settings-rules')
    await section.getByText('No forwarding rules.').waitFor()
    await section.getByLabel('From', { exact: true }).fill('bo*')
    await section.getByLabel('Forward to').fill('bob')
    await section.getByRole('button', { name: 'Add rule' }).click()
    const row = section.locator('tr.rule')
    await row.getByText('bo*').waitFor()
    await row.getByText('bob').waitFor()
    const [rule] = (await alice.api.rules()).rules
    assert.equal(rule?.from, 'bo*')
    assert.deepEqual(rule?.to, [world.bob.user])
    // An unknown target is the node's error, as one line.
    await section.getByLabel('From', { exact: true }).fill('*')
    await section.getByLabel('Forward to').fill('nobody')
    await section.getByRole('button', { name: 'Add rule' }).click()
    await page
      .locator('#error')
      .getByText(/^NOT_FOUND: /)
      .waitFor()
    await row.getByRole('button', { name: 'Remove the rule from bo*' }).click()
    await section.getByText('No forwarding rules.').waitFor()
    assert.equal((await alice.api.rules()).rules.length, 0)
    assert.deepEqual(errors, [])
    await page.close()
  })

  it('blocks a contact from the contacts page and unblocks them in Settings', T, async () => {
    const { alice, bob } = world
    const { page, errors } = await openSignedIn(world.context, alice)
    const confirms = acceptDialogs(page)
    await page.getByRole('link', { name: 'Contacts', exact: true }).click()
    const row = page.locator('tr[data-name="bob"]')
    await row.getByRole('button', { name: 'Block bob' }).click()
    await row.locator('.badge.blocked').waitFor()
    assert.equal(confirms.length, 1)
    assert.match(confirms[0]!, /^Block bob\? /)
    assert.ok((await alice.api.blocks()).blocks.some((b) => b.user === bob.user))
    assert.equal((await alice.api.contacts()).contacts.find((c) => c.name === 'bob')?.blocked, true)

    await openSettings(page)
    const blocked = page.locator(`li.blocked-user[data-user="${bob.user}"]`)
    await blocked.getByText('bob').first().waitFor()
    await blocked.getByRole('button', { name: 'Unblock bob' }).click()
    await page.locator('section.settings-blocked').getByText('Nobody is blocked.').waitFor()
    assert.equal((await alice.api.blocks()).blocks.length, 0)
    assert.equal(confirms.length, 1, 'unblocking asks nothing')
    assert.deepEqual(errors, [])
    await page.close()
  })
})
