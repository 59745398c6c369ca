/**
 * Valid samples the mutators start from (docs/fuzz.md §2): two users with one node each, signed
 * with the native provider from fixed seeds, their identities and trusts in a trust graph,
 * posts, a prekey, a sealed message, node control messages and a hash-chained journal.
 * Built once per process, on first use.
 * @module
 */
import {
  SIGNATURE_ALG,
  PROFILE_VERSION,
  TrustGraph,
  applyToTrustGraph,
  canonicalize,
  formatJournalLine,
  fromBase64url,
  generatePrekey,
  prekeyRecordOf,
  sealResource,
  signResource,
  signingKeyFromSeed,
  toBase64url,
  validateResource,
} from '@sdmp/core'
import type {
  CryptoProvider,
  DecodedResource,
  Prekey,
  ResourceDraft,
  SigningKey,
  Verified,
} from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { utf8 } from './mutate.js'

/** 2026-01-01T00:00:00.000Z: `created` of every sample; validation runs one second later. */
export const T0 = Date.UTC(2026, 0, 1)
const DAY = 86_400_000

/** A user with one node fully authorized by a trust. */
export interface Person {
  readonly user: SigningKey
  readonly node: SigningKey
  readonly userIdentity: DecodedResource
  readonly nodeIdentity: DecodedResource
  readonly trust: DecodedResource
}

/** Everything the targets mutate or check against. */
export interface World {
  readonly provider: CryptoProvider
  /** The validation time of the samples. */
  readonly now: number
  readonly alice: Person
  readonly bob: Person
  /** Holds both people and their mutual contact trusts. */
  readonly graph: TrustGraph
  /** Every valid sample resource, in an order that validates against `graph`. */
  readonly resources: readonly DecodedResource[]
  /** Bob's prekey (secret included) and the sealed message from Alice to Bob. */
  readonly bobPrekey: Prekey
  readonly sealed: Verified
  /** Node control messages signed by Alice's node (request_journal, response, ...). */
  readonly control: readonly DecodedResource[]
  /** A valid journal of Alice's node: fingerprint line, then one line per resource. */
  readonly journal: readonly string[]
}

/** Sign `draft` at T0 with `keys`. */
export function sign(provider: CryptoProvider, draft: ResourceDraft, ...keys: SigningKey[]) {
  return signResource(provider, { created: T0, ...draft }, keys)
}

/**
 * Wrap arbitrary inner bytes as a resource with valid signatures by `keys`, bypassing the
 * sender-side checks of signResource: mutated payloads then reach the receiver's schema, trust
 * and binding checks instead of failing at the signature (resource.md §3 wire form).
 */
export function signRaw(
  provider: CryptoProvider,
  inner: Uint8Array,
  keys: readonly SigningKey[],
): Uint8Array {
  const payload = toBase64url(inner)
  const identifier = toBase64url(provider.sha512(utf8(payload)))
  const signatures = keys.map((k) => {
    const protectedText = toBase64url(
      utf8(canonicalize({ alg: SIGNATURE_ALG, kid: k.fingerprint })),
    )
    const sig = provider.ed25519.sign(k.seed, utf8(`${protectedText}.${payload}`))
    return { protected: protectedText, signature: toBase64url(sig) }
  })
  return utf8(
    canonicalize({
      sdmp: { version: PROFILE_VERSION, schemas: ['signature'] },
      signature: { identifier, payload, signatures },
    }),
  )
}

/** The inner container text of a decoded resource (what its signature covers). */
export const innerText = (r: DecodedResource): string =>
  new TextDecoder().decode(fromBase64url(r.payload))

function makePerson(provider: CryptoProvider, seed: number): Person {
  const key = (n: number) => signingKeyFromSeed(provider, new Uint8Array(32).fill(n))
  const user = key(seed)
  const node = key(seed + 100)
  const identity = (k: SigningKey, type: 'user' | 'node') =>
    sign(
      provider,
      {
        kind: 'identity',
        user: k.fingerprint,
        data: { type, key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(k.publicKey) } },
      },
      k,
    )
  const trust = sign(
    provider,
    {
      kind: 'trust',
      user: user.fingerprint,
      data: {
        trustee: node.fingerprint,
        authorization: ['publish_resource', 'read_encrypted', 'read_resource'],
      },
    },
    user,
  )
  return {
    user,
    node,
    userIdentity: identity(user, 'user'),
    nodeIdentity: identity(node, 'node'),
    trust,
  }
}

let world: World | undefined

/** The shared sample world (deterministic keys; the sealed message uses fresh randomness). */
export function getWorld(): World {
  if (world) return world
  const provider = createNodeProvider()
  const now = T0 + 1000
  const graph = new TrustGraph()
  const feed = (r: DecodedResource): Verified => {
    const v = validateResource(provider, r.bytes, graph, { now })
    applyToTrustGraph(graph, v)
    return v
  }
  const alice = makePerson(provider, 1)
  const bob = makePerson(provider, 2)
  const resources: DecodedResource[] = []
  const add = (r: DecodedResource): Verified => {
    resources.push(r)
    return feed(r)
  }
  for (const p of [alice, bob]) for (const r of [p.userIdentity, p.nodeIdentity, p.trust]) add(r)
  const contact = (a: Person, b: Person) =>
    sign(
      provider,
      {
        kind: 'trust',
        user: a.user.fingerprint,
        data: { trustee: b.user.fingerprint, authorization: ['read_resource'] },
      },
      a.user,
    )
  add(contact(alice, bob))
  add(contact(bob, alice))
  const by = (p: Person, kind: ResourceDraft['kind'], data: ResourceDraft['data']) =>
    sign(provider, { kind, user: p.user.fingerprint, trust: p.trust.id, data }, p.node)
  add(by(alice, 'post', { body: 'hello from the fuzz world', type: 'text', subject: 'hi' }))
  add(by(bob, 'post', { body: '# markdown *post*', type: 'markdown' }))
  const bobPrekey = generatePrekey(provider, { created: T0, expires: T0 + 14 * DAY })
  const prekeyResource = by(bob, 'prekey', {
    suite: 'pq-kyber768-x25519',
    key: toBase64url(bobPrekey.publicKey),
    expires: new Date(bobPrekey.expires).toISOString(),
  })
  const record = prekeyRecordOf(provider, add(prekeyResource))
  const message = by(alice, 'message', {
    body: 'secret',
    type: 'text',
    to: [bob.user.fingerprint],
  })
  const outer = sealResource(provider, message, [record], {
    key: alice.node,
    user: alice.user.fingerprint,
    trust: alice.trust.id,
  })
  const sealed = add(outer)
  const journal = [alice.node.fingerprint]
  for (const r of resources)
    journal.push(formatJournalLine(journal.at(-1)!, r.header.user, r.id, provider.sha512))
  const control = [
    by(alice, 'request_journal', { identifier: 'r1', since: alice.node.fingerprint, limit: 10 }),
    by(alice, 'request_journal', { identifier: 'r2' }),
    by(alice, 'request_resource', { identifier: 'r3', resources: resources.map((r) => r.id) }),
    by(alice, 'response', { identifier: 'r4', status: 'ok', data: { entries: [], more: false } }),
    by(alice, 'broadcast', { since: journal[0]!, entries: journal.slice(1, 4) }),
  ]
  world = { provider, now, alice, bob, graph, resources, bobPrekey, sealed, control, journal }
  return world
}
