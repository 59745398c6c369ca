/**
 * Generator of vectors/envelope.json: deterministic envelopes (fixed key seeds, a SHA-512
 * counter-mode random source) with every intermediate, and invalid cases with their error code.
 * Run `node packages/core/dist/test/gen/envelope-vectors.js` after building to rewrite the file;
 * envelope-vectors.test.ts checks the committed file against this generator and every preset.
 * @module
 */
import { writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import {
  createNobleProvider,
  generateRecipientKeyPair,
  sealEnvelope,
  SUITE_BASELINE,
  SUITE_HYBRID,
  toHex,
  utf8,
} from '../../src/index.js'
import type { CryptoProvider, RecipientKeyPair, Suite } from '../../src/index.js'
import { enclosureAad } from '../../src/envelope/envelope.js'
import { decodeEnvelopeBytes } from '../../src/envelope/encrypted-data.js'
import { unwrapKey } from '../../src/envelope/wrap.js'
import { INNER, recording, seededRandom } from '../envelope-helpers.js'
import { buildInvalidCases, buildInvalidV2Cases } from './envelope-invalid.js'

/** Where the committed vectors live, relative to the repository root (the test cwd). */
export const ENVELOPE_VECTORS_PATH = 'vectors/envelope.json'

/** A vector key: its suite and seed; the pair is derived with generateRecipientKeyPair. */
export interface VectorKey {
  name: string
  suite: Suite
  seedHex: string
  publicKeyHex: string
}

const KEY_SPECS: [string, Suite][] = [
  ['alice-node', SUITE_HYBRID],
  ['alice-phone', SUITE_HYBRID],
  ['bob-node', SUITE_HYBRID],
  ['carol-node', SUITE_HYBRID],
  ['mallory-node', SUITE_HYBRID],
  ['dave-node', SUITE_BASELINE],
  ['erin-node', SUITE_BASELINE],
  ['frank-node', SUITE_BASELINE],
  ['grace-node', SUITE_BASELINE],
  ['heidi-node', SUITE_BASELINE],
]

/** The key pairs of the vectors, by name. */
export function vectorKeys(provider: CryptoProvider): Map<string, RecipientKeyPair & VectorKey> {
  const out = new Map<string, RecipientKeyPair & VectorKey>()
  for (const [name, suite] of KEY_SPECS) {
    const seed = seededRandom(
      provider,
      `sdmp envelope vector key ${name}`,
    )(suite === SUITE_HYBRID ? 96 : 32)
    const pair = generateRecipientKeyPair(provider, { suite, seed })
    out.set(name, {
      ...pair,
      name,
      suite,
      seedHex: toHex(seed),
      publicKeyHex: toHex(pair.publicKey),
    })
  }
  return out
}

interface ValidSpec {
  /** Envelope profile; absent in the file for v1 (the vectors written before v2). */
  version?: 2
  name: string
  description: string
  suite: Suite
  recipients: string[]
  inner: Uint8Array
}

const text = (s: string) => utf8(s)
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff)

const VALID: ValidSpec[] = [
  {
    name: 'hybrid-1-recipient',
    description: 'one recipient, padded to 2 entries',
    suite: SUITE_HYBRID,
    recipients: ['alice-node'],
    inner: text(INNER),
  },
  {
    name: 'hybrid-3-recipients',
    description: 'three recipients, padded to 4 entries',
    suite: SUITE_HYBRID,
    recipients: ['alice-node', 'alice-phone', 'bob-node'],
    inner: text(INNER),
  },
  {
    name: 'hybrid-2-recipients-empty-inner',
    description: 'empty inner: 4096-byte bucket, 2 entries, no dummy',
    suite: SUITE_HYBRID,
    recipients: ['bob-node', 'carol-node'],
    inner: new Uint8Array(0),
  },
  {
    name: 'hybrid-inner-fills-bucket',
    description: '4092-byte inner + 4-byte prefix fills the 4096 bucket exactly',
    suite: SUITE_HYBRID,
    recipients: ['alice-node', 'carol-node'],
    inner: pattern(4092),
  },
  {
    name: 'hybrid-inner-next-bucket',
    description: '4093-byte inner goes to the 8192 bucket',
    suite: SUITE_HYBRID,
    recipients: ['carol-node'],
    inner: pattern(4093),
  },
  {
    name: 'baseline-2-recipients',
    description: 'SEMP baseline suite, two recipients',
    suite: SUITE_BASELINE,
    recipients: ['dave-node', 'erin-node'],
    inner: text(INNER),
  },
  {
    name: 'baseline-5-recipients',
    description: 'SEMP baseline suite, five recipients padded to 8',
    suite: SUITE_BASELINE,
    recipients: ['dave-node', 'erin-node', 'frank-node', 'grace-node', 'heidi-node'],
    inner: text(INNER),
  },
  // Profile v2 (envelope.md §4.1): Padmé buckets from 256 bytes, AAD tag sdmp/enclosure/v2.
  {
    version: 2,
    name: 'v2-hybrid-1-recipient',
    description: 'v2: one recipient, padded to 2 entries, 256-byte bucket',
    suite: SUITE_HYBRID,
    recipients: ['alice-node'],
    inner: text(INNER),
  },
  {
    version: 2,
    name: 'v2-hybrid-chat-size',
    description: 'v2: a 1171-byte inner (a signed 100-character text) goes to the 1216 bucket',
    suite: SUITE_HYBRID,
    recipients: ['alice-node', 'bob-node'],
    inner: pattern(1171),
  },
  {
    version: 2,
    name: 'v2-baseline-empty-inner',
    description: 'v2: empty inner, 256-byte bucket',
    suite: SUITE_BASELINE,
    recipients: ['dave-node', 'erin-node'],
    inner: new Uint8Array(0),
  },
  {
    version: 2,
    name: 'v2-baseline-fills-256',
    description: 'v2: 252-byte inner + 4-byte prefix fills the 256 bucket exactly',
    suite: SUITE_BASELINE,
    recipients: ['dave-node'],
    inner: pattern(252),
  },
  {
    version: 2,
    name: 'v2-baseline-257',
    description: 'v2: 253-byte inner (257 unpadded) goes to the 272 bucket',
    suite: SUITE_BASELINE,
    recipients: ['dave-node', 'erin-node', 'frank-node'],
    inner: pattern(253),
  },
  {
    version: 2,
    name: 'v2-baseline-4096',
    description: 'v2: 4092-byte inner fills 4096, a Padmé length (and a v1 bucket)',
    suite: SUITE_BASELINE,
    recipients: ['dave-node'],
    inner: pattern(4092),
  },
]

