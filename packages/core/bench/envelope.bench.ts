/**
 * Seal and open rates of encrypted resources (hybrid suite) for 1, 3 and 10 recipients, on the
 * native preset when @sdmp/crypto-node is built, else on noble (docs/protocol/envelope.md §6);
 * and the same with session entries, plus the outer resource's size (sessions.md §8).
 * @module
 */
import { measureRate } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import {
  createNobleProvider,
  generateRecipientKeyPair,
  openEnvelope,
  openSessionEnvelope,
  recipientBucket,
  sealEnvelope,
  sealResource,
  sealSessionResource,
  selfEntryKey,
  signResource,
  signingKeyFromSeed,
} from '../src/index.js'
import type { CryptoProvider, PrekeyRecord, Session } from '../src/index.js'

/**
 * The fastest preset available. The specifier is a variable so core's project graph does not
 * depend on crypto-node (which depends on core): no circular project reference.
 */
async function fastestProvider(): Promise<CryptoProvider> {
  const specifier = '@sdmp/crypto-node'
  try {
    const mod = (await import(specifier)) as { createNodeProvider?: () => CryptoProvider }
    if (typeof mod.createNodeProvider === 'function') return mod.createNodeProvider()
  } catch {
    // fall through to noble; the notes say which preset ran
  }
  return createNobleProvider()
}

/** Seal and open rates for 1, 3 and 10 recipients. */
export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const provider = await fastestProvider()
  const minMs = Math.max(200, 1500 * ctx.scale)
  // A typical signed message resource is a few hundred bytes: one 4096-byte bucket.
  const inner = new Uint8Array(600).fill(0x61)
  const results: BenchResult[] = []
  for (const n of [1, 3, 10]) {
    const pairs = Array.from({ length: n }, () => generateRecipientKeyPair(provider))
    const entries = recipientBucket(n)
    ctx.log(`envelope: ${n} recipients (${entries} entries) on ${provider.name}`)
    const seal = await measureRate(() => sealEnvelope(provider, inner, pairs), { minMs, warmup: 5 })
    const sealed = sealEnvelope(provider, inner, pairs)
    const last = pairs[n - 1]!.secret
    const open = await measureRate(() => openEnvelope(provider, sealed, [last]), {
      minMs,
      warmup: 5,
    })
    const notes = `pq-kyber768-x25519 on the ${provider.name} preset, 600-byte inner (4096 bucket), ${entries} entries`
    results.push(
      { group: 'core', name: `seal (${n} recipients)`, value: seal, unit: 'ops/s', notes },
      {
        group: 'core',
        name: `open (${n} recipients)`,
        value: open,
        unit: 'ops/s',
        notes: `${notes}; one key, every entry tried (one ML-KEM decapsulation each)`,
      },
    )
  }
  results.push(...(await sessionRows(provider, minMs)))
  return results
}

/**
 * Sessions (docs/protocol/sessions.md §8): a 100-character text from Alice's node to Bob's two
 * reading nodes, with Alice's own node reading through its self entry. Bytes of the outer
 * resource (the signed JSON text a host stores and syncs) for the first message (two prekey
 * wraps) and a later one (session entries only), against sealing every node a prekey wrap; and
 * seal/open rates with session entries against prekey wraps.
 */
