/**
 * Devices (issue 11), with real `sdmp start` processes on loopback: how long a device added after
 * the contacts exist takes to receive its first message from an existing contact, from
 * `device join` to the message event on the new device (docs/protocol/trust.md §4.1).
 * @module
 */
import { waitFor } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import {
  befriend,
  newHome,
  newJoinedHome,
  scratch,
  startDaemon,
  waitConnected,
} from './load-daemons.js'
import type { DaemonProc } from './load-daemons.js'

const GROUP = 'devices'

/** Runs the scenario once; the figure is that one run (it includes dial backoff on purpose). */
export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const s = scratch('sdmp-bench-devices-')
  const started: DaemonProc[] = []
  try {
    const [ha, hb] = await Promise.all([newHome(s.dir, 'alice'), newHome(s.dir, 'bob')])
    const laptop = await startDaemon(ha)
    started.push(laptop)
    const bob = await startDaemon(hb)
    started.push(bob)
    await befriend(laptop, 'alice', bob, 'bob')
    const alice = (await laptop.client.whoami()).user!
    await waitConnected(bob, { user: alice })
    const phoneHome = await newJoinedHome(s.dir, 'phone')
    await laptop.client.authorizeDevice({ request: phoneHome.request })
    const phone = await startDaemon(phoneHome.home)
    started.push(phone)
    const invite = (await laptop.client.invite()).invite
    ctx.log('devices: join, then bob sends until the phone reads one')
    const t0 = performance.now()
    await phone.client.join({ invite })
    // Bob sends every 100 ms (he cannot know when he has learnt the phone); the figure is the
    // first arrival on the phone's inbox.
    let sent = 0
    const arrived = await waitFor(
      async () => {
        await bob.client.send({ to: ['alice'], body: `hello ${sent++}` })
        const inbox = (await phone.client.inbox()).messages
        return inbox.length > 0 ? performance.now() : undefined
      },
      { timeout: 120_000, interval: 100, what: 'the phone to read a message from bob' },
    )
    const ms = arrived - t0
    return [
      {
        group: GROUP,
        name: 'devices: new device, join -> first message from an existing contact',
        value: ms,
        unit: 'ms',
        lowerIsBetter: true,
        notes: `one run: Alice and Bob are contacts first, then Alice's phone joins (\`device join\`); Bob sends every 100 ms until the phone's inbox has one (${sent} sent). Includes the phone's first dial, sync of its trust and prekey to Bob through the laptop, and Bob's connection to the phone`,
      },
    ]
  } finally {
    await Promise.all(started.map((d) => d.stop().catch(() => d.kill())))
    s.remove()
  }
}
