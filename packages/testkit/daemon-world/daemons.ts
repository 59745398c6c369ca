/**
 * Daemons of a test world (docs/daemon.md): `Daemon.start` in process on 127.0.0.1 (ports 0)
 * with fast redials, a typed API client each, and contacts and connections made through any
 * {@link SdmpApi} (an in-process daemon, a child process, a browser's node).
 * @module
 */
import { SdmpHttpClient } from '@sdmp/client'
import type { Peer, SdmpApi } from '@sdmp/client'
import { Daemon, readApiToken } from '@sdmp/daemon'
import type { Account, DaemonOptions } from '@sdmp/daemon'
import { waitFor } from '@sdmp/testkit'

/** A running daemon, a client of its API and the events it reported. */
export interface TestDaemon {
  readonly home: string
  readonly daemon: Daemon
  readonly api: SdmpHttpClient
  readonly events: { name: string; detail: Record<string, unknown> }[]
}

const running: Daemon[] = []

/** Start a daemon for `account` on loopback (ports 0) with fast redials; `extra` overrides. */
export async function startDaemon(
  account: Account,
  extra: Partial<DaemonOptions> = {},
): Promise<TestDaemon> {
  const events: TestDaemon['events'] = []
  const daemon = await Daemon.start({
    account,
    peer: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    backoff: { initialMs: 50, maxMs: 500 },
    event: (name, detail) => void events.push({ name, detail }),
    ...extra,
  })
  running.push(daemon)
  const api = new SdmpHttpClient({ url: daemon.apiUrl!, token: readApiToken(account.home) })
  return { home: account.home, daemon, api, events }
}

/** Stop one daemon started by {@link startDaemon}. */
export async function stopDaemon(n: TestDaemon): Promise<void> {
  running.splice(running.indexOf(n.daemon), 1)
  await n.daemon.stop()
}

/** Stop every daemon started so far and not stopped yet (register with `afterEach`). */
export async function stopDaemons(): Promise<void> {
  await Promise.all(running.splice(0).map((d) => d.stop()))
}

/** Make two users mutual contacts through their APIs: each adds the other's invite by name. */
export async function befriendApis(
  a: SdmpApi,
  aName: string,
  b: SdmpApi,
  bName: string,
): Promise<void> {
  const ia = (await a.invite()).invite
  const ib = (await b.invite()).invite
  await b.addContact({ invite: ia, name: aName })
  await a.addContact({ invite: ib, name: bName })
}

/** {@link befriendApis} for two daemons of the world. */
export const befriendDaemons = (a: TestDaemon, aName: string, b: TestDaemon, bName: string) =>
  befriendApis(a.api, aName, b.api, bName)

/** Options of {@link waitPeer}. */
export interface WaitPeerOptions {
  readonly what: string
  readonly timeout?: number
  readonly interval?: number
}

/** Wait until the API lists a connected peer that `match` accepts. */
export async function waitPeer(
  api: SdmpApi,
  match: (p: Peer) => boolean,
  options: WaitPeerOptions,
): Promise<void> {
  await waitFor(
    async () => (await api.peers()).peers.some((p) => p.state === 'connected' && match(p)),
    options,
  )
}

/** Wait until `a` reports a connection to node `node`. */
export const connectedTo = (a: TestDaemon, node: string): Promise<void> =>
  waitPeer(a.api, (p) => p.node === node, {
    timeout: 30_000,
    interval: 20,
    what: `${a.home} connected to ${node.slice(0, 8)}`,
  })

/** Wait until `a` reports a connection to a node of user `user`. */
export const connectedToUser = (a: TestDaemon, user: string): Promise<void> =>
  waitPeer(a.api, (p) => p.user === user, {
    timeout: 30_000,
    interval: 20,
    what: `${a.home} connected to ${user.slice(0, 8)}`,
  })

/** Wait until message `id` is in `n`'s inbox. */
export const inboxHas = (n: TestDaemon, id: string, what: string): Promise<boolean> =>
  waitFor(async () => (await n.api.inbox()).messages.some((m) => m.id === id), {
    timeout: 30_000,
    what,
  })
