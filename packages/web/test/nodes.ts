/**
 * Test helper: real sdmp nodes in this process (`Daemon.start` on a fresh home with a SQLite
 * store), each serving the built web client, with peer and API listeners on 127.0.0.1:0.
 * @module
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SdmpHttpClient } from '@sdmp/client'
import { createNodeProvider } from '@sdmp/crypto-node'
import { Daemon } from '@sdmp/daemon'
import { Account, readApiToken } from '@sdmp/daemon/account'
import { SqliteStore } from '@sdmp/store-sqlite'
import { waitFor } from '@sdmp/testkit'

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

const provider = createNodeProvider()

/** Create the home `<dir>/<name>` (`Account.create`) and start its daemon. */
export async function startNode(dir: string, name: string): Promise<TestNode> {
  const home = join(dir, name)
  const account = await Account.create(
    { home, provider, createStore: (d) => new SqliteStore({ dir: d, sha512: provider.sha512 }) },
    { name },
  )
  const daemon = await Daemon.start({
    account,
    peer: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    webRoot: WEB_ROOT,
    // Reconnect quickly when the two nodes race to dial each other.
    backoff: { initialMs: 50, maxMs: 500 },
  })
  const token = readApiToken(home)
  const url = daemon.apiUrl!
  return {
    name,
    home,
    user: account.user!,
    url,
    token,
    api: new SdmpHttpClient({ url, token }),
    daemon,
  }
}

/**
 * Make two nodes' users mutual contacts through the API (each adds the other's invite under
 * the other's name) and wait until both see the contact as mutual and are connected.
 */
export async function befriend(a: TestNode, b: TestNode): Promise<void> {
  const { invite: ia } = await a.api.invite()
  const { invite: ib } = await b.api.invite()
  await b.api.addContact({ invite: ia, name: a.name })
  await a.api.addContact({ invite: ib, name: b.name })
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
