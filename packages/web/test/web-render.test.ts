/**
 * The web client in headless Chromium against two real nodes: message bodies rendered as their
 * sender declared them (markdown and html through the sanitizer: no script runs, nothing is
 * loaded from anywhere, links open safely), search over the messages the node holds, and
 * browser notifications that ask for permission only when the user clicks and show only while
 * the tab is hidden.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { waitFor } from '@sdmp/testkit'
import { T, openSignedIn, webWorld } from './browser.js'

/** A hostile html body: each line tries to run script, load something or submit somewhere. */
const HOSTILE_HTML = [
  '<p>Hello <b>there</b></p>',
  '<script>window.pwned = "script"</script>',
  '<img src="https://tracker.example/pixel.png" alt="pixel">',
  '<img src=x onerror="window.pwned = \'onerror\'">',
  '<img srcset="https://tracker.example/a.png 1x">',
  '<a id="js" href="javascript:window.pwned=\'link\'">click me</a>',
  '<a href="https://example.org/page">a fine link</a>',
  '<div style="background:url(https://tracker.example/bg.png)" onclick="window.pwned=1">styled</div>',
  '<iframe src="https://tracker.example/frame"></iframe>',
  '<form action="https://tracker.example/post"><input name="q"><button>Go</button></form>',
  '<svg onload="window.pwned=\'svg\'"><circle r="5"></circle></svg>',
  '<object data="https://tracker.example/x.swf"></object>',
  '<link rel="stylesheet" href="https://tracker.example/s.css">',
  '<video poster="https://tracker.example/p.png" src="https://tracker.example/v.mp4"></video>',
].join('\n')

/** In the page, before its scripts: record policy violations (attempted loads) and spy on notifications. */
function instrument(): void {
  const w = window as unknown as Record<string, unknown>
  const blocked: string[] = []
  w['blocked'] = blocked
  document.addEventListener('securitypolicyviolation', (e) =>
    blocked.push(`${e.blockedURI} ${e.violatedDirective} ${e.sample}`),
  )
  const Real = window.Notification
  const log = { asked: 0, shown: [] as string[] }
  w['notifications'] = log
  const ask = Real.requestPermission.bind(Real)
  class Spy extends Real {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options)
      log.shown.push(`${title}|${options?.body ?? ''}`)
    }
  }
  Object.defineProperty(Spy, 'requestPermission', {
    value: () => {
      log.asked++
      return ask()
    },
  })
  w['Notification'] = Spy
  // Headless tabs are never hidden: the test decides what document.hidden says.
  let hidden = false
  Object.defineProperty(document, 'hidden', { get: () => hidden })
  w['setHidden'] = (value: boolean) => (hidden = value)
}

