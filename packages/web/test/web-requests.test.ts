/**
 * The web client's message requests in headless Chromium against real nodes
 * (docs/protocol/requests.md): a stranger's request shows on the contacts page with its text;
 * Accept makes the sender a contact and the request goes away.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { T, openSignedIn, webWorld } from './browser.js'

describe('web client message requests in headless Chromium', () => {
  const world = webWorld('sdmp-web-requests-', { carol: true })

  it('lists a request from a stranger and accepts it', T, async () => {
    const { alice, carol } = world
    const peer = (await alice.api.whoami()).running!.peer
    const sent = await carol.api.sendRequest({
      to: `${alice.user}@${peer}`,
      text: 'hello alice, carol from the workshop',
    })
    assert.equal(sent.outcome, 'delivered')
    const { page, errors } = await openSignedIn(world.context, alice)
    await page.getByRole('link', { name: 'Contacts', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor()
    const section = page.getByRole('region', { name: 'Message requests' })
    await section.getByText('hello alice, carol from the workshop').waitFor()
    await section.getByRole('button', { name: /^Accept the request of / }).click()
    await page.locator(`tr[data-name="carol"]`).waitFor()
    await section.waitFor({ state: 'hidden' })
    assert.equal((await alice.api.requests()).requests.length, 0)
    assert.ok((await alice.api.contacts()).contacts.some((c) => c.user === carol.user))
    assert.deepEqual(errors, [])
  })
})
