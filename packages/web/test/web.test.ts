/**
 * The web client in a real headless Chromium (playwright-core, /usr/bin/chromium) against two
 * real nodes in this process that sync over loopback: sign-in by link and by pasting the token,
 * compose and send, the sent list, delivery to the other node, a message arriving live through
 * the SSE stream without a reload, hostile bodies rendered as text, reading (which sends the
 * read receipt), replying, and API errors shown as one line; attachments uploaded from compose,
 * listed and downloaded byte for byte on the other side, hostile file names shown as text.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import type { Locator, Page, Request, Route } from 'playwright-core'
import type { Message } from '@sdmp/client'
import { waitFor } from '@sdmp/testkit'
import { T, XSS, openSignedIn, webWorld } from './browser.js'
import type { TestNode } from './nodes.js'

const XSS_FILE = `${XSS}.txt`

/** Bob's inbox (received only) through his API. */
async function received(node: TestNode): Promise<readonly Message[]> {
  return (await node.api.inbox()).messages
}

/** The bubble of a message in the open chat, by a text it shows. */
const bubble = (page: Page, text: string, direction: 'in' | 'out') =>
  page.locator(`li.bubble.${direction}`, { hasText: text })

/** The chat-list row of a chat, by its id (the other person's fingerprint for a 1:1 chat). */
const chatRow = (page: Page, id: string) => page.locator(`li.chat-row[data-id="${id}"]`)

type Box = { x: number; y: number; width: number; height: number }

/**
 * The boxes of a bubble and of its list, read in one pass once both are laid out. A live event
 * can re-render the chat between finding an element and measuring it (then Playwright answers
 * null), so this waits on the condition rather than trusting the first read.
 */
async function boxesOf(item: Locator, list: Locator): Promise<[Box, Box]> {
  return waitFor(async () => {
    const [a, b] = await Promise.all([item.boundingBox(), list.boundingBox()])
    return a !== null && b !== null ? ([a, b] as [Box, Box]) : undefined
  })
}

/** Click a Download button and return the saved file's name and bytes. */
async function download(page: Page, button: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [saved] = await Promise.all([page.waitForEvent('download'), button.click()])
  assert.equal(await saved.failure(), null, 'the download completed')
  const path = await saved.path()
  return { name: saved.suggestedFilename(), bytes: readFileSync(path) }
}

