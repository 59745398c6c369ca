/**
 * Group `wire` (issue 14 item 2, docs/protocol/compact.md §8): the bytes of a 100-character
 * text from Alice's node to Bob (one contact) with two reading nodes, Alice's own node reading
 * through its self entry, the way the daemon seals it (sessions, profile 3, routing tags):
 * the signed resource's parts, the RESOURCE_COMPACT frame on the wire, and a real SQLite store's
 * growth per message at rest. Target: <= 1,536 bytes on the wire and in the store, in steady
 * state (sessions established). The first message (two prekey wraps) is reported beside it.
 * @module
 */
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNodeProvider } from '@sdmp/crypto-node'
import {
  decodeCompactResource,
  encodeCompactResource,
  formatJournalLine,
  fromBase64url,
  generateRecipientKeyPair,
  makeRoutes,
  sealSessionEnvelope,
  sealSessionResource,
  selfEntryKey,
  signResource,
  signingKeyFromSeed,
} from '@sdmp/core'
import type {
  CryptoProvider,
  DecodedResource,
  EncryptedData,
  JsonObject,
  Session,
  SigningKey,
} from '@sdmp/core'
import { SqliteStore } from '@sdmp/store-sqlite'
import type { BenchContext, BenchResult } from '@sdmp/testkit'

const GROUP = 'wire'
const TARGET = '<= 1,536 B'
const LIMIT = 1536

/** Alice's node, her user and trust, Bob's user, and a sealer of Alice's messages to Bob. */
function scene(provider: CryptoProvider) {
  const key = (n: number): SigningKey => signingKeyFromSeed(provider, new Uint8Array(32).fill(n))
  const [aliceUser, aliceNode, bobUser] = [key(1), key(2), key(3)]
  const trust = signResource(
    provider,
    {
      kind: 'trust',
      user: aliceUser.fingerprint,
      data: { trustee: aliceNode.fingerprint, authorization: ['publish_resource'] },
    },
    [aliceUser],
  )
  const sender = { key: aliceNode, user: aliceUser.fingerprint, trust: trust.id }
  const readers = [bobUser.fingerprint, aliceUser.fingerprint]
  const message = (i: number) =>
    signResource(
      provider,
      {
        kind: 'message',
        user: aliceUser.fingerprint,
        trust: trust.id,
        data: { body: `${i} `.padEnd(100, 'x'), type: 'text', to: [bobUser.fingerprint] },
      },
      [aliceNode],
    )
  const own = generateRecipientKeyPair(provider)
  const bobNodes = [key(4), key(5)].map((k) => ({
    node: k.fingerprint,
    pair: generateRecipientKeyPair(provider),
  }))
  const base = {
    self: aliceNode.fingerprint,
    now: Date.now(),
    selfKey: selfEntryKey(provider, own.secret),
  }
  const prekeys = bobNodes.map((b) => ({ node: b.node, publicKey: b.pair.publicKey }))
  return { aliceNode, aliceUser, trust, sender, readers, message, base, prekeys }
}

