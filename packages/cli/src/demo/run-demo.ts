/**
 * The `sdmp demo` scenario: two people, each with one node and its own SQLite store, exchange
 * an end-to-end encrypted message and a receipt, with every step shown and checked the way the
 * daemon checks it (validate, store and journal, open, verify the journal), in one process.
 * @module
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  TrustGraph,
  applyToTrustGraph,
  generatePrekey,
  generateSigningKey,
  openResource,
  prekeyRecordOf,
  sealResource,
  selectPrekeys,
  signResource,
  SUITE_HYBRID,
  toBase64url,
  validateResource,
  verifyJournal,
} from '@sdmp/core'
import type {
  CryptoProvider,
  DecodedResource,
  Prekey,
  PrekeyRecord,
  ResourceDraft,
  SigningKey,
  Verified,
} from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import type { Store } from '@sdmp/store'
import { SqliteStore } from '@sdmp/store-sqlite'

/** One step of the demo, as printed. */
export interface DemoStep {
  readonly step: string
  readonly detail: string
}

/** One participant: keys, trust, prekey, and a node with its own store and trust graph. */
interface Person {
  name: string
  user: SigningKey
  node: SigningKey
  trust: DecodedResource
  prekey: Prekey
  prekeyRecord?: PrekeyRecord
  published: DecodedResource[]
  store: Store
  graph: TrustGraph
}

const DAY = 86_400_000

