/**
 * The `sdmp demo` scenario: two people, each with one node and its own SQLite store, exchange
 * an end-to-end encrypted message and a receipt, with every step shown and checked by the
 * daemon's own ingest path (the runtime's `Ingestor`: validate, admit, store and journal), then
 * opened and the journals verified, in one process.
 * @module
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  generatePrekey,
  generateSigningKey,
  openResource,
  prekeyRecordOf,
  sealResource,
  selectPrekeys,
  signResource,
  SUITE_HYBRID,
  toBase64url,
  verifyJournal,
} from '@sdmp/core'
import type {
  DecodedResource,
  Prekey,
  PrekeyRecord,
  ResourceDraft,
  SigningKey,
  Verified,
} from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { Ingestor } from '@sdmp/node'
import type { Store } from '@sdmp/store'
import { SqliteStore } from '@sdmp/store-sqlite'

/** One step of the demo, as printed. */
export interface DemoStep {
  readonly step: string
  readonly detail: string
}

/** One participant: keys, trust, prekey, and a node with its own store and ingest pipeline. */
interface Person {
  name: string
  user: SigningKey
  node: SigningKey
  trust: DecodedResource
  prekey: Prekey
  prekeyRecord?: PrekeyRecord
  published: DecodedResource[]
  store: Store
  /** The node's ingest path, as in the daemon; it owns the node's trust graph. */
  ingestor: Ingestor
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
    const ingestor = new Ingestor({ provider, store, clock: () => now })
    ingestor.user = () => user.fingerprint
    const p: Person = {
      name,
      user,
      node,
      trust,
      prekey,
      published: [identity(user, 'user'), identity(node, 'node'), trust, prekeyResource],
      store,
      ingestor,
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
    const publics = [...alice.published, ...bob.published]
    for (const p of people) {
      const verified = await ingest(
        p,
        publics.map((r) => r.bytes),
      )
      // published[3] is each person's signed prekey; its record is what senders seal to.
      p.prekeyRecord = prekeyRecordOf(provider, verified[publics.indexOf(p.published[3]!)]!)
    }
    const connect = alice.ingestor.graph.mayConnect(
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
      ...alice.ingestor.graph.readersOf(bob.user.fingerprint, now),
      ...alice.ingestor.graph.readersOf(alice.user.fingerprint, now),
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
    await ingest(alice, [sealed.bytes])
    log(
      'send',
      `alice sealed a ${message.bytes.length}-byte message for ${keys.length} node keys: ${sealed.bytes.length}-byte encrypted resource ${sealed.id.slice(0, 12)}…`,
    )

    // Bob's node receives the bytes from Alice's node (handed over in-process here; daemons sync
    // them), checks them as coming from that peer, and opens them.
    const [received] = await ingest(bob, [(await alice.store.getResource(sealed.id))!], alice)
    const opened = openResource(provider, received!, [bob.prekey.secret], bob.ingestor.graph, {
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
    await ingest(bob, [sealedReceipt.bytes])
    const [receiptAtAlice] = await ingest(alice, [sealedReceipt.bytes], bob)
    const got = openResource(
      provider,
      receiptAtAlice!,
      [alice.prekey.secret],
      alice.ingestor.graph,
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

/**
 * Offer resources to a person's node through its Ingestor, the path every resource takes into a
 * daemon's node (from `from`'s node when given, else published locally). Every one must be newly
 * stored; returns their verified values, in order.
 */
async function ingest(p: Person, items: readonly Uint8Array[], from?: Person): Promise<Verified[]> {
  const appended = new Map<string, Verified>()
  const stop = p.ingestor.onAppended((lines) => {
    for (const l of lines) appended.set(l.resource.id, l.resource)
  })
  try {
    const outcomes = await p.ingestor.ingest(
      items,
      from === undefined ? {} : { source: from.node.fingerprint },
    )
    return outcomes.map((o) => {
      const v = o.id === undefined ? undefined : appended.get(o.id)
      if (o.status !== 'stored' || v === undefined)
        throw new Error(`${p.name}'s node did not store a resource: ${o.status} ${o.code ?? ''}`)
      return v
    })
  } finally {
    stop()
  }
}
