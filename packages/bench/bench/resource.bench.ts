/**
 * Resource benchmarks on the native provider (the daemon's path): sign, verify, identifier,
 * decode, full validation. Issue #2 target: validation >= 0.8x the raw native verify rate
 * measured in the same run (by crypto.bench.ts, "raw native Ed25519 verify (fastest)").
 * @module
 */
import { createNodeProvider } from '@sdmp/crypto-node'
import {
  TrustGraph,
  applyToTrustGraph,
  decodeResource,
  signResource,
  signingInputOf,
  signingKeyFromSeed,
  toBase64url,
  validateResource,
} from '@sdmp/core'
import type { DecodedResource, ResourceDraft, SigningKey } from '@sdmp/core'
import { measureRate } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import { rawVerifier } from './raw-verify.js'

const BASELINE = 'raw native Ed25519 verify (fastest)'
const SAME = 'raw sodium-native Ed25519 verify, same resources'

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const provider = createNodeProvider()
  const now = Date.now()
  const key = (n: number): SigningKey => signingKeyFromSeed(provider, new Uint8Array(32).fill(n))
  const user = key(1)
  const node = key(2)
  const s = (draft: ResourceDraft, k: SigningKey) =>
    signResource(provider, { created: now - 1000, ...draft }, [k])
  const identity = (k: SigningKey, type: 'user' | 'node') =>
    s(
      {
        kind: 'identity',
        user: k.fingerprint,
        data: { type, key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(k.publicKey) } },
      },
      k,
    )
  const graph = new TrustGraph()
  const trust = s(
    {
      kind: 'trust',
      user: user.fingerprint,
      data: { trustee: node.fingerprint, authorization: ['publish_resource'] },
    },
    user,
  )
  for (const r of [identity(user, 'user'), identity(node, 'node'), trust])
    applyToTrustGraph(graph, validateResource(provider, r.bytes, graph, { now }))

  // A typical small resource: a ~200-character post.
  const draft: ResourceDraft = {
    kind: 'post',
    user: user.fingerprint,
    trust: trust.id,
    data: { body: 'x'.repeat(200), type: 'text' },
  }
  const posts: DecodedResource[] = []
  for (let i = 0; i < 256; i++)
    posts.push(s({ ...draft, data: { body: `${i} ${'x'.repeat(200)}`, type: 'text' } }, node))
  const minMs = Math.max(200, 1500 * ctx.scale)
  let i = 0
  const next = () => posts[i++ & 255]!
  // Like-for-like baseline: raw libsodium verify over the very signing inputs validate checks.
  const rawVerify = rawVerifier(posts, node.publicKey)
  const inputs = posts.map((p) => signingInputOf(p.signatures[0]!, p.payload))
  const sigs = posts.map((p) => Uint8Array.from(p.signatures[0]!.signature))

  const results: BenchResult[] = []
  const add = (name: string, value: number, extra: Partial<BenchResult> = {}) =>
    results.push({ group: 'core', name, value, unit: 'ops/s', baseline: BASELINE, ...extra })
  ctx.log('resource: provider verify, identifier, decode, validate, sign')
  const rawRate = () => measureRate(rawVerify, { minMs })
  add(SAME, await rawRate())
  add(
    'provider Ed25519 verify (profile rule), same resources',
    await measureRate(
      () => {
        const k = i++ & 255
        provider.ed25519.verify(sigs[k]!, inputs[k]!, node.publicKey)
      },
      { minMs },
    ),
    { baseline: SAME },
  )
  add(
    'resource identifier (SHA-512 of payload)',
    await measureRate(() => provider.sha512(new TextEncoder().encode(next().payload)), { minMs }),
  )
  add(
    'decode a resource (parse, schema, identifier)',
    await measureRate(() => decodeResource(provider, next().bytes), { minMs }),
  )
  // Raw verify and validate alternate in short rounds and the ratio is the median of the
  // rounds' ratios: a ratio of two figures taken a second apart moved 0.59-1.11 on a busy
  // 2-core machine (docs/load.md §5 "Fifth pass"); rounds side by side see the same load.
  const rounds = 7
  const pairs: { raw: number; validate: number }[] = []
  for (let r = 0; r < rounds; r++) {
    const rawRound = await measureRate(rawVerify, { minMs: minMs / 2 })
    const validateRound = await measureRate(
      () => validateResource(provider, next().bytes, graph, { now }),
      { minMs: minMs / 2 },
    )
    pairs.push({ raw: rawRound, validate: validateRound })
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!
  const ratios = pairs.map((p) => p.validate / p.raw)
  add('validate a resource (full ingest check)', median(pairs.map((p) => p.validate)), {
    target: '>= 0.8x raw native verify of the same resources',
    baseline: SAME,
    ratio: median([...ratios]),
    targetRatio: 0.8,
    notes: `median of ${rounds} rounds, each raw libsodium verify of the same ~800-byte signing inputs then validate; ratio = median of the rounds' ratios (${ratios
      .map((x) => x.toFixed(2))
      .join(', ')}); raw verify median ${Math.round(median(pairs.map((p) => p.raw)))} ops/s`,
  })
  add(
    'sign a resource (build, canonicalize, sign)',
    await measureRate(() => signResource(provider, draft, [node]), { minMs }),
  )
  return results
}
