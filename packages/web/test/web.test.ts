/**
 * The web client in a real headless Chromium (playwright-core, /usr/bin/chromium) against two
 * real nodes in this process that sync over loopback: sign-in by link and by pasting the token,
 * compose and send, the sent list, delivery to the other node, a message arriving live through
 * the SSE stream without a reload, hostile bodies rendered as text, reading (which sends the
 * read receipt), replying, and API errors shown as one line.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page, Request } from 'playwright-core'
import type { Message } from '@sdmp/client'
import { waitFor } from '@sdmp/testkit'
import { assertWebBuilt, befriend, startNode } from './nodes.js'
import type { TestNode } from './nodes.js'

const CHROMIUM = '/usr/bin/chromium'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const XSS = '<img src=x onerror=alert(1)>'
const T = { timeout: 180_000 }

/** Launch Chromium with a fresh profile directory (`--user-data-dir`). */
async function launch(profile: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
  // launchPersistentContext is playwright's way of passing --user-data-dir.
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  })
}

/** Bob's inbox (received only) through his API. */
async function received(node: TestNode): Promise<readonly Message[]> {
  return (await node.api.inbox()).messages
}

/** The inbox row of a message on the page, by a text it shows. */
const row = (page: Page, text: string, direction: 'in' | 'out') =>
  page.locator(`li.message-row.${direction}`, { hasText: text })

