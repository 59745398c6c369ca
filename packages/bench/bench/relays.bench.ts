/**
 * Relay benchmarks (issue 17, docs/protocol/relays.md): publish -> inbox latency from Alice's
 * laptop to Bob when Bob reaches the laptop through her host's relay, beside the same with the
 * laptop listening and dialled directly. In-process daemons on loopback (the testkit's daemon
 * world); Bob's session with the host is cut, so the laptop's messages reach him only over the
 * measured path.
 * @module
 */
import { percentile, waitFor } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import { createAccount, startDaemon, stopDaemons, waitPeer } from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'
import { parsePeerAddress } from '@sdmp/node'
import { MessageWatcher, scratch } from './load-daemons.js'

const GROUP = 'relays'
const DIRECT = 'relays: publish -> inbox latency, laptop dialled directly, p50'
const WAIT = { timeout: 30_000, interval: 20 }

/**
 * Alice's host, her laptop (relayed or listening) and Bob, mutual contacts of Alice; Bob
 * connected to the laptop at `path` and no longer to the host.
 */
async function world(dir: string, relayed: boolean) {
  const host = await startDaemon(await createAccount(dir, 'alice'))
  const bob = await startDaemon(await createAccount(dir, 'bob'), { advertise: ['127.0.0.1:1'] })
  await host.api.addContact({ invite: (await bob.api.invite()).invite, name: 'bob' })
  await bob.api.addContact({ invite: (await host.api.invite()).invite, name: 'alice' })
  const laptopAccount = await createAccount(dir, 'laptop', true)
  await host.api.authorizeDevice({ request: await laptopAccount.joinRequest() })
  const hostNode = (await host.api.whoami()).node
  const relay = `ws://127.0.0.1:${new URL(host.daemon.apiUrl!).port}/v1/peer#${hostNode}`
  const laptop = await startDaemon(laptopAccount, relayed ? { listen: false, relays: [relay] } : {})
  await laptop.api.join({ invite: (await host.api.invite()).invite })
  const laptopNode = (await laptop.api.whoami()).node
  const path = relayed
    ? `ws://127.0.0.1:${new URL(host.daemon.apiUrl!).port}/v1/relay/${laptopNode}`
    : await waitFor(() => laptop.daemon.network?.listenAddress, WAIT)
  await waitPeer(bob.api, (p) => p.node === laptopNode && p.address === path, {
    ...WAIT,
    what: `bob connected to the laptop at ${path}`,
  })
  // Only the measured path: bob stops dialling the host (the host cannot dial bob).
  const manager = bob.daemon.network!.manager
  for (const s of manager.status())
    if (s.fingerprint === hostNode) await manager.removePeer(parsePeerAddress(s.address))
  await waitFor(() => bob.daemon.network!.engine.sessions.get(hostNode)?.isOpen !== true, {
    ...WAIT,
    what: 'bob and the host disconnected',
  })
  return { host, bob, laptop }
}

/** Latencies (ms) of `count` messages sent one at a time from `from` to `to`'s SSE stream. */
async function latencies(from: TestDaemon, to: TestDaemon, count: number): Promise<number[]> {
  const toUser = (await to.api.whoami()).user!
  const watcher = new MessageWatcher(to.api, 0)
  const samples: number[] = []
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now()
      const { id } = await from.api.send({ to: [toUser], body: `latency ${i}` })
      samples.push((await watcher.arrival(id)) - t0)
    }
  } finally {
    await watcher.close()
  }
  return samples
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const count = Math.max(30, Math.round(200 * ctx.scale))
  const warmup = 10
  const p50: Record<'direct' | 'relayed', number> = { direct: 0, relayed: 0 }
  for (const mode of ['direct', 'relayed'] as const) {
    const tmp = scratch(`sdmp-bench-relay-${mode}-`)
    try {
      ctx.log(`relays: ${mode}, ${count} messages`)
      const { laptop, bob } = await world(tmp.dir, mode === 'relayed')
      await latencies(laptop, bob, warmup)
      p50[mode] = percentile(await latencies(laptop, bob, count), 50)
    } finally {
      await stopDaemons()
      tmp.remove()
    }
  }
  const common = `${count} messages (after ${warmup} unmeasured) sent one at a time through the laptop's API, timed until the \`message\` event on Bob's SSE stream; three in-process daemons (Alice's host, her laptop, Bob) on loopback, Bob's session with the host cut`
  return [
    {
      group: GROUP,
      name: DIRECT,
      value: p50.direct,
      unit: 'ms',
      lowerIsBetter: true,
      notes: `baseline: the laptop listens and Bob dials it over TCP; ${common}`,
    },
    {
      group: GROUP,
      name: 'relays: publish -> inbox latency, laptop reached through its host relay, p50',
      value: p50.relayed,
      unit: 'ms',
      baseline: DIRECT,
      lowerIsBetter: true,
      notes: `the laptop never listens; Bob's channel runs end to end through a WebSocket splice on the host's API port (relays.md §3); ${common}`,
    },
  ]
}