describe('web client rendering, search and notifications in headless Chromium', () => {
  const world = webWorld('sdmp-web-render-')

  it('renders markdown and html safely: no script, no remote load, safe links', T, async () => {
    const alice = world.alice
    const bob = world.bob
    const { page, dialogs, errors } = await openSignedIn(world.context, alice, instrument)
    const origin = new URL(alice.url).origin
    const foreign: string[] = []
    page.on('request', (r) => {
      if (new URL(r.url()).origin !== origin) foreign.push(r.url())
    })
    const md = await bob.api.send({
      to: ['alice'],
      type: 'markdown',
      body: '**bold** and [a link](https://example.org/md) and `code` <img src=x onerror=alert(1)>',
    })
    const html = await bob.api.send({ to: ['alice'], type: 'html', body: HOSTILE_HTML })
    const plain = await bob.api.send({ to: ['alice'], body: '<b>not bold</b> **not bold**' })
    const fwd = await bob.api.forward(md.id, { to: ['alice'], note: 'fyi <b>x</b>' })
    await page.goto(`${alice.url}/#/chat/${bob.user}`)
    const bubbleOf = (id: string) => page.locator(`li.bubble[data-id="${id}"] .body`)
    await bubbleOf(plain.id).waitFor({ timeout: 30_000 })

    // Markdown: bold, a link that opens safely, code; the inline html is sanitized away.
    const mdBody = bubbleOf(md.id)
    assert.equal(await mdBody.locator('strong').textContent(), 'bold')
    assert.equal(await mdBody.locator('code').textContent(), 'code')
    const mdLink = mdBody.locator('a')
    assert.equal(await mdLink.getAttribute('href'), 'https://example.org/md')
    assert.equal(await mdLink.getAttribute('target'), '_blank')
    assert.equal(await mdLink.getAttribute('rel'), 'noopener noreferrer')

    // Html: the formatting stays; every active or loading part is gone.
    const htmlBody = bubbleOf(html.id)
    assert.equal(await htmlBody.locator('b').textContent(), 'there')
    assert.equal(await htmlBody.getByText('styled').count(), 1)
    const dangerous = 'script, img, iframe, form, input, button, svg, object, link, video, style'
    assert.equal(
      await page.locator(`main .body :is(${dangerous})`).count(),
      0,
      'no dangerous element',
    )
    const attributes = await page
      .locator('main .body *')
      .evaluateAll((els) => els.flatMap((el) => el.getAttributeNames()))
    for (const name of attributes)
      assert.ok(!/^on|^style$|^src|^poster$|^action$/.test(name), `attribute ${name} kept`)
    const fine = htmlBody.getByRole('link', { name: 'a fine link' })
    assert.equal(await fine.getAttribute('rel'), 'noopener noreferrer')
    assert.equal(await fine.getAttribute('target'), '_blank')
    const js = htmlBody.getByText('click me')
    assert.equal(await js.getAttribute('href'), null, 'the javascript: link lost its href')
    await js.click()
    assert.match((await htmlBody.textContent()) ?? '', /\[image: pixel\]/, 'an image is its alt')

    // A forward says whose it is above the original, rendered as the original's type.
    const forward = page.locator(`li.bubble[data-id="${fwd.id}"]`)
    await forward.waitFor({ timeout: 30_000 })
    assert.equal(await forward.locator('.forwarded').textContent(), 'Forwarded from bob')
    assert.equal(await forward.locator('.forward-note').textContent(), 'fyi <b>x</b>')
    assert.equal(await forward.locator('.body strong').textContent(), 'bold')

    // Plain text stays text.
    assert.equal(await bubbleOf(plain.id).textContent(), '<b>not bold</b> **not bold**')
    assert.equal(await bubbleOf(plain.id).evaluate((el) => el.childElementCount), 0)

    // Nothing ran and nothing tried to load: no request left the origin, and the page's
    // Content-Security-Policy (the second line of defence) blocked no load. (It does report
    // the inline handlers of the dirty text, 'inline' script-src-attr, as the sanitizer parses
    // it in an inert document; those are never attached to the page, as checked above.)
    await page.getByRole('heading', { level: 1, name: 'bob' }).click() // let any handler fire
    assert.equal(await page.evaluate(() => (window as { pwned?: unknown }).pwned), undefined)
    const blocked = await page.evaluate(() => (window as { blocked?: string[] }).blocked ?? [])
    assert.deepEqual(
      blocked.filter((b) => !b.startsWith('inline ')),
      [],
      'no load blocked by the policy',
    )
    assert.deepEqual(foreign, [], 'no request to another origin')
    assert.deepEqual(dialogs, [])
    assert.deepEqual(errors, [])
    await page.close()
  })

  it('searches the messages this node holds and opens the chat at the hit', T, async () => {
    const alice = world.alice
    const bob = world.bob
    const hit = await bob.api.send({ to: ['alice'], body: 'The Crème brûlée recipe you asked' })
    await waitFor(async () => (await alice.api.inbox()).messages.some((m) => m.id === hit.id), {
      timeout: 30_000,
      interval: 50,
      what: 'the message at alice',
    })
    const { page, errors } = await openSignedIn(world.context, alice)
    await page.getByLabel('Search messages').fill('creme RECIPE')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('heading', { level: 1, name: 'Search: creme RECIPE' }).waitFor()
    const hits = page.locator('li.search-hit')
    await hits.first().waitFor()
    assert.deepEqual(await hits.evaluateAll((els) => els.map((e) => e.dataset['id'])), [hit.id])
    await hits.getByRole('link').click()
    await page.locator(`li.bubble.target[data-id="${hit.id}"]`).waitFor()
    await page.getByRole('heading', { level: 1, name: 'bob' }).waitFor()

    await page.goto(`${alice.url}/#/chats?q=${encodeURIComponent('nothing like this')}`)
    await page.locator('ol.chats .empty', { hasText: 'No match.' }).waitFor()
    assert.deepEqual(errors, [])
    await page.close()
  })

  it('asks for notification permission only on click; notifies only while hidden', T, async () => {
    const alice = world.alice
    const bob = world.bob
    const { page, errors } = await openSignedIn(world.context, alice, instrument)
    const log = () =>
      page.evaluate(
        () =>
          (window as unknown as { notifications: { asked: number; shown: string[] } })
            .notifications,
      )
    const button = page.locator('#notify')
    await button.getByText('Enable notifications').waitFor()
    // Signing in and moving around asks nothing.
    await page.getByRole('link', { name: 'Contacts', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor()
    assert.equal((await log()).asked, 0, 'no permission asked before the click')

    // Not granted: the click asks once; the browser's refusal is said plainly.
    await button.click()
    await page
      .locator('#notice')
      .getByText(/blocked/)
      .waitFor()
    assert.equal((await log()).asked, 1)
    assert.equal(await button.getAttribute('aria-pressed'), 'false')

    // Granted: the click turns them on (the permission is there, so nothing is asked again).
    await world.context.grantPermissions(['notifications'], { origin: new URL(alice.url).origin })
    await button.click()
    await button.getByText('Notifications on').waitFor()
    assert.equal(await button.getAttribute('aria-pressed'), 'true')
    assert.equal((await log()).asked, 1)

    // A visible tab gets no notification; a hidden one does.
    const seen = await bob.api.send({ to: ['alice'], body: 'while you look' })
    await page.locator('#notice').getByText('New message from bob').waitFor({ timeout: 30_000 })
    await page.evaluate(() =>
      (window as unknown as { setHidden(v: boolean): void }).setHidden(true),
    )
    const unseen = await bob.api.send({ to: ['alice'], body: 'while you are away' })
    await waitFor(async () => (await log()).shown.length > 0, {
      timeout: 30_000,
      interval: 50,
      what: 'a notification',
    })
    assert.deepEqual((await log()).shown, ['New message from bob|while you are away'])
    assert.ok(seen.id !== unseen.id)
    assert.deepEqual(errors, [])
    await page.close()
  })
})