describe('web client in headless Chromium', () => {
  let dir: string
  let aliceNode: TestNode | undefined
  let bobNode: TestNode | undefined
  let context: BrowserContext | undefined

  before(async () => {
    assertWebBuilt()
    dir = mkdtempSync(join(tmpdir(), 'sdmp-web-'))
    aliceNode = await startNode(dir, 'alice')
    bobNode = await startNode(dir, 'bob')
    await befriend(aliceNode, bobNode)
    context = await launch(join(dir, 'chromium-profile'))
  })

  // Browser first, then the nodes (which release their stores), then the files.
  after(async () => {
    await context?.close()
    await aliceNode?.daemon.stop()
    await bobNode?.daemon.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('signs in, sends, receives live over SSE, renders hostile bodies as text', T, async () => {
    const alice = aliceNode!
    const bob = bobNode!
    const page = await context!.newPage()
    const requests: Request[] = []
    page.on('request', (r) => requests.push(r))
    const dialogs: string[] = []
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(e.message))

    // 1. A sign-in link: the token is taken from the fragment and leaves the address bar.
    await page.goto(`${alice.url}/#token=${alice.token}`)
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor()
    assert.ok(!page.url().includes(alice.token), 'the token left the address bar')
    assert.ok(page.url().endsWith('#/inbox'), page.url())
    assert.equal(await page.evaluate(() => sessionStorage.getItem('sdmp.token')), alice.token)
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage')
    await page.locator('#who').getByText('Signed in as alice').waitFor()

    // 2. Sign out, then sign in by pasting the token as the api-token file holds it (newline).
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in to your sdmp node' }).waitFor()
    assert.equal(await page.evaluate(() => sessionStorage.getItem('sdmp.token')), null)
    await page.getByLabel('API token', { exact: true }).fill('not-the-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page
      .locator('#error')
      .getByText(/^UNAUTHORIZED: /)
      .waitFor()
    const stream = page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/v1/events' && r.status() === 200,
    )
    await page.getByLabel('API token', { exact: true }).fill(`${alice.token}\n`)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor()
    assert.equal(await page.locator('#error').isHidden(), true, 'the error line is cleared')
    // The server holds the event stream open from here on: nothing Bob sends can be missed.
    await stream

    // 3. Compose a message to bob by contact name and send it.
    await page.getByRole('link', { name: 'Write', exact: true }).click()
    await page.getByLabel('To', { exact: true }).fill('bob')
    await page.getByLabel('Subject', { exact: true }).fill('Lunch on Friday')
    await page.getByLabel('Format', { exact: true }).selectOption('markdown')
    await page.getByLabel('Message', { exact: true }).fill('hello bob\nfrom the web client')
    await page.getByRole('button', { name: 'Send' }).click()
    // It shows in Alice's sent list (the inbox with sent messages included).
    const sentRow = row(page, 'Lunch on Friday', 'out')
    await sentRow.waitFor()
    assert.equal(await page.getByLabel('Include sent messages').isChecked(), true)
    await sentRow.getByText('To bob').waitFor()
    await page.locator('#notice').getByText('Message sent').waitFor()
    const sentId = await sentRow.getAttribute('data-id')
    assert.ok(sentId !== null && /^[A-Za-z0-9_-]{86}$/.test(sentId), `sent id ${sentId}`)

    // Bob's node has it, as sent.
    const atBob = await waitFor(async () => (await received(bob)).find((m) => m.id === sentId), {
      timeout: 30_000,
      interval: 50,
      what: "the web-sent message in bob's inbox",
    })
    assert.equal(atBob.from, alice.user)
    assert.equal(atBob.subject, 'Lunch on Friday')
    assert.equal(atBob.body, 'hello bob\nfrom the web client')
    assert.equal(atBob.type, 'markdown')

    // 4. A message from Bob appears in Alice's open inbox without a reload (SSE).
    await page.getByRole('link', { name: 'Inbox', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor()
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42))
    const live = await bob.api.send({ to: ['alice'], subject: 'Live', body: 'arrives by itself' })
    const liveRow = row(page, 'arrives by itself', 'in')
    await liveRow.waitFor({ timeout: 30_000 })
    assert.equal(await liveRow.getAttribute('data-id'), live.id)
    assert.equal(
      await page.evaluate(() => (window as unknown as { marker?: number }).marker),
      42,
      'the page was not reloaded',
    )
    await liveRow.getByText('From bob').waitFor()
    await liveRow.locator('.state', { hasText: 'unread' }).waitFor()
    await page.locator('#notice').getByText('New message from bob').waitFor()

    // 5. A hostile body is text: no element is created and no script runs, in the list or
    //    in the message view.
    const hostile = await bob.api.send({ to: ['alice'], subject: XSS, body: XSS })
    const hostileRow = row(page, 'onerror', 'in')
    await hostileRow.waitFor({ timeout: 30_000 })
    assert.equal(await hostileRow.getAttribute('data-id'), hostile.id)
    assert.equal(await hostileRow.locator('.subject').textContent(), XSS)
    assert.equal(await hostileRow.locator('.preview').textContent(), XSS)
    await hostileRow.getByRole('link').click()
    const body = page.locator('article.message .body')
    await body.waitFor()
    assert.equal(await body.textContent(), XSS)
    assert.equal(await body.evaluate((el) => el.childElementCount), 0)
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), XSS)
    assert.equal(await page.locator('img').count(), 0, 'no <img> element anywhere')
    assert.deepEqual(dialogs, [], 'no script ran')

    // Opening it marked it read, and Bob's node gets the read receipt.
    await page.locator('article.message .state', { hasText: 'read' }).waitFor()
    await waitFor(
      async () => {
        const shown = await bob.api.show(hostile.id)
        return 'message' in shown && shown.message.state === 'read'
      },
      { timeout: 30_000, interval: 50, what: 'the read receipt at bob' },
    )

    // 6. Reply: the form is prefilled; Bob receives the answer in the same conversation.
    await page.getByRole('link', { name: 'Reply to bob' }).click()
    await page.getByRole('heading', { level: 1, name: 'Reply' }).waitFor()
    assert.equal(await page.getByLabel('To', { exact: true }).inputValue(), 'bob')
    assert.equal(await page.getByLabel('Subject', { exact: true }).inputValue(), `Re: ${XSS}`)
    await page.getByLabel('Message', { exact: true }).fill('got it, as text')
    await page.getByRole('button', { name: 'Send' }).click()
    await row(page, 'got it, as text', 'out').waitFor()
    const reply = await waitFor(
      async () => (await received(bob)).find((m) => m.body === 'got it, as text'),
      { timeout: 30_000, interval: 50, what: 'the reply at bob' },
    )
    assert.equal(reply.replyTo, hostile.id)
    assert.equal(reply.conversation, hostile.id)

    // 7. An API error is one clear line: an unknown contact name.
    await page.getByRole('link', { name: 'Write', exact: true }).click()
    await page.getByLabel('To', { exact: true }).fill('nobody')
    await page.getByLabel('Message', { exact: true }).fill('lost')
    await page.getByRole('button', { name: 'Send' }).click()
    const error = page.locator('#error')
    await error.getByText(/^[A-Z_]+: .+/).waitFor()
    assert.doesNotMatch((await error.textContent()) ?? '', /\n/)
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Write a message')

    // 8. Publish a post: it lists on the page and reaches Bob's node.
    await page.getByRole('link', { name: 'Posts', exact: true }).click()
    await page.getByLabel('Post', { exact: true }).fill('first post from the web')
    await page.getByRole('button', { name: 'Publish' }).click()
    await page.locator('li.post', { hasText: 'first post from the web' }).waitFor()
    await waitFor(
      async () => (await bob.api.posts()).posts.some((p) => p.body === 'first post from the web'),
      { timeout: 30_000, interval: 50, what: 'the post at bob' },
    )

    // The token only ever travelled in the Authorization header, never in a URL.
    const api = requests.filter((r) => new URL(r.url()).pathname.startsWith('/v1/'))
    assert.ok(api.length > 0)
    for (const r of requests) assert.ok(!r.url().includes(alice.token), `token in ${r.url()}`)
    for (const r of api) {
      const auth = await r.headerValue('authorization')
      assert.ok(auth === `Bearer ${alice.token}` || auth === 'Bearer not-the-token', r.url())
    }
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page')
  })
})
