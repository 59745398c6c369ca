/**
 * The web client in headless Chromium against real nodes: contacts (my short invite with a
 * Copy button and a QR code that scans back to it, adding a contact by pasting a wrapped
 * invite, who has not added me back yet, live), devices (authorize a join request, revoke),
 * and screenshots of the main views at desktop and phone widths in light and dark, written to
 * test-results/web/ at the repository root (docs/web.md "Tour").
 */
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import decodeQR from 'qr/decode.js'
import { Account } from '@sdmp/daemon/account'
import { accountDeps } from '@sdmp/testkit/daemon-world'
import { T, openSignedIn, webWorld } from './browser.js'

/** test-results/web/ at the repository root (this file runs from packages/web/dist/test). */
const SHOTS = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'test-results',
  'web',
)

/** The canvas QR code on the page, scanned back to its text. */
async function scanQr(page: Page): Promise<string> {
  const image = await page.locator('canvas.qr').evaluate((el) => {
    const canvas = el as HTMLCanvasElement
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height)
    return { width: data.width, height: data.height, data: [...data.data] }
  })
  return decodeQR({ width: image.width, height: image.height, data: Uint8Array.from(image.data) })
}

describe('web client contacts, devices and screenshots in headless Chromium', () => {
  const world = webWorld('sdmp-web-people-', { carol: true })

  it(
    'shows my invite (Copy, QR), adds a pasted contact, tells who has not added me back',
    T,
    async () => {
      const alice = world.alice
      const carol = world.carol
      const origin = new URL(alice.url).origin
      await world.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
      const { page, errors } = await openSignedIn(world.context, alice)
      await page.getByRole('link', { name: 'Contacts', exact: true }).click()
      await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor()
      await page.locator('tr[data-name="bob"]').getByText('mutual').waitFor()

      // My invite: the short form, copied by the button, and the same text in the QR code.
      const invite = await page.getByLabel('Your invite', { exact: true }).inputValue()
      assert.equal(invite, (await alice.api.invite()).short, 'the short invite is shown')
      assert.match(invite, /^sdmp-invite:3:/)
      await page.getByRole('button', { name: 'Copy', exact: true }).click()
      await page
        .locator('#notice')
        .getByText(/copied/)
        .waitFor()
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), invite)
      assert.equal(await scanQr(page), invite, 'the QR code holds the invite')
      assert.equal(await page.getByRole('img', { name: 'QR code of your invite' }).count(), 1)

      // Add carol by pasting her invite as a chat would wrap it (line breaks, spaces).
      const carolInvite = (await carol.api.invite()).short
      assert.ok(carolInvite !== undefined, 'carol has a short invite')
      const wrapped = (carolInvite.match(/.{1,60}/g) ?? []).join('\n  ')
      await page.getByLabel('Their invite or address', { exact: true }).fill(wrapped)
      await page.getByLabel('Name (optional)').fill('carol')
      await page.getByRole('button', { name: 'Add contact' }).click()
      await page
        .locator('#notice')
        .getByText(/^Added carol\./)
        .waitFor()
      const carolRow = page.locator('tr[data-name="carol"]')
      await carolRow.getByText('waiting', { exact: true }).waitFor()
      await carolRow.getByText('has not added you back yet').waitFor()
      const waiting = page.locator('.waiting-list')
      await waiting.getByText(/^Waiting for carol to add you back/).waitFor()

      // Carol adds Alice back (from the invite Alice copied): the page says so by itself.
      await carol.api.addContact({ invite, name: 'alice' })
      await carolRow.getByText('mutual', { exact: true }).waitFor({ timeout: 30_000 })
      await waiting.waitFor({ state: 'hidden' })

      // "Message" opens the chat with that contact, even before any message.
      await page.getByRole('link', { name: 'Message carol' }).click()
      await page.getByRole('heading', { level: 1, name: 'carol' }).waitFor()
      await page.getByText('No messages yet: say hello.').waitFor()
      assert.deepEqual(errors, [])
      await page.close()
    },
  )

  it('lists devices, authorizes a join request and revokes a device', T, async () => {
    const alice = world.alice
    const phone = await Account.create(accountDeps(join(world.dir, 'phone')), {
      name: 'phone',
      join: true,
    })
    const request = await phone.joinRequest()
    const phoneNode = phone.node
    await phone.close()

    const page = await world.context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    const confirms: string[] = []
    page.on('dialog', (d) => {
      confirms.push(d.message())
      void d.accept()
    })
    await page.goto(`${alice.url}/#token=${alice.token}`)
    await page.getByRole('link', { name: 'Devices', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor()
    const rows = page.locator('tr.device')
    assert.equal(await rows.count(), 1)
    await rows.getByText('this device').waitFor()

    // The join request as `sdmp init --join` prints it, pasted with a line break.
    await page
      .getByLabel('Join request', { exact: true })
      .fill(`${request.slice(0, 50)}\n${request.slice(50)}`)
    await page.getByRole('button', { name: 'Authorize device' }).click()
    await page
      .locator('#notice')
      .getByText(/^Authorized /)
      .waitFor()
    const phoneRow = page.locator(`tr.device[data-node="${phoneNode}"]`)
    await phoneRow.waitFor()
    assert.ok(
      ['active', 'pending'].includes((await phoneRow.locator('.badge').textContent()) ?? ''),
    )
    const listed = await alice.api.devices()
    assert.ok(listed.devices.some((d) => d.node === phoneNode))

    // Revoke it, after a confirmation.
    await phoneRow.getByRole('button', { name: /^Revoke / }).click()
    await phoneRow.locator('.badge', { hasText: 'revoked' }).waitFor()
    assert.equal(confirms.length, 1)
    assert.match(confirms[0]!, /^Revoke /)
    assert.equal(
      (await alice.api.devices()).devices.find((d) => d.node === phoneNode)?.status,
      'revoked',
    )
    const self = page.locator('tr.device', { hasText: 'this device' })
    assert.equal(await self.getByRole('button').count(), 0, 'this device cannot revoke itself')
    assert.deepEqual(errors, [])
    await page.close()
  })

  it('saves screenshots of each main view, desktop and 390 px, light and dark', T, async () => {
    const alice = world.alice
    const bob = world.bob
    // A short conversation with a reply, a markdown message and an unread one.
    const ask = await bob.api.send({
      to: ['alice'],
      body: 'Lunch on Friday? The **new** place.',
      type: 'markdown',
    })
    const { page: a } = await openSignedIn(world.context, alice)
    await a.goto(`${alice.url}/#/chat/${bob.user}`)
    await a.locator(`li.bubble[data-id="${ask.id}"]`).waitFor({ timeout: 30_000 })
    await alice.api.send({ to: ['bob'], body: 'Yes! 12:30?', replyTo: ask.id })
    const last = await bob.api.send({ to: ['alice'], body: 'Perfect, see you there.' })
    await a.locator(`li.bubble[data-id="${last.id}"]`).waitFor({ timeout: 30_000 })
    await bob.api.send({ to: ['alice'], body: 'I booked a table by the window.' })
    await a.close()

    mkdirSync(SHOTS, { recursive: true })
    const views: [string, string, string][] = [
      ['sign-in', '#/', 'Sign in to your sdmp node'],
      ['chats', '#/chats', 'Chats'],
      ['chat', `#/chat/${bob.user}`, 'bob'],
      ['contacts', '#/contacts', 'Contacts'],
      ['devices', '#/devices', 'Devices'],
      ['settings', '#/settings', 'Settings'],
    ]
    // View by view (the chat list before the chat, which marks its messages read).
    const page = await world.context.newPage()
    for (const [name, hash, heading] of views)
      for (const scheme of ['light', 'dark'] as const)
        for (const [label, width, height] of [
          ['desktop', 1280, 800],
          ['phone', 390, 844],
        ] as const) {
          await page.emulateMedia({ colorScheme: scheme })
          await page.setViewportSize({ width, height })
          if (name === 'sign-in') {
            await page.goto(`${alice.url}/`)
            await page.evaluate(() => sessionStorage.clear())
            await page.reload()
          } else {
            await page.goto(`${alice.url}/#token=${alice.token}`)
            await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
            await page.goto(`${alice.url}/${hash}`)
          }
          await page.getByRole('heading', { level: 1, name: heading }).waitFor()
          if (name === 'chat') await page.locator(`li.bubble[data-id="${last.id}"]`).waitFor()
          const file = join(SHOTS, `${name}-${label}-${scheme}.png`)
          // The whole page where the view is longer than the screen (your invite's QR code, Settings).
          await page.screenshot({
            path: file,
            fullPage: name === 'contacts' || name === 'settings',
          })
        }
    await page.close()
  })
})