/** Build the whole vector file as a JSON-ready object (deterministic for a given provider). */
export function buildEnvelopeVectors(provider: CryptoProvider = createNobleProvider()): unknown {
  const keys = vectorKeys(provider)
  const key = (n: string) => keys.get(n)!
  const valid = VALID.map((spec) => {
    const randomSeed = `sdmp envelope vector ${spec.name}`
    const rec = recording(seededRandom(provider, randomSeed))
    const encrypted = sealEnvelope(
      provider,
      spec.inner,
      spec.recipients.map((n) => key(n)),
      { suite: spec.suite, random: rec.random, version: spec.version ?? 1 },
    )
    const bytes = decodeEnvelopeBytes(encrypted)
    const entries = bytes.recipients.map((w) => {
      const owner = spec.recipients.find((n) => unwrapKey(provider, key(n).secret, w))
      return owner ?? 'dummy'
    })
    return {
      ...(spec.version !== undefined && { version: spec.version }),
      name: spec.name,
      description: spec.description,
      suite: spec.suite,
      recipients: spec.recipients,
      innerHex: toHex(spec.inner),
      randomSeed,
      intermediates: {
        draws: rec.draws.map((d) => toHex(d)),
        contentKeyHex: toHex(rec.draws[0]!),
        nonceHex: toHex(bytes.nonce),
        paddedLength: bytes.ciphertext.length - 16,
        aadHex: toHex(enclosureAad(provider, spec.suite, bytes.recipients, bytes.version)),
        entries,
      },
      expected: encrypted,
    }
  })

  const byName = (n: string) => valid.find((v) => v.name === n)!.expected
  const invalid = [
    ...buildInvalidCases(provider, valid, key),
    ...buildInvalidV2Cases(
      provider,
      byName('v2-baseline-empty-inner'),
      byName('v2-baseline-4096'),
      byName('baseline-2-recipients'),
      key,
    ),
  ]

  return {
    description:
      'sdmp envelope vectors (docs/protocol/envelope.md). Keys: generateRecipientKeyPair(suite, seed); hybrid seed = ML-KEM-768 d||z (64) || X25519 secret (32). Valid vectors without a version member are profile v1 (4096 floor, sdmp/enclosure/v1); version 2 is Padme padding from 256 bytes with the AAD tag sdmp/enclosure/v2 and the member v: 2. Random draws come from the stream block_i = SHA-512(UTF-8(randomSeed) || u32be(i)), taken in order: content key (32); per recipient in input order [hybrid: ML-KEM message (32), ephemeral X25519 secret (32) | baseline: ephemeral X25519 secret (32)]; if dummies are needed: throwaway key seed (96 | 32), then per dummy: dummy key (32) and the wrap draws; shuffle: Fisher-Yates from the last index down, each index from a u32be draw (4) with rejection sampling; nonce (12). Invalid cases: opening with openWith keys (or decoding) must fail with code; DECRYPT_FAILED always has the message "decryption failed".',
    version: 1,
    keys: [...keys.values()].map((k) => ({
      name: k.name,
      suite: k.suite,
      seedHex: k.seedHex,
      publicKeyHex: k.publicKeyHex,
    })),
    valid,
    invalid,
  }
}

/** The exact text of vectors/envelope.json. */
export function envelopeVectorsText(provider?: CryptoProvider): string {
  return JSON.stringify(buildEnvelopeVectors(provider), null, 2) + '\n'
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(ENVELOPE_VECTORS_PATH, envelopeVectorsText())
  console.log(`wrote ${ENVELOPE_VECTORS_PATH}`)
}
