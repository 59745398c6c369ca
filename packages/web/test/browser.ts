/**
 * Test helper: the headless Chromium of the web tests (playwright-core driving the Debian
 * package, /usr/bin/chromium) with a fresh profile, a tab signed in by a sign-in link, and the
 * world each web test file starts from (nodes and a browser, set up and torn down once).
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before } from 'node:test'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import type { DaemonOptions } from '@sdmp/daemon'
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

/** The nodes and the browser of one web test file (see {@link webWorld}). */
export interface WebWorld {
  /** The scratch directory: nodes' homes and the Chromium profile. */
  readonly dir: string
  readonly alice: TestNode
  readonly bob: TestNode
  /** A third user, not anyone's contact (only with `{ carol: true }`). */
  readonly carol: TestNode
  readonly context: BrowserContext
}

/**
 * Register the `before`/`after` hooks of a web test file: Alice and Bob as mutual contacts
 * (and Carol, a stranger, on request) in a fresh directory, and a Chromium with a fresh
 * profile; `daemon` gives every node extra daemon options. Torn down browser first, then the nodes (which release their stores), then the
 * files. The returned object is read inside tests, once `before` ran.
 */
export function webWorld(
  prefix: string,
  options: { carol?: boolean; daemon?: () => Partial<DaemonOptions> } = {},
): WebWorld {
  let parts: (Omit<WebWorld, 'carol'> & { carol?: TestNode }) | undefined
  before(async () => {
    assertWebBuilt()
    const dir = mkdtempSync(join(tmpdir(), prefix))
    // Read now, not when the file loads: it may name what an earlier before() hook started.
    const extra = options.daemon?.() ?? {}
    const alice = await startNode(dir, 'alice', extra)
    const bob = await startNode(dir, 'bob', extra)
    const carol = options.carol === true ? await startNode(dir, 'carol', extra) : undefined
    await befriend(alice, bob)
    const context = await launch(join(dir, 'chromium-profile'))
    parts = { dir, alice, bob, context, ...(carol && { carol }) }
  })
  after(async () => {
    if (parts === undefined) return
    await parts.context.close()
    for (const node of [parts.alice, parts.bob, parts.carol]) await node?.daemon.stop()
    rmSync(parts.dir, { recursive: true, force: true })
  })
  const need = () => {
    if (parts === undefined) throw new Error('webWorld: read before its before() hook ran')
    return parts
  }
  return {
    get dir() {
      return need().dir
    },
    get alice() {
      return need().alice
    },
    get bob() {
      return need().bob
    },
    get carol() {
      const carol = need().carol
      if (carol === undefined) throw new Error('webWorld: started without { carol: true }')
      return carol
    },
    get context() {
      return need().context
    },
  }
}

/**
 * Accept the page's dialogs from now on (`confirm` answers OK) instead of dismissing them, as a
 * user confirming an action would; returns the messages shown, in order.
 */
export function acceptDialogs(page: Page): string[] {
  const shown: string[] = []
  page.removeAllListeners('dialog')
  page.on('dialog', (d) => {
    shown.push(d.message())
    void d.accept()
  })
  return shown
}