describe('web client in headless Chromium', () => {
  const world = webWorld('sdmp-web-')

  it('signs in, sends, receives live over SSE, renders hostile bodies as text', T, async () => {
    const alice = world.alice
    const bob = world.bob
    const page = await world.context.newPage()
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
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
    assert.ok(!page.url().includes(alice.token), 'the token left the address bar')
    assert.ok(page.url().endsWith('#/chats'), page.url())
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
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
    assert.equal(await page.locator('#error').isHidden(), true, 'the error line is cleared')
    // The server holds the event stream open from here on: nothing Bob sends can be missed.
    await stream

    // 3. A new chat with bob by contact name; subject and format are options, folded away.
    await page.getByRole('link', { name: 'New chat', exact: true }).click()
    assert.equal(await page.getByLabel('Subject', { exact: true }).isVisible(), false)
    await page.getByLabel('To', { exact: true }).fill('bob')
    await page.getByText('Options', { exact: true }).click()
    await page.getByLabel('Subject', { exact: true }).fill('Lunch on Friday')
    await page.getByLabel('Format', { exact: true }).selectOption('markdown')
    await page.getByLabel('Message', { exact: true }).fill('hello bob\nfrom the web client')
    await page.getByRole('button', { name: 'Send' }).click()
    // Sending opens the chat with bob, where it shows as my bubble (right-hand side).
    await page.getByRole('heading', { level: 1, name: 'bob' }).waitFor()
    const sent = bubble(page, 'Lunch on Friday', 'out')
    await sent.waitFor()
    await page.locator('#notice').getByText('Message sent').waitFor()
    const sentId = await sent.getAttribute('data-id')
    assert.ok(sentId !== null && /^[A-Za-z0-9_-]{86}$/.test(sentId), `sent id ${sentId}`)
    assert.ok(page.url().includes(`#/chat/${bob.user}`), page.url())
    const [mine, chatBox] = await boxesOf(sent, page.locator('ol.bubbles'))
    assert.ok(mine.x + mine.width > chatBox.x + chatBox.width - 20, 'mine is on the right')

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

    // 4. A message from Bob appears in Alice's open chat list without a reload (SSE), with
    //    an unread count on the chat and in the page title.
    await page.getByRole('link', { name: 'Chats', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42))
    const live = await bob.api.send({ to: ['alice'], subject: 'Live', body: 'arrives by itself' })
    const bobChat = chatRow(page, bob.user)
    await bobChat.locator('.preview', { hasText: 'arrives by itself' }).waitFor({ timeout: 30_000 })
    assert.equal(await bobChat.getAttribute('data-last'), live.id)
    assert.equal(
      await page.evaluate(() => (window as unknown as { marker?: number }).marker),
      42,
      'the page was not reloaded',
    )
    assert.equal(await bobChat.locator('.name').textContent(), 'bob')
    assert.equal(await bobChat.locator('.unread').textContent(), '1')
    await page.locator('#notice').getByText('New message from bob').waitFor()
    await waitFor(async () => (await page.title()) === '(1) Chats · sdmp', {
      timeout: 30_000,
      interval: 50,
      what: `the unread count in the title (${await page.title()})`,
    })

    // 5. A hostile body is text: no element is created and no script runs, in the list or
    //    in the chat.
    const hostile = await bob.api.send({ to: ['alice'], subject: XSS, body: XSS })
    await bobChat.locator('.preview', { hasText: 'onerror' }).waitFor({ timeout: 30_000 })
    assert.equal(await bobChat.getAttribute('data-last'), hostile.id)
    assert.equal(await bobChat.locator('.preview').textContent(), XSS)
    assert.equal(await bobChat.locator('.unread').textContent(), '2')
    await waitFor(async () => (await page.title()) === '(2) Chats · sdmp', {
      timeout: 30_000,
      interval: 50,
      what: 'two unread in the title',
    })
    await bobChat.getByRole('link').click()
    const hostileBubble = page.locator(`li.bubble.in[data-id="${hostile.id}"]`)
    const body = hostileBubble.locator('.body')
    await body.waitFor()
    assert.equal(await body.textContent(), XSS)
    assert.equal(await body.evaluate((el) => el.childElementCount), 0)
    assert.equal(await hostileBubble.locator('.subject').textContent(), XSS)
    assert.equal(await page.locator('img').count(), 0, 'no <img> element anywhere')
    assert.deepEqual(dialogs, [], 'no script ran')
    const [theirs, box] = await boxesOf(hostileBubble, page.locator('ol.bubbles'))
    assert.ok(theirs.x < box.x + 20, 'theirs is on the left')

    // Opening the chat marked both read: the title loses its count, Bob's node gets the read
    // receipts.
    await waitFor(async () => (await page.title()) === 'bob · sdmp', {
      timeout: 30_000,
      interval: 50,
      what: 'no unread count left in the title',
    })
    await waitFor(
      async () => {
        const shown = await bob.api.show(hostile.id)
        return 'message' in shown && shown.message.state === 'read'
      },
      { timeout: 30_000, interval: 50, what: 'the read receipt at bob' },
    )
    // The message's details page: its subject as the heading, text as well.
    await hostileBubble.getByRole('link', { name: 'Message details' }).click()
    await page.locator('article.message .state', { hasText: 'read' }).waitFor()
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), XSS)
    assert.equal(await page.locator('article.message .body').textContent(), XSS)
    assert.equal(await page.locator('img').count(), 0, 'no <img> element in the details')
    await page.getByRole('link', { name: 'Back to the chat' }).click()

    // 6. Reply in place: the composer quotes the message answered; Enter sends; the new bubble
    //    shows the quote, and a click on it jumps to the message answered. Bob receives the
    //    answer in the same conversation.
    await hostileBubble.getByRole('button', { name: 'Reply to bob' }).click()
    await page.locator('.replying', { hasText: 'Replying to bob' }).waitFor()
    const composer = page.getByLabel('Message', { exact: true })
    await composer.fill('got it, as text')
    await composer.press('Shift+Enter')
    await composer.pressSequentially('second line')
    assert.equal(await composer.inputValue(), 'got it, as text\nsecond line')
    await composer.press('Enter')
    const answer = bubble(page, 'second line', 'out')
    await answer.waitFor()
    assert.equal(await composer.inputValue(), '', 'the composer is emptied')
    assert.equal(await page.locator('.replying').isHidden(), true)
    const quote = answer.locator('.quote')
    assert.equal(await quote.getAttribute('data-reply-to'), hostile.id)
    assert.equal(await quote.locator('.who').textContent(), 'bob')
    assert.equal(await quote.locator('.text').textContent(), XSS)
    await quote.click()
    await page.locator(`li.bubble.target[data-id="${hostile.id}"]`).waitFor()
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-id')),
      hostile.id,
      'the jump moved focus to the message answered',
    )
    const reply = await waitFor(
      async () => (await received(bob)).find((m) => m.body === 'got it, as text\nsecond line'),
      { timeout: 30_000, interval: 50, what: 'the reply at bob' },
    )
    assert.equal(reply.replyTo, hostile.id)
    assert.equal(reply.conversation, hostile.id)
    assert.equal(reply.type, 'text', 'plain text unless chosen otherwise')
    assert.equal(reply.subject, null, 'no subject unless given')

    // A message from Bob arrives in the open chat as a bubble, without a reload. A jump made
    // while that live refresh waits for the server keeps the focus when the refresh rebuilds
    // the list (it used to go back to where it was when the refresh began: a flaky CI run).
    let release = () => {}
    const gate = new Promise<void>((r) => (release = r))
    let held = false
    const messages = '**/v1/chats/*/messages*'
    await page.route(messages, async (route) => {
      held = true
      await gate
      await route.continue()
    })
    await composer.focus()
    await bob.api.send({ to: ['alice'], body: 'seen your reply' })
    await waitFor(() => held, { timeout: 30_000, what: 'the live refresh to ask for the chat' })
    await quote.click()
    release()
    await bubble(page, 'seen your reply', 'in').waitFor({ timeout: 30_000 })
    await page.unroute(messages)
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-id')),
      hostile.id,
      'a jump during a live refresh kept the focus on the message jumped to',
    )

    // 7. An API error is one clear line: an unknown contact name.
    await page.getByRole('link', { name: 'New chat', exact: true }).click()
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

  it('attaches files in compose; the recipient lists and downloads them exactly', T, async () => {
    const alice = world.alice
    const bob = world.bob
    const a = await openSignedIn(world.context, alice)
    const b = await openSignedIn(world.context, bob)
    const data = randomBytes(150_000) // three 64 KiB chunks of the blob format
    const text = Buffer.from('hello <b>bob</b>\n')

    // 1. A failed upload is one error line and a status by the Send button; nothing is sent.
    await a.page.getByRole('link', { name: 'New chat', exact: true }).click()
    await a.page.getByLabel('To', { exact: true }).fill('bob')
    await a.page.getByLabel('Message', { exact: true }).fill('see the files')
    const files = a.page.getByLabel('Attachments', { exact: true })
    await files.setInputFiles({ name: 'big.bin', mimeType: 'image/png', buffer: text })
    const refuse = (route: Route) =>
      route.fulfill({
        status: 413,
        json: { error: { code: 'LIMIT_EXCEEDED', message: 'upload: above 256 MiB' } },
      })
    await a.page.route('**/v1/blobs', refuse)
    await a.page.getByRole('button', { name: 'Send' }).click()
    await a.page
      .locator('#error')
      .getByText('LIMIT_EXCEEDED: attachment big.bin: upload: above 256 MiB', { exact: true })
      .waitFor()
    await a.page.locator('.upload-status', { hasText: 'Upload of big.bin failed.' }).waitFor()
    assert.equal(await a.page.getByRole('heading', { level: 1 }).textContent(), 'Write a message')
    await a.page.unroute('**/v1/blobs', refuse)

    // 2. Two files, one with a hostile name. The first upload is held until its status shows.
    await files.setInputFiles([
      { name: 'data.bin', mimeType: 'application/octet-stream', buffer: data },
      { name: XSS_FILE, mimeType: 'text/plain', buffer: text },
    ])
    await a.page.getByText('Options', { exact: true }).click()
    await a.page.getByLabel('Subject', { exact: true }).fill('Files for you')
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const hold = async (route: Route) => {
      await released
      await route.continue()
    }
    await a.page.route('**/v1/blobs', hold)
    await a.page.getByRole('button', { name: 'Send' }).click()
    const status = a.page.locator('.upload-status')
    await status.getByText('Uploading data.bin (1 of 2, 146 KiB)…', { exact: true }).waitFor()
    assert.equal(await a.page.getByRole('button', { name: 'Send' }).isDisabled(), true)
    release()
    const sentBubble = bubble(a.page, 'Files for you', 'out')
    await sentBubble.waitFor({ timeout: 30_000 })
    await a.page.unroute('**/v1/blobs', hold)
    assert.equal(await a.page.locator('#error').isHidden(), true)
    await sentBubble.getByRole('link', { name: '2 attachments' }).waitFor()
    const id = (await sentBubble.getAttribute('data-id'))!

    // Bob's node has the message with both files, named and typed as picked.
    const atBob = await waitFor(async () => (await received(bob)).find((m) => m.id === id), {
      timeout: 30_000,
      interval: 50,
      what: "the message with files in bob's inbox",
    })
    assert.deepEqual(
      atBob.attachments?.map((f) => [f.name, f.size, f.type]),
      [
        ['data.bin', data.length, 'application/octet-stream'],
        [XSS_FILE, text.length, 'text/plain'],
      ],
    )

    // 3. Bob's web client: while the files are not here they say so, and they turn into
    //    Download buttons by themselves once here (the node's answers are held back as
    //    "not available" until `missing` is cleared).
    let missing = true
    const mark = async (route: Route) => {
      const response = await route.fetch()
      const json = (await response.json()) as {
        message?: { attachments?: { available: boolean }[] }
      }
      if (missing) for (const f of json.message?.attachments ?? []) f.available = false
      await route.fulfill({ response, json })
    }
    const shows = (url: URL) =>
      url.pathname.startsWith('/v1/items/') || /^\/v1\/messages\/[^/]+\/read$/.test(url.pathname)
    await b.page.route(shows, mark)
    await b.page.goto(`${bob.url}/#/message/${encodeURIComponent(id)}`)
    const items = b.page.locator('article.message li.attachment')
    await b.page.getByRole('heading', { level: 1, name: 'Files for you' }).waitFor()
    assert.equal(await items.count(), 2)
    assert.deepEqual(await items.locator('.pending').allTextContents(), [
      'not here yet',
      'not here yet',
    ])
    assert.equal(await b.page.getByRole('button', { name: /^Download/ }).count(), 0)
    missing = false
    await b.page.locator('li.attachment[data-available="true"]').nth(1).waitFor({ timeout: 30_000 })
    await b.page.unroute(shows, mark)

    // Names are text: the hostile one creates no element and runs nothing.
    assert.deepEqual(await items.locator('.name').allTextContents(), ['data.bin', XSS_FILE])
    assert.deepEqual(await items.locator('.details').allTextContents(), [
      '(146 KiB, application/octet-stream)',
      '(17 B, text/plain)',
    ])
    assert.equal(
      await items
        .nth(1)
        .locator('.name')
        .evaluate((el) => el.childElementCount),
      0,
    )
    assert.equal(await b.page.locator('img').count(), 0, 'no <img> element anywhere')

    // 4. Download yields exactly the bytes Alice attached, under the attachment's name.
    const first = await download(b.page, b.page.getByRole('button', { name: 'Download data.bin' }))
    assert.equal(first.name, 'data.bin')
    assert.ok(first.bytes.equals(data), 'data.bin arrived byte for byte')
    const second = await download(
      b.page,
      b.page.getByRole('button', { name: `Download ${XSS_FILE}` }),
    )
    assert.ok(second.bytes.equals(text), 'the hostile-named file arrived byte for byte')
    // issue 12 item 5: the download is named by safeFileName (the CLI's rule), not the sender.
    assert.equal(second.name, '_img src=x onerror=alert(1)_.txt')
    await b.page.locator('#notice').getByText(`Downloaded ${XSS_FILE}`).waitFor()

    // 5. A sender-chosen dot-file with a right-to-left override and a path is saved under a
    //    safe name (the node's answer is rewritten to carry that name).
    const HIDDEN = '../../.bash_profile\u202Etxt.sh'
    const rename = async (route: Route) => {
      const response = await route.fetch()
      const json = (await response.json()) as { message?: { attachments?: { name: string }[] } }
      const first = json.message?.attachments?.[0]
      if (first !== undefined) first.name = HIDDEN
      await route.fulfill({ response, json })
    }
    await b.page.route(shows, rename)
    await b.page.reload()
    const third = await download(b.page, b.page.getByRole('button', { name: `Download ${HIDDEN}` }))
    await b.page.unroute(shows, rename)
    assert.equal(third.name, '_bash_profile_txt.sh')
    assert.ok(third.bytes.equals(data), 'the renamed file arrived byte for byte')
    assert.equal(await b.page.locator('img').count(), 0, 'still no <img> element')
    assert.deepEqual([...a.dialogs, ...b.dialogs], [], 'no script ran')
    assert.deepEqual([...a.errors, ...b.errors], [], 'no uncaught errors in the pages')
    await a.page.close()
    await b.page.close()
  })
})