/** Run the scenario in `dir` (a fresh temporary directory when omitted). */
export async function runDemo(
  dir?: string,
): Promise<{ dir: string; steps: DemoStep[]; message: string; journals: Record<string, number> }> {
  const provider = createNodeProvider()
  const base = dir ?? mkdtempSync(join(tmpdir(), 'sdmp-demo-'))
  const now = Date.now()
  const steps: DemoStep[] = []
  const log = (step: string, detail: string) => steps.push({ step, detail })
  const sign = (draft: ResourceDraft, key: SigningKey) =>
    signResource(provider, { created: now, ...draft }, [key])

  const people: Person[] = []
  for (const name of ['alice', 'bob']) {
    const user = generateSigningKey(provider)
    const node = generateSigningKey(provider)
    const identity = (k: SigningKey, type: 'user' | 'node') =>
      sign(
        {
          kind: 'identity',
          user: k.fingerprint,
          data: {
            type,
            key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(k.publicKey) },
            name: `${name}${type === 'node' ? "'s laptop" : ''}`,
          },
        },
        k,
      )
    const trust = sign(
      {
        kind: 'trust',
        user: user.fingerprint,
        data: {
          trustee: node.fingerprint,
          authorization: ['publish_resource', 'read_encrypted', 'read_resource', 'revoke'],
        },
      },
      user,
    )
    const prekey = generatePrekey(provider, { created: now, expires: now + 14 * DAY })
    const prekeyResource = sign(
      {
        kind: 'prekey',
        user: user.fingerprint,
        trust: trust.id,
        data: {
          suite: SUITE_HYBRID,
          key: toBase64url(prekey.publicKey),
          expires: new Date(prekey.expires).toISOString(),
        },
      },
      node,
    )
    const store = new SqliteStore({ dir: join(base, name), sha512: provider.sha512 })
    await store.open()
    await store.initJournal(node.fingerprint)
    const p: Person = {
      name,
      user,
      node,
      trust,
      prekey,
      published: [identity(user, 'user'), identity(node, 'node'), trust, prekeyResource],
      store,
      graph: new TrustGraph(),
    }
    people.push(p)
    log(
      'identity',
      `${name}: user ${user.fingerprint.slice(0, 12)}…, node ${node.fingerprint.slice(0, 12)}…, store ${join(base, name)}`,
    )
  }
  const [alice, bob] = people as [Person, Person]
  try {
    // Contacts: each user trusts the other (in the product this travels in an invite).
    for (const [a, b] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      a.published.push(
        sign(
          {
            kind: 'trust',
            user: a.user.fingerprint,
            data: { trustee: b.user.fingerprint, authorization: ['read_resource'] },
          },
          a.user,
        ),
      )
    }
    // Each node validates, stores and journals its own and its contact's public resources.
    for (const p of people) {
      for (const r of [...alice.published, ...bob.published])
        await ingest(provider, p, r.bytes, now)
    }
    // published[3] is each person's signed prekey; its record is what senders seal to.
    for (const p of people)
      p.prekeyRecord = prekeyRecordOf(
        provider,
        validateResource(provider, p.published[3]!.bytes, p.graph, { now }),
      )
    const connect = alice.graph.mayConnect(
      { node: alice.node.fingerprint, user: alice.user.fingerprint },
      { node: bob.node.fingerprint, user: bob.user.fingerprint },
      now,
    )
    log(
      'trust',
      `identities, device trusts, prekeys and contact trusts verified and journaled on both nodes; may connect: ${connect.ok}`,
    )

    // Alice writes to Bob: sign the message, seal it to Bob's node and her own, publish.
    const text = 'Hello Bob: this is end-to-end encrypted, post-quantum hybrid, and journaled.'
    const message = sign(
      {
        kind: 'message',
        user: alice.user.fingerprint,
        trust: alice.trust.id,
        data: { body: text, type: 'text', to: [bob.user.fingerprint], subject: 'hi' },
      },
      alice.node,
    )
    const readers = [
      ...alice.graph.readersOf(bob.user.fingerprint, now),
      ...alice.graph.readersOf(alice.user.fingerprint, now),
    ]
    const keys = selectPrekeys(
      [alice.prekeyRecord!, bob.prekeyRecord!].filter((r) => readers.includes(r.node)),
      now,
    )
    const sealed = sealResource(provider, message, keys, {
      key: alice.node,
      user: alice.user.fingerprint,
      trust: alice.trust.id,
    })
    await ingest(provider, alice, sealed.bytes, now)
    log(
      'send',
      `alice sealed a ${message.bytes.length}-byte message for ${keys.length} node keys: ${sealed.bytes.length}-byte encrypted resource ${sealed.id.slice(0, 12)}…`,
    )

    // Bob's node receives the bytes (handed over in-process here; daemons sync them), checks
    // and opens them.
    const received = await ingest(provider, bob, (await alice.store.getResource(sealed.id))!, now)
    const opened = openResource(provider, received, [bob.prekey.secret], bob.graph, {
      now,
      reader: bob.user.fingerprint,
    })
    const body = (opened.data as { body: string }).body
    log('receive', `bob's node verified, stored and opened it: "${body}"`)

    // Bob's node answers with a sealed delivery receipt.
    const receipt = sign(
      {
        kind: 'receipt',
        user: bob.user.fingerprint,
        trust: bob.trust.id,
        data: { resources: [message.id], status: 'delivered' },
      },
      bob.node,
    )
    const sealedReceipt = sealResource(
      provider,
      receipt,
      selectPrekeys([alice.prekeyRecord!, bob.prekeyRecord!], now),
      { key: bob.node, user: bob.user.fingerprint, trust: bob.trust.id },
    )
    await ingest(provider, bob, sealedReceipt.bytes, now)
    const got = openResource(
      provider,
      await ingest(provider, alice, sealedReceipt.bytes, now),
      [alice.prekey.secret],
      alice.graph,
      { now },
    )
    log('receipt', `alice's node opened bob's receipt: ${(got.data as { status: string }).status}`)

    const journals: Record<string, number> = {}
    for (const p of people) {
      const lines = (await p.store.readJournal(0, 1_000_000)).map((r) => r.line)
      const check = verifyJournal(lines, provider.sha512)
      if (!check.ok) throw new Error(`${p.name}'s journal does not verify: ${check.reason}`)
      journals[p.name] = lines.length
      log('journal', `${p.name}'s journal: ${lines.length} lines, hash chain verified`)
    }
    return { dir: base, steps, message: body, journals }
  } finally {
    for (const p of people) await p.store.close()
  }
}

/** Validate, store and journal one resource on a person's node; feed the trust graph. */
async function ingest(
  provider: CryptoProvider,
  p: Person,
  bytes: Uint8Array,
  now: number,
): Promise<Verified> {
  const v = validateResource(provider, bytes, p.graph, { now })
  await p.store.putResources([
    { id: v.id, user: v.header.user, kind: v.kind, created: v.created, bytes: v.bytes },
  ])
  applyToTrustGraph(p.graph, v)
  return v
}
