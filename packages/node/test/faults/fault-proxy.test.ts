/**
 * The testkit's FaultProxy on its own: forwards both ways, and each fault (cut, drop,
 * blackhole, delay, duplicate, corrupt) does what it says, seen from a plain TCP echo target.
 * @module
 */
import assert from 'node:assert/strict'
import { createServer, connect } from 'node:net'
import type { Server, Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { FaultProxy, seedFromEnv, seededRandom, waitFor } from '@sdmp/testkit'

/** A target that records what each connection sent and echoes it back. */
let server: Server
let port = 0
const received: Buffer[][] = []

before(async () => {
  server = createServer((s) => {
    const got: Buffer[] = []
    received.push(got)
    s.on('data', (c: Buffer) => {
      got.push(c)
      s.write(c)
    })
    s.on('error', () => {})
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as { port: number }).port
})
const seed = seedFromEnv()
const proxies: FaultProxy[] = []
// Proxies first: the target's close() waits for the connections the proxies hold.
after(async () => {
  await Promise.all(proxies.map((p) => p.close()))
  await new Promise<void>((r) => server.close(() => r()))
})

async function setup(): Promise<{ proxy: FaultProxy; client: Socket; echoed: () => Buffer }> {
  const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port }, seed })
  proxies.push(proxy)
  const client = await dial(proxy)
  const chunks: Buffer[] = []
  client.on('data', (c: Buffer) => chunks.push(c))
  return { proxy, client, echoed: () => Buffer.concat(chunks) }
}

function dial(proxy: FaultProxy): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: proxy.port }, () => resolve(s))
    s.on('error', reject)
  })
}

const closed = (s: Socket) =>
  new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())))
const bytes = (n: number, fill = 0) => Buffer.alloc(n, fill)

describe(`FaultProxy (SEED=${seed})`, () => {
  it('forwards both ways unchanged when no fault is set', async () => {
    const { proxy, client, echoed } = await setup()
    const msg = Buffer.from('hello through the proxy')
    client.write(msg)
    await waitFor(() => echoed().length === msg.length, { what: 'echo' })
    assert.deepEqual(echoed(), msg)
    const c = proxy.counters
    assert.equal(c.bytesUp, msg.length)
    assert.equal(c.bytesDown, msg.length)
    assert.equal(c.connections, 1)
    assert.equal(c.active, 1)
  })

  it('flips exactly one byte per chunk when corrupt is 1', async () => {
    const { proxy, client } = await setup()
    const mine = received.length
    proxy.set('up', { corrupt: 1 })
    const msg = bytes(64, 0x41)
    client.write(msg)
    await waitFor(() => (received[mine] ?? []).reduce((n, c) => n + c.length, 0) === 64, {
      what: 'corrupted bytes at the target',
    })
    const got = Buffer.concat(received[mine]!)
    const diff = [...got].filter((b, i) => b !== msg[i]).length
    assert.equal(diff, proxy.counters.corrupted, 'one flipped byte per corrupted chunk')
    assert.ok(diff >= 1)
  })

  it('forwards each chunk twice when duplicate is 1', async () => {
    const { proxy, client } = await setup()
    const mine = received.length
    proxy.set('up', { duplicate: 1 })
    client.write(Buffer.from('dup'))
    await waitFor(() => Buffer.concat(received[mine] ?? []).toString() === 'dupdup', {
      what: 'duplicated chunk',
    })
    assert.equal(proxy.counters.duplicated, 1)
    assert.equal(proxy.counters.bytesUp, 6)
  })

  it('keeps chunk order under delay with jitter', async () => {
    const { proxy, client, echoed } = await setup()
    proxy.set('both', { delayMs: 2, jitterMs: 15 })
    const sent: Buffer[] = []
    for (let i = 0; i < 40; i++) {
      const c = Buffer.from(`<${i}>`)
      sent.push(c)
      client.write(c)
      await new Promise((r) => setImmediate(r))
    }
    const all = Buffer.concat(sent)
    await waitFor(() => echoed().length === all.length, { what: 'all delayed chunks echoed' })
    assert.deepEqual(echoed(), all)
    assert.ok(proxy.counters.delayed > 0)
  })

  it('discards bytes while blackholed and forwards again after heal', async () => {
    const { proxy, client } = await setup()
    const mine = received.length
    proxy.set('up', { blackhole: true })
    client.write(bytes(100, 1))
    await waitFor(() => proxy.counters.blackholed === 100, { what: 'bytes blackholed' })
    proxy.heal()
    client.write(Buffer.from('after'))
    await waitFor(() => Buffer.concat(received[mine] ?? []).length > 0, { what: 'marker' })
    // The target sees only the marker: the blackholed bytes (sent before it) never arrived.
    assert.equal(Buffer.concat(received[mine]!).toString(), 'after')
  })

  it('cuts open connections, refuses new ones until heal, then forwards again', async () => {
    const { proxy, client } = await setup()
    proxy.cut()
    await closed(client)
    const refused = await dial(proxy)
    await closed(refused)
    assert.equal(proxy.counters.cuts, 2)
    proxy.heal()
    const again = await dial(proxy)
    const echo: Buffer[] = []
    again.on('data', (c: Buffer) => echo.push(c))
    again.write('back')
    await waitFor(() => Buffer.concat(echo).toString() === 'back', { what: 'echo after heal' })
    again.destroy()
  })

  it('drop in one direction cuts the connection on its next chunk there', async () => {
    const { proxy, client } = await setup()
    proxy.set('down', { drop: true })
    client.write('x') // goes up, the echo comes down and trips the drop
    await closed(client)
    assert.equal(proxy.counters.cuts, 1)
    await waitFor(() => proxy.counters.active === 0, { what: 'both sides closed' })
  })

  it('rejects out-of-range settings and replays randomness from a seed', async () => {
    const { proxy } = await setup()
    assert.throws(() => proxy.set('up', { corrupt: 2 }), RangeError)
    assert.throws(() => proxy.set('up', { delayMs: -1 }), RangeError)
    assert.throws(() => proxy.set('up', { duplicate: Number.NaN }), RangeError)
    const [r1, r2] = [seededRandom(7), seededRandom(7)]
    const a = Array.from({ length: 5 }, r1)
    assert.deepEqual(a, Array.from({ length: 5 }, r2))
    assert.ok(a.every((x) => x >= 0 && x < 1))
    assert.equal(proxy.seed, seed)
  })
})