/** Byte breakdown of one outer resource in the compact form (compact.md §8 table). */
function breakdown(outer: DecodedResource, compact: Uint8Array): string {
  const d = outer.data as unknown as EncryptedData
  const n = (list: readonly string[] | undefined) =>
    (list ?? []).reduce((s, x) => s + fromBase64url(x).length, 0)
  const ct = fromBase64url(d.ciphertext).length
  const sessions = n(d.sessions)
  const wraps = n(d.recipients)
  const routes = n(d.routes)
  const rest = compact.length - ct - sessions - wraps - routes - 12
  return (
    `ciphertext ${ct} (compact inner, Padmé bucket + 16 tag), ` +
    `${d.sessions?.length ?? 0} session entries ${sessions}, ${d.recipients.length} prekey wraps ${wraps}, ` +
    `${d.routes?.length ?? 0} routing tags ${routes}, nonce 12, ` +
    `signature + signer + user + trust + created + structure ${rest}`
  )
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const provider = createNodeProvider()
  const s = scene(provider)
  const inner = s.message(0)
  const first = sealSessionResource(
    provider,
    inner,
    { ...s.base, prekeys: s.prekeys, sessions: [] },
    s.sender,
    { readers: s.readers },
  )
  let sessions: Session[] = first.sessions
  const seal = (i: number) => {
    const out = sealSessionResource(
      provider,
      s.message(i),
      { ...s.base, prekeys: [], sessions },
      s.sender,
      { readers: s.readers },
    )
    sessions = out.sessions
    return out.outer
  }
  const later = seal(1)
  const compactOf = (r: DecodedResource) => encodeCompactResource(provider, r.bytes)
  const [firstC, laterC] = [compactOf(first.outer), compactOf(later)]

  // Profile 2 (before the compact form): the JSON text as it was stored and framed.
  const v2 = sealSessionEnvelope(provider, inner.bytes, {
    ...s.base,
    prekeys: [],
    sessions,
    version: 2,
  }).data
  const v2Outer = signResource(
    provider,
    {
      kind: 'encrypted',
      user: s.aliceUser.fingerprint,
      trust: s.trust.id,
      data: {
        ...v2,
        routes: makeRoutes(provider, fromBase64url(v2.nonce), [s.readers[0]!]),
      } as unknown as JsonObject,
    },
    [s.aliceNode],
  )

  // The broadcast that follows a pushed resource (sync.md §8.3), one line, still JSON.
  const line = formatJournalLine(
    `${'A'.repeat(86)}@${s.aliceUser.fingerprint}/${'B'.repeat(86)}`,
    s.aliceUser.fingerprint,
    later.id,
    provider.sha512,
  )
  const broadcast = signResource(
    provider,
    {
      kind: 'broadcast',
      user: s.aliceUser.fingerprint,
      trust: s.trust.id,
      data: { since: 'A'.repeat(86), entries: [line] },
    },
    [s.aliceNode],
  )

  const stored = await storeGrowth(
    ctx,
    provider,
    seal,
    s.aliceNode.fingerprint,
    s.aliceUser.fingerprint,
  )
  const receive = await receiveCost(ctx, provider, seal, s.aliceNode.fingerprint)
  const innerC = encodeCompactResource(provider, inner.bytes)
  const notes =
    `a 100-character text to 1 contact with 2 reading nodes + the sender's self entry, ` +
    `sessions, profile 3 + routing tags; signed inner ${inner.bytes.length} B JSON, ` +
    `${innerC.length} B compact`
  const row = (name: string, value: number, more: string, target = true): BenchResult => ({
    group: GROUP,
    name,
    value,
    unit: 'bytes',
    lowerIsBetter: true,
    ...(target && { target: TARGET, met: value <= LIMIT }),
    notes: `${notes}; ${more}`,
  })
  return [
    row(
      'short message on the wire, steady state (RESOURCE_COMPACT frame)',
      laterC.length + 1,
      `${breakdown(later, laterC)}; JSON text ${later.bytes.length} B; ` +
        `profile 2 before the compact form: ${v2Outer.bytes.length} B; ` +
        `not counted: the secure channel's frame overhead and the broadcast of the line ` +
        `(${encodeCompactResource(provider, broadcast.bytes).length} B in a CONTROL_COMPACT frame, ` +
        `${broadcast.bytes.length} B as JSON; one per push, shared by all its lines)`,
    ),
    row(
      'short message in the store, steady state (stored resource bytes, SQLite)',
      stored.rowBytes,
      `the resources.bytes column per message (Store.usageOf over ${stored.messages} messages ` +
        `put in a real SqliteStore): the compact form at rest (compact.md §6)`,
    ),
    row(
      'short message in the store, steady state (SQLite file growth per message)',
      stored.perMessage,
      `${stored.messages} messages put in a fresh SQLite store, store.db + WAL growth after close: ` +
        `the bytes column plus the row's id and line id as 64-byte blobs, the user as a row ` +
        `number, kind, created, and four small index entries (schema version 4); 8 KiB pages ` +
        `hold five such rows (4 KiB pages held two: 2,124 B; docs/store.md §3 "Bytes at rest")`,
      false,
    ),
    row(
      'short message on the wire, first message (2 prekey wraps)',
      firstC.length + 1,
      `${breakdown(first.outer, firstC)}; JSON text ${first.outer.bytes.length} B; ` +
        `each reading node without a session costs a 1,168-byte hybrid wrap (envelope.md §3)`,
      false,
    ),
    ...receiveRows(receive),
    row(
      'short message JSON text, steady state (profile 2 before the compact form)',
      v2Outer.bytes.length,
      'the outer resource as it was framed and stored before compact.md (base64url in JSON)',
      false,
    ),
  ]
}