async function sessionRows(provider: CryptoProvider, minMs: number): Promise<BenchResult[]> {
  const key = (n: number) => signingKeyFromSeed(provider, new Uint8Array(32).fill(n))
  const [aliceUser, aliceNode, bobUser] = [key(1), key(2), key(3)]
  const bobNodes = ['B'.repeat(86), 'C'.repeat(86)]
  const trust = signResource(
    provider,
    {
      kind: 'trust',
      user: aliceUser.fingerprint,
      data: { trustee: aliceNode.fingerprint, authorization: ['publish_resource'] },
    },
    [aliceUser],
  )
  const inner = signResource(
    provider,
    {
      kind: 'message',
      user: aliceUser.fingerprint,
      trust: trust.id,
      data: { body: 'x'.repeat(100), type: 'text', to: [bobUser.fingerprint] },
    },
    [aliceNode],
  )
  const sender = { key: aliceNode, user: aliceUser.fingerprint, trust: trust.id }
  const readers = [bobUser.fingerprint, aliceUser.fingerprint]
  const own = generateRecipientKeyPair(provider)
  const bob = bobNodes.map((node) => ({ node, pair: generateRecipientKeyPair(provider) }))
  const prekeys = bob.map((b) => ({ node: b.node, publicKey: b.pair.publicKey }))
  const base = {
    self: aliceNode.fingerprint,
    now: 1_000,
    selfKey: selfEntryKey(provider, own.secret),
  }
  const first = sealSessionResource(provider, inner, { ...base, prekeys, sessions: [] }, sender, {
    readers,
  })
  let sessions: Session[] = first.sessions
  const later = sealSessionResource(provider, inner, { ...base, prekeys: [], sessions }, sender, {
    readers,
  })
  const asRecord = (node: string, publicKey: Uint8Array): PrekeyRecord => ({
    node,
    keyId: '',
    publicKey,
    created: 0,
    expires: 0,
  })
  const allWraps = sealResource(
    provider,
    inner,
    [...bob.map((b) => asRecord(b.node, b.pair.publicKey)), asRecord(base.self, own.publicKey)],
    sender,
    {
      readers,
    },
  )
  const bytes = (name: string, value: number, notes: string): BenchResult => ({
    group: 'core',
    name: `outer resource bytes, 100-character text to 2 reading nodes: ${name}`,
    value,
    unit: 'bytes',
    notes: `${notes}; signed inner ${inner.bytes.length} bytes`,
  })
  const results: BenchResult[] = [
    bytes(
      'first message (sessions)',
      first.outer.bytes.length,
      '2 prekey wraps + self entry, dummy',
    ),
    bytes(
      'later message (sessions)',
      later.outer.bytes.length,
      '2 session entries + self entry + dummy, no wrap',
    ),
    bytes('prekey wraps only', allWraps.bytes.length, '3 wraps (2 nodes + own) + dummy, profile 2'),
  ]

  const notes = `${provider.name} preset, ${inner.bytes.length}-byte signed inner`
  const sealLater = await measureRate(
    () => {
      const out = sealSessionResource(provider, inner, { ...base, prekeys: [], sessions }, sender)
      sessions = out.sessions
    },
    { minMs, warmup: 5 },
  )
  const sealFirst = await measureRate(
    () => sealSessionResource(provider, inner, { ...base, prekeys, sessions: [] }, sender),
    { minMs, warmup: 5 },
  )
  // The reader's side: Bob's first node, with the session the first message started (opening
  // is pure, so the same envelope opens again and again from the same state).
  const firstData = first.outer.raw
  const reader = { self: bobNodes[0]!, peer: aliceNode.fingerprint, now: 2_000 }
  const started = openSessionEnvelope(provider, firstData, {
    ...reader,
    secrets: [bob[0]!.pair.secret],
    sessions: [],
  }).session!
  const laterData = sealSessionResource(
    provider,
    inner,
    { ...base, prekeys: [], sessions: first.sessions },
    sender,
  ).outer.raw
  const openLater = await measureRate(
    () =>
      openSessionEnvelope(provider, laterData, {
        ...reader,
        secrets: [bob[0]!.pair.secret],
        sessions: [started],
      }),
    { minMs, warmup: 5 },
  )
  const openFirst = await measureRate(
    () =>
      openSessionEnvelope(provider, firstData, {
        ...reader,
        secrets: [bob[0]!.pair.secret],
        sessions: [],
      }),
    { minMs, warmup: 5 },
  )
  results.push(
    {
      group: 'core',
      name: 'seal with sessions, later message (2 session entries + self entry)',
      value: sealLater,
      unit: 'ops/s',
      notes: `${notes}; 4 session entries, no wrap, outer signed`,
    },
    {
      group: 'core',
      name: 'seal with sessions, first message (2 prekey wraps + self entry)',
      value: sealFirst,
      unit: 'ops/s',
      notes: `${notes}; 2 wraps, 2 session entries, outer signed; starts 2 sessions`,
    },
    {
      group: 'core',
      name: 'open a session entry (later message)',
      value: openLater,
      unit: 'ops/s',
      notes: `${notes}; one session and one prekey secret, 4 entries tried (header AEADs)`,
    },
    {
      group: 'core',
      name: 'open a prekey wrap and start a session (first message)',
      value: openFirst,
      unit: 'ops/s',
      notes: `${notes}; one prekey secret, 2 wraps tried (ML-KEM each), responder start`,
    },
  )
  return results
}
