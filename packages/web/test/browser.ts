/**
 * Test helper: the headless Chromium of the web tests (playwright-core driving the Debian
 * package, /usr/bin/chromium) with a fresh profile, and a tab signed in by a sign-in link.
 * @module
 */
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
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
export const XSS = '<img src=x onerror=alert(1)>'
export const T = { timeout: 180_000 }

/** Launch Chromium with a fresh profile directory (`--user-data-dir`). */
export async function launch(profile: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
  // launchPersistentContext is playwright's way of passing --user-data-dir.
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  })
}

/**
 * A new tab signed in to `node` by a sign-in link, with its dialogs and page errors kept;
 * `init` runs in the page before its own scripts (playwright's addInitScript).
 */
export async function openSignedIn(
  context: BrowserContext,
  node: TestNode,
  init?: () => void,
): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await context.newPage()
  if (init !== undefined) await page.addInitScript(init)
  const dialogs: string[] = []
  const errors: string[] = []
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(`${node.url}/#token=${node.token}`)
  await page.getByRole('heading', { level: 1, name: 'Chats' }).waitFor()
  return { page, dialogs, errors }
}
