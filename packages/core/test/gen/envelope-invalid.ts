/**
 * The invalid cases of vectors/envelope.json: each starts from a valid envelope and changes one
 * thing; the expected code is what opening (and, for shape errors, decoding) must raise.
 * @module
 */
import { SUITE_HYBRID, utf8 } from '../../src/index.js'
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
