/**
 * The invalid cases of vectors/envelope.json: each starts from a valid envelope and changes one
 * thing; the expected code is what opening (and, for shape errors, decoding) must raise.
 * @module
 */
import { SUITE_BASELINE, SUITE_HYBRID, toBase64url, utf8 } from '../../src/index.js'
import type { CryptoProvider, EncryptedData, RecipientKeyPair } from '../../src/index.js'
import { sealPadded } from '../../src/envelope/envelope.js'
import { padPlaintext } from '../../src/envelope/padding.js'
import { INNER, seededRandom } from '../envelope-helpers.js'

/** One invalid case. */
export interface InvalidCase {
  name: string
  description: string
  encrypted: unknown
  openWith: string[]
  code: string
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const text = (s: string) => utf8(s)

/** Build the invalid cases from the valid ones (valid[0] hybrid, valid[5] baseline). */
export function buildInvalidCases(
  provider: CryptoProvider,
  valid: readonly { expected: EncryptedData }[],
  key: (name: string) => RecipientKeyPair,
): InvalidCase[] {
  // Invalid cases start from a valid envelope and change one thing.
  // Cryptographic cases start from hybrid-1-recipient; shape cases from the smaller
  // baseline-2-recipients (the shape rules are the same, the file stays smaller).
  const base = valid[0]!.expected as EncryptedData
  const baseOpen = ['alice-node']
  const small = valid[5]!.expected as EncryptedData
  const smallOpen = ['dave-node']
  const flip = (b64: string, at: number) => {
    const c = b64[at] === 'A' ? 'B' : 'A'
    return b64.slice(0, at) + c + b64.slice(at + 1)
  }
  const nonCanonical = (b64: string) => {
    const v = ALPHABET.indexOf(b64[b64.length - 1]!)
    return b64.slice(0, -1) + ALPHABET[v | 1]
  }
  const crafted = (name: string, mutate: (padded: Uint8Array) => Uint8Array) => {
    const padded = mutate(padPlaintext(text(INNER)))
    return sealPadded(
      provider,
      padded,
      [key('alice-node').publicKey],
      SUITE_HYBRID,
      seededRandom(provider, `sdmp envelope vector ${name}`),
    )
  }
  const invalid: InvalidCase[] = [
    {
      name: 'tampered-ciphertext',
      description: 'one ciphertext character changed',
      encrypted: { ...base, ciphertext: flip(base.ciphertext, 100) },
      openWith: baseOpen,
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'tampered-tag',
      description: 'last tag character changed',
      encrypted: { ...base, ciphertext: flip(base.ciphertext, base.ciphertext.length - 2) },
      openWith: baseOpen,
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'tampered-nonce',
      description: 'one nonce character changed',
      encrypted: { ...base, nonce: flip(base.nonce, 3) },
      openWith: baseOpen,
      code: 'DECRYPT_FAILED',
    },
    ...base.recipients.map((_, i) => ({
      name: `tampered-entry-${i}`,
      description: `entry ${i} changed: the AAD binds every entry, so nobody can open`,
      encrypted: {
        ...base,
        recipients: base.recipients.map((r, j) => (j === i ? flip(r, 700) : r)),
      },
      openWith: baseOpen,
      code: 'DECRYPT_FAILED',
    })),
    {
      name: 'entries-reordered',
      description: 'entries 0 and 1 swapped',
      encrypted: {
        ...base,
        recipients: [base.recipients[1], base.recipients[0], ...base.recipients.slice(2)],
      },
      openWith: baseOpen,
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'not-a-recipient',
      description: 'a key the envelope was not sealed to',
      encrypted: base,
      openWith: ['mallory-node', 'carol-node'],
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'wrong-suite-key',
      description: 'baseline keys cannot open a hybrid envelope',
      encrypted: base,
      openWith: ['dave-node'],
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'padding-nonzero',
      description: 'authentic plaintext whose last padding byte is 1',
      encrypted: crafted('padding-nonzero', (p) => ((p[p.length - 1] = 1), p)),
      openWith: baseOpen,
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'length-prefix-too-long',
      description: 'length prefix larger than the bucket',
      encrypted: crafted(
        'length-prefix-too-long',
        (p) => (new DataView(p.buffer).setUint32(0, p.length), p),
      ),
      openWith: baseOpen,
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'non-canonical-bucket',
      description: 'a short inner padded to 8192 instead of 4096',
      encrypted: crafted('non-canonical-bucket', (p) => {
        const q = new Uint8Array(8192)
        q.set(p)
        return q
      }),
      openWith: baseOpen,
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'unknown-suite',
      description: 'suite not in the profile',
      encrypted: { ...small, suite: 'pq-kyber1024-x448' },
      openWith: smallOpen,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'suite-swapped',
      description: 'baseline entries labelled hybrid: entry lengths no longer match',
      encrypted: { ...small, suite: SUITE_HYBRID },
      openWith: smallOpen,
      code: 'INVALID_ENCODING',
    },
    {
      name: 'extra-field',
      description: 'unknown field',
      encrypted: { ...small, sender: 'alice' },
      openWith: smallOpen,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'missing-nonce',
      description: 'nonce absent',
      encrypted: { suite: small.suite, ciphertext: small.ciphertext, recipients: small.recipients },
      openWith: smallOpen,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'nonce-wrong-length',
      description: '15-byte nonce',
      encrypted: { ...small, nonce: 'AAAAAAAAAAAAAAAAAAAA' },
      openWith: smallOpen,
      code: 'INVALID_ENCODING',
    },
    {
      name: 'nonce-standard-base64',
      description: "'+' is standard base64, not base64url",
      encrypted: { ...small, nonce: '+' + small.nonce.slice(1) },
      openWith: smallOpen,
      code: 'INVALID_ENCODING',
    },
    {
      name: 'ciphertext-non-canonical',
      description: 'nonzero unused trailing bits are not canonical base64url',
      encrypted: { ...small, ciphertext: nonCanonical(small.ciphertext) },
      openWith: smallOpen,
      code: 'INVALID_ENCODING',
    },
    {
      name: 'ciphertext-padded-base64',
      description: "'=' padding is not base64url",
      encrypted: { ...small, ciphertext: small.ciphertext + '=' },
      openWith: smallOpen,
      code: 'INVALID_ENCODING',
    },
    {
      name: 'ciphertext-not-a-bucket',
      description: 'ciphertext 2 bytes short of a bucket plus tag',
      encrypted: { ...small, ciphertext: small.ciphertext.slice(0, -3) },
      openWith: smallOpen,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'three-entries',
      description: 'entry count not a power of two',
      encrypted: { ...small, recipients: [...small.recipients, small.recipients[0]] },
      openWith: smallOpen,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'one-entry',
      description: 'a single entry would reveal a single recipient',
      encrypted: { ...small, recipients: small.recipients.slice(0, 1) },
      openWith: smallOpen,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'entry-wrong-length',
      description: 'an entry one character short',
      encrypted: {
        ...small,
        recipients: [small.recipients[0]!.slice(1), ...small.recipients.slice(1)],
      },
      openWith: smallOpen,
      code: 'INVALID_ENCODING',
    },
    {
      name: 'entry-not-string',
      description: 'an entry that is a number',
      encrypted: { ...small, recipients: [42, ...small.recipients.slice(1)] },
      openWith: smallOpen,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'recipients-not-array',
      description: 'recipients as an object',
      encrypted: { ...small, recipients: { 0: small.recipients[0] } },
      openWith: smallOpen,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'not-an-object',
      description: 'an array instead of an object',
      encrypted: [small],
      openWith: smallOpen,
      code: 'SCHEMA_VIOLATION',
    },
  ]
  return invalid
}

/**
 * The invalid cases of profile v2 (envelope.md §4.1, §5.2): the version member is bound in the
 * AAD (stripping or adding it fails), only `v: 2` and `v: 3` are versions, and the Padmé bucket is checked
 * by the decoder (shape) and, canonically, after opening. `v2small` is a v2 envelope with a
 * 256-byte bucket, `v2at4096` a v2 envelope whose bucket 4096 is also a v1 bucket, `v1small` a
 * v1 envelope; all baseline, opened by dave-node.
 */
export function buildInvalidV2Cases(
  provider: CryptoProvider,
  v2small: EncryptedData,
  v2at4096: EncryptedData,
  v1small: EncryptedData,
  key: (name: string) => RecipientKeyPair,
): InvalidCase[] {
  const open = ['dave-node']
  const strip = (e: EncryptedData) => {
    const { v: _v, ...rest } = e
    return rest
  }
  const crafted = (name: string, mutate: (padded: Uint8Array) => Uint8Array) =>
    sealPadded(
      provider,
      mutate(padPlaintext(text(INNER), 2)),
      [key('dave-node').publicKey],
      SUITE_BASELINE,
      seededRandom(provider, `sdmp envelope vector ${name}`),
      2,
    )
  return [
    {
      name: 'v2-version-stripped',
      description: 'a v2 envelope (bucket 4096, valid in v1 too) without its v member',
      encrypted: strip(v2at4096),
      openWith: open,
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'v1-version-added',
      description: 'a v1 envelope (bucket 4096, valid in v2 too) with v: 2 added',
      encrypted: { v: 2, ...v1small },
      openWith: open,
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'v2-version-stripped-small-bucket',
      description: 'a v2 envelope with a 256 bucket without its v member: not a v1 bucket',
      encrypted: strip(v2small),
      openWith: open,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'v2-relabelled-3',
      description:
        'a v2 envelope relabelled v: 3 (profile 3, compact.md §5): only the AAD tag tells them apart',
      encrypted: { ...v2small, v: 3 },
      openWith: open,
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'v2-version-4',
      description: 'v: 4 is not a version of this profile',
      encrypted: { ...v2small, v: 4 },
      openWith: open,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'v2-version-1',
      description: 'v: 1 is not a form (v1 envelopes have no v member)',
      encrypted: { ...v2small, v: 1 },
      openWith: open,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'v2-version-string',
      description: 'v: "2" (a string)',
      encrypted: { ...v2small, v: '2' },
      openWith: open,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'v2-ciphertext-not-a-bucket',
      description: '257 + 16 bytes of ciphertext: 257 is not a Padmé length',
      encrypted: { ...v2small, ciphertext: toBase64url(new Uint8Array(257 + 16)) },
      openWith: open,
      code: 'SCHEMA_VIOLATION',
    },
    {
      name: 'v2-non-canonical-bucket',
      description: 'a short inner padded to 272 (a Padmé length) instead of 256',
      encrypted: crafted('v2-non-canonical-bucket', (p) => {
        const q = new Uint8Array(272)
        q.set(p)
        return q
      }),
      openWith: open,
      code: 'DECRYPT_FAILED',
    },
    {
      name: 'v2-padding-nonzero',
      description: 'authentic v2 plaintext whose last padding byte is 1',
      encrypted: crafted('v2-padding-nonzero', (p) => ((p[p.length - 1] = 1), p)),
      openWith: open,
      code: 'DECRYPT_FAILED',
    },
  ]
}
