/**
 * The parsing and driving of the Prosody comparison (prosody.bench.ts, docs/load.md §4): the
 * /proc stat reader, the bench body, the XMPP message matcher, the generated Prosody
 * configuration, the two limits of the pipelined shape and the batching client. The bench itself is not a test.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { xml } from '@xmpp/client'
import { statCpuTicks } from '../bench/load-daemons.js'
import { prosodyConfig } from '../bench/prosody.js'
import { BODY_BYTES, benchBody, coalescing, concurrency, pipelined } from '../bench/shapes.js'
import { benchSeqOf, xmppMessageId } from '../bench/xmpp-users.js'

test('statCpuTicks: utime + stime, with a process name holding spaces and parentheses', () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
  const line = '4242 (lua5.4 (x) y) S 1 4242 4242 0 -1 4194560 900 0 3 0 1234 567 0 0 20 0 1 0'
  assert.equal(statCpuTicks(line), 1234 + 567)
  assert.equal(statCpuTicks('7 (node) R 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0\n'), 11)
  for (const bad of ['', 'no parenthesis here', '1 (x) S 1 2', '1 (x) S 1 2 3 4 5 6 7 8 9 a b'])
    assert.throws(() => statCpuTicks(bad), /not a \/proc\/PID\/stat line/, bad)
})

test('benchBody: 128 bytes, distinct per sequence number', () => {
  for (const seq of [0, 7, 12_345, 999_999]) assert.equal(Buffer.byteLength(benchBody(seq)), 128)
  assert.equal(BODY_BYTES, 128)
  assert.notEqual(benchBody(1), benchBody(11))
})

test('benchSeqOf: only chat messages with a body and a bench id count', () => {
  const msg = (attrs: Record<string, string>, body = true) =>
    xml('message', attrs, ...(body ? [xml('body', {}, benchBody(3))] : []))
  assert.equal(benchSeqOf(msg({ type: 'chat', id: xmppMessageId(42) })), 42)
  assert.equal(benchSeqOf(msg({ type: 'chat', id: xmppMessageId(42) }, false)), undefined)
  assert.equal(benchSeqOf(msg({ type: 'error', id: xmppMessageId(42) })), undefined)
  assert.equal(benchSeqOf(msg({ type: 'chat', id: 'bench-42x' })), undefined)
  assert.equal(benchSeqOf(msg({ type: 'chat' })), undefined)
  assert.equal(benchSeqOf(xml('presence', { id: xmppMessageId(1) })), undefined)
})

test('prosodyConfig: direct TLS on the given port only, everything under the temp dir, no s2s', () => {
  const cfg = prosodyConfig({ dir: '/tmp/p x', port: 40123 })
  assert.match(cfg, /^c2s_direct_tls_ports = \{ 40123 \}$/m)
  assert.match(cfg, /^c2s_ports = \{ \}$/m)
  assert.match(cfg, /^s2s_ports = \{ \}$/m)
  assert.match(cfg, /^interfaces = \{ "127\.0\.0\.1" \}$/m)
  assert.match(cfg, /^modules_disabled = \{ "s2s" \}$/m)
  assert.match(cfg, /^default_storage = "memory"$/m)
  assert.match(cfg, /^c2s_require_encryption = true$/m)
  // mod_limits would throttle c2s to its default rate and the bench would measure the limit.
  assert.doesNotMatch(cfg, /"limits"/)
  for (const key of ['pidfile', 'data_path', 'certificates'])
    assert.match(cfg, new RegExp(`^${key} = "/tmp/p x/`, 'm'), key)
  assert.match(cfg, /^log = \{ warn = "\/tmp\/p x\/prosody\.log" \}$/m)
})

/** A promise and its resolver. */
function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

test('concurrency: at most n running, the rest wait in order and all finish', async () => {
  const run = concurrency(2)
  const gates = Array.from({ length: 5 }, deferred)
  const started: number[] = []
  let active = 0
  let most = 0
  const all = gates.map((g, i) =>
    run(async () => {
      started.push(i)
      most = Math.max(most, ++active)
      await g.promise
      active--
      return i
    }),
  )
  await Promise.resolve()
  assert.deepEqual(started, [0, 1])
  gates[1]!.resolve()
  gates[0]!.resolve()
  for (const g of gates.slice(2)) g.resolve()
  assert.deepEqual(await Promise.all(all), [0, 1, 2, 3, 4])
  assert.deepEqual(started, [0, 1, 2, 3, 4])
  assert.equal(most, 2)
})

test('pipelined: the window fills and is never exceeded; CPU is summed over the pids', async () => {
  const pending: (() => void)[] = []
  const seen: number[] = []
  let inFlight = 0
  let most = 0
  const deliver = (seq: number) => {
    seen.push(seq)
    most = Math.max(most, ++inFlight)
    // Arrivals happen only when the window is full, or at the tail end.
    const d = deferred()
    pending.push(() => (inFlight--, d.resolve()))
    if (pending.length === 4 || seen.length >= 8) while (pending.length) pending.shift()!()
    return d.promise
  }
  const cpu = new Map([
    [10, 1],
    [11, 2],
  ])
  let reads = 0
  const fakeCpu = (pid: number) => cpu.get(pid)! + (reads++ >= 2 ? 0.5 : 0) // +0.5 s each after
  const f = await pipelined(deliver, 10, 4, [10, 11], 100, fakeCpu)
  assert.equal(f.count, 10)
  assert.equal(f.maxInFlight, 4)
  assert.equal(most, 4)
  assert.deepEqual(seen, [100, 101, 102, 103, 104, 105, 106, 107, 108, 109])
  assert.equal(f.cpuMicrosPerMessage, (1.0 * 1e6) / 10)
})

/** Resolves once `cond` holds, checking after each turn of the event loop. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r))
}

test('coalescing: a lone item leaves at once, items queued behind open requests share the next', async () => {
  const requests: { items: number[]; done(): void }[] = []
  const send = (items: number[]) =>
    new Promise<string[]>((resolve) =>
      requests.push({ items, done: () => resolve(items.map((i) => `r${i}`)) }),
    )
  const call = coalescing(send, 2, 3)
  const first = call(0)
  assert.deepEqual(
    requests.map((r) => r.items),
    [[0]],
  )
  const more = [1, 2, 3, 4, 5, 6].map((i) => call(i))
  // One more request could open: it takes item 1; the rest wait for a free request.
  assert.deepEqual(
    requests.map((r) => r.items),
    [[0], [1]],
  )
  requests[0]!.done()
  assert.equal(await first, 'r0')
  // A free request takes at most 3 of the queued items, in order.
  await until(() => requests.length === 3)
  assert.deepEqual(requests[2]!.items, [2, 3, 4])
  requests[1]!.done()
  await until(() => requests.length === 4)
  assert.deepEqual(requests[3]!.items, [5, 6])
  requests[2]!.done()
  requests[3]!.done()
  assert.deepEqual(await Promise.all(more), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'])
  // A failed request fails each of its items, and the next items still go.
  const failing = coalescing<number, number>(() => Promise.reject(new Error('down')), 1, 8)
  await assert.rejects(failing(1), /down/)
  await assert.rejects(failing(2), /down/)
})
