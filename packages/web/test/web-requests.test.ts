/**
 * The web client's message requests in headless Chromium against real nodes
 * (docs/protocol/requests.md): a stranger's request shows on the contacts page with its text;
 * Accept makes the sender a contact and the request goes away.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { waitFor } from '@sdmp/testkit'
import { T, openSignedIn, webWorld } from './browser.js'

describe('web client message requests in headless Chromium', () => {
  const world = webWorld('sdmp-web-requests-', { carol: true })

  it('lists a request from a stranger live and accepts it', T, async () => {
    const { alice, bob, carol } = world
    const peer = (await alice.api.whoami()).running!.peer
    const { page, errors } = await openSignedIn(world.context, alice)
    await page.getByRole('link', { name: 'Contacts', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor()
    // The page is open before the request arrives: the live `request` event shows it.
    const sent = await carol.api.sendRequest({
      to: `${alice.user}@${peer}`,
      text: 'hello alice, carol from the workshop',
    })
    assert.equal(sent.outcome, 'delivered')
    const section = page.getByRole('region', { name: 'Message requests' })
    await section.getByText('hello alice, carol from the workshop').waitFor()
    await section.getByRole('button', { name: /^Accept the request of / }).click()
    await page.locator(`tr[data-name="carol"]`).waitFor()
    await section.waitFor({ state: 'hidden' })
    assert.equal((await alice.api.requests()).requests.length, 0)
    assert.ok((await alice.api.contacts()).contacts.some((c) => c.user === carol.user))
    // The request text is the chat's first message; a message on Bob's behalf reads "You for bob".
    await bob.api.grantDelegation({ contact: 'alice', scope: ['send'] })
    await waitFor(
      async () =>
        await alice.api
          .send({ to: ['carol'], body: 'for bob', onBehalfOf: bob.user })
          .then(() => true)
          .catch(() => false),
      { timeout: 60_000, interval: 100, what: "bob's delegation on alice" },
    )
    await page.goto(`${alice.url}/#/chat/${carol.user}`)
    await page.getByText('hello alice, carol from the workshop').waitFor()
    await page.locator('.on-behalf', { hasText: 'You for bob' }).waitFor()
    assert.deepEqual(errors, [])
  })
})
