/**
 * Test helper: real sdmp nodes in this process (`Daemon.start` on a fresh home with a SQLite
 * store), each serving the built web client, with peer and API listeners on 127.0.0.1:0.
 * @module
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SdmpHttpClient } from '@sdmp/client'
import { Daemon } from '@sdmp/daemon'
import type { DaemonOptions } from '@sdmp/daemon'
import { Account, readApiToken } from '@sdmp/daemon/account'
import { waitFor } from '@sdmp/testkit'
import { accountDeps, befriendApis, startDaemon } from '@sdmp/testkit/daemon-world'

/** packages/web/dist/www: this file runs from dist/test. */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'www')

/** Fail early and clearly when the bundle was not built (`npm run build` builds it). */
export function assertWebBuilt(): void {
  for (const f of ['index.html', 'app.js', 'app.css'])
    if (!existsSync(join(WEB_ROOT, f)))
      throw new Error(
        `${join(WEB_ROOT, f)} is missing: run \`npm run build\` (node packages/web/build.mjs)`,
      )
}

/** A running node and an API client for it. */
export interface TestNode {
  readonly name: string
  readonly home: string
  readonly user: string
  /** `http://127.0.0.1:PORT` of the API, which also serves the web client. */
  readonly url: string
  readonly token: string
  readonly api: SdmpHttpClient
  readonly daemon: Daemon
}

/**
 * Create the home `<dir>/<name>` (`Account.create`) and start its daemon, serving the web client;
 * `extra` adds daemon options (an address look-up pointed at a test DNS server).
 */
export async function startNode(
  dir: string,
  name: string,
  extra: Partial<DaemonOptions> = {},
): Promise<TestNode> {
  const home = join(dir, name)
  const account = await Account.create(accountDeps(home), { name })
  const { daemon, api } = await startDaemon(account, { webRoot: WEB_ROOT, ...extra })
  // Read receipts are off by default (issue 16, docs/messaging.md §4); the web tests show a
  // message read at its sender, so these nodes send them.
  await api.updateSettings({ readReceipts: true })
  return {
    name,
    home,
    user: account.user!,
    url: daemon.apiUrl!,
    token: readApiToken(home),
    api,
    daemon,
  }
}

/**
 * Make two nodes' users mutual contacts through the API (each adds the other's invite under
 * the other's name) and wait until both see the contact as mutual and are connected.
 */
export async function befriend(a: TestNode, b: TestNode): Promise<void> {
  await befriendApis(a.api, a.name, b.api, b.name)
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    await waitFor(
      async () => {
        const mutual = (await x.api.contacts()).contacts.some(
          (c) => c.user === y.user && c.status === 'mutual',
        )
        const peers = (await x.api.peers()).peers
        return mutual && peers.some((p) => p.user === y.user && p.state === 'connected')
      },
      { timeout: 30_000, interval: 50, what: `${x.name} and ${y.name} mutual and connected` },
    )
  }
}
