/**
 * Shared helpers of the attachment tests between daemons (docs/protocol/attachments.md):
 * in-process daemons on loopback with SQLite stores, contacts, waiting for a connection, and
 * deterministic file bytes.
 * @module
 */
import assert from 'node:assert/strict'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { SdmpHttpClient } from '@sdmp/client'
import { createNodeProvider } from '@sdmp/crypto-node'
import { SqliteStore } from '@sdmp/store-sqlite'
import { collect, waitFor } from '@sdmp/testkit'
import { Account, readApiToken } from '../src/account/index.js'
import type { AccountDeps } from '../src/account/index.js'
import { Daemon } from '../src/daemon/index.js'

export const provider = createNodeProvider()
const running: Daemon[] = []

/** Stop every daemon started by {@link start} and not stopped yet (register with afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((d) => d.stop()))
}

/** A daemon under test with its API client and the events it reported. */
export interface Node {
  readonly home: string
  readonly daemon: Daemon
  readonly api: SdmpHttpClient
  readonly events: { name: string; detail: Record<string, unknown> }[]
}

/** Account dependencies for a home: SQLite store, cheap scrypt. */
export const deps = (home: string): AccountDeps => ({
  home,
  provider,
  createStore: (dir) => new SqliteStore({ dir, sha512: provider.sha512 }),
  scrypt: { N: 1024, r: 8, p: 1 },
})

/** Start a daemon on 127.0.0.1 (ports 0) with fast redials. */
export async function start(account: Account): Promise<Node> {
  const events: Node['events'] = []
  const daemon = await Daemon.start({
    account,
    peer: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    backoff: { initialMs: 50, maxMs: 500 },
    event: (name, detail) => void events.push({ name, detail }),
  })
  running.push(daemon)
  const api = new SdmpHttpClient({ url: daemon.apiUrl!, token: readApiToken(account.home) })
  return { home: account.home, daemon, api, events }
}

/** Stop one daemon started by {@link start}. */
export async function stop(n: Node): Promise<void> {
  running.splice(running.indexOf(n.daemon), 1)
  await n.daemon.stop()
}

/** Create an account `name` under `dir` (a joining device with `join`). */
export const create = (dir: string, name: string, join = false) =>
  Account.create(deps(`${dir}/${name}`), { name, join })

/** Make two users contacts of each other through invites. */
export async function befriend(a: Node, aName: string, b: Node, bName: string): Promise<void> {
  const ia = (await a.api.invite()).invite
  const ib = (await b.api.invite()).invite
  await b.api.addContact({ invite: ia, name: aName })
  await a.api.addContact({ invite: ib, name: bName })
}

/** Wait until `a` reports a connection to node `node`. */
export async function connectedTo(a: Node, node: string): Promise<void> {
  await waitFor(
    async () => (await a.api.peers()).peers.some((p) => p.node === node && p.state === 'connected'),
    { timeout: 30_000, interval: 20, what: `${a.home} connected to ${node.slice(0, 8)}` },
  )
}

export { chunksOf, collect, fileBytes, once } from '@sdmp/testkit'

/** Attachment `index` of message `id`, decrypted through the API. */
export async function download(n: Node, id: string, index: number): Promise<Uint8Array> {
  return collect((await n.api.attachment(id, index)).data)
}

/** The path of a blob file under a home (store.md §6: blobs/<aa>/<hash>). */
export function blobPath(home: string, hash: string): string {
  const walk = (dir: string): string | undefined => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      if (name === hash) return p
      if (statSync(p).isDirectory()) {
        const found = walk(p)
        if (found) return found
      }
    }
    return undefined
  }
  const found = walk(home)
  assert.ok(found, 'the blob file exists')
  return found
}