/** Put `n` sealed messages into a fresh SQLite store; file growth per message after close. */
async function storeGrowth(
  ctx: BenchContext,
  provider: CryptoProvider,
  seal: (i: number) => DecodedResource,
  node: string,
  user: string,
): Promise<{ perMessage: number; messages: number; rowBytes: number }> {
  const n = Math.max(200, Math.round(2000 * ctx.scale))
  const dir = mkdtempSync(join(tmpdir(), 'sdmp-wire-'))
  const size = () =>
    readdirSync(dir)
      .filter((f) => f.startsWith('store.db'))
      .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0)
  try {
    const store = new SqliteStore({ dir, sha512: provider.sha512 })
    await store.open()
    await store.initJournal(node)
    // Warm: the first pages of every table and index exist before measuring.
    const put = async (from: number, count: number) => {
      const items = Array.from({ length: count }, (_, k) => {
        const r = seal(from + k)
        return { id: r.id, user: r.header.user, kind: r.kind, created: r.created, bytes: r.bytes }
      })
      for (let k = 0; k < items.length; k += 100) await store.putResources(items.slice(k, k + 100))
    }
    await put(10_000, 100)
    await store.close()
    const before = size()
    const again = new SqliteStore({ dir, sha512: provider.sha512 })
    await again.open()
    const measured = again
    const putMore = async () => {
      for (let k = 0; k < n; k += 100) {
        const items = Array.from({ length: Math.min(100, n - k) }, (_, j) => {
          const r = seal(20_000 + k + j)
          return { id: r.id, user: r.header.user, kind: r.kind, created: r.created, bytes: r.bytes }
        })
        await measured.putResources(items)
      }
    }
    await putMore()
    // usageOf sums the `bytes` column of the sender's rows (all of them sealed messages here).
    const usage = await measured.usageOf(user)
    await measured.close()
    return { perMessage: (size() - before) / n, messages: n, rowBytes: usage.bytes / usage.count }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** CPU per message of the receiver's store step, with and without the frame's compact bytes. */
interface ReceiveCost {
  readonly messages: number
  /** Decode the frame and put the JSON text: the store encodes it again (before). */
  readonly encodeAgainUs: number
  /** Decode the frame and put it with its compact bytes (IngestItem.compact, after). */
  readonly asReceivedUs: number
  /** `encodeCompactResource` of the JSON text alone: the work saved. */
  readonly encodeUs: number
}

/**
 * What storing a received RESOURCE_COMPACT frame costs the receiver (compact.md §6, §8): the
 * frame is decoded to its JSON text in both modes (validation needs it; not measured apart),
 * then put into a fresh SQLite store in batches of 100 either without the compact bytes (the
 * store encodes the JSON again, as before) or with them (IngestItem.compact, as ingest now does).
 * CPU time of the process (user + system), so fsync waits do not count.
 */
async function receiveCost(
  ctx: BenchContext,
  provider: CryptoProvider,
  seal: (i: number) => DecodedResource,
  node: string,
): Promise<ReceiveCost> {
  const n = Math.max(200, Math.round(2000 * ctx.scale))
  const frames = Array.from({ length: n }, (_, i) => {
    const r = seal(40_000 + i)
    return { r, compact: encodeCompactResource(provider, r.bytes) }
  })
  const cpuUs = (u: NodeJS.CpuUsage) => u.user + u.system
  const mode = async (withCompact: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'sdmp-wire-rx-'))
    try {
      const store = new SqliteStore({ dir, sha512: provider.sha512 })
      await store.open()
      await store.initJournal(node)
      const start = process.cpuUsage()
      for (let k = 0; k < n; k += 100) {
        const items = frames.slice(k, k + 100).map(({ r, compact }) => ({
          id: r.id,
          user: r.header.user,
          kind: r.kind,
          created: r.created,
          bytes: decodeCompactResource(provider, compact),
          ...(withCompact && { compact }),
        }))
        await store.putResources(items)
      }
      const used = cpuUs(process.cpuUsage(start)) / n
      await store.close()
      return used
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  // A warm-up of each mode, then before/after/after/before twice, so that neither the JIT
  // nor a busy neighbour favours one mode; each run is a fresh store.
  await mode(false)
  await mode(true)
  const runs: Record<'before' | 'after', number[]> = { before: [], after: [] }
  for (const withCompact of [false, true, true, false, false, true, true, false])
    runs[withCompact ? 'after' : 'before'].push(await mode(withCompact))
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length
  const [encodeAgainUs, asReceivedUs] = [mean(runs.before), mean(runs.after)]
  const start = process.cpuUsage()
  for (const { r } of frames) encodeCompactResource(provider, r.bytes)
  const encodeUs = cpuUs(process.cpuUsage(start)) / frames.length
  return { messages: n, encodeAgainUs, asReceivedUs, encodeUs }
}

function receiveRows(c: ReceiveCost): BenchResult[] {
  const common = {
    group: GROUP,
    unit: 'us',
    lowerIsBetter: true,
    notes:
      `CPU per received steady-state message: decode the RESOURCE_COMPACT frame, then ` +
      `SqliteStore.putResources in batches of 100, ${c.messages} messages, fresh store, each ` +
      `four runs of each mode interleaved after a warm-up; the compact encoding alone costs ${c.encodeUs.toFixed(0)} us`,
  }
  return [
    {
      ...common,
      name: 'receiver CPU per message, frame stored by encoding the JSON again (before)',
      value: Math.round(c.encodeAgainUs),
    },
    {
      ...common,
      name: 'receiver CPU per message, frame stored as received (IngestItem.compact)',
      value: Math.round(c.asReceivedUs),
      baseline: 'receiver CPU per message, frame stored by encoding the JSON again (before)',
    },
  ]
}
