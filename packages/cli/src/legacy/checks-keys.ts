/**
 * Key checks: the reading-A fingerprints of Bob's and the node's keys against every place the
 * example files use them, the reading-B fingerprint of sdmp-example-keys, and that each key
 * pair's files belong together. docs/legacy.md §keys.
 * @module
 */
import { failCheck, stringAt } from './check.js'
import type { CheckSpec, VectorFiles } from './check.js'
import {
  EXAMPLE_KEYS,
  fingerprintReadingA,
  fingerprintReadingB,
  pemBody,
  privateKeyOf,
  publicKeyOf,
  short,
} from './legacy-crypto.js'
import { journalLines } from './journal-lines.js'
import { createPublicKey } from 'node:crypto'
import { parsePrivateKey, parsePublicKey } from './rsa.js'

/** A place where an example file names a key by its fingerprint. */
interface FingerprintUse {
  readonly where: string
  get(files: VectorFiles): string
}

const jsonField = (file: string, path: string): FingerprintUse => ({
  where: `${file} ${path}`,
  get: (f) => stringAt(f.json(file), path, file),
})

/** Line 1 of a journal is the node fingerprint; a later line's fingerprint follows the `@`. */
const journalField = (file: string, line: number): FingerprintUse => ({
  where: `${file} line ${line}`,
  get: (f) => {
    const text = journalLines(f, file)[line - 1] ?? failCheck(`${file}: has no line ${line}`)
    return line === 1
      ? text
      : (/@([^/]*)\//.exec(text)?.[1] ?? failCheck(`${file} line ${line}: no fingerprint`))
  },
})

const USES: Readonly<Record<'bob' | 'node', readonly FingerprintUse[]>> = {
  bob: [
    jsonField('bob-identity-protected.json', 'kid'),
    journalField('journal-user-identity.txt', 2),
  ],
  node: [
    jsonField('node-identity-protected.json', 'kid'),
    jsonField('node-protected-header.json', 'kid'),
    jsonField('trust-container.json', 'trust.trustee'),
    jsonField('resource-user-published.json', 'resource.user'),
    journalField('journal-start.txt', 1),
  ],
}

function fingerprintCheck(label: 'bob' | 'node'): CheckSpec {
  const file = `${label}-public.sdmp`
  return {
    name: `fingerprint ${label} (reading A)`,
    file,
    run(f) {
      const fp = fingerprintReadingA(f.text(file))
      for (const use of USES[label]) {
        const seen = use.get(f)
        if (seen !== fp)
          failCheck(`${use.where} is ${short(seen)}, SHA-512 of ${file} is ${short(fp)}`)
      }
    },
  }
}

const exampleKeysFingerprint: CheckSpec = {
  name: 'fingerprint example-keys (reading B)',
  file: 'example-keys.json',
  run(f) {
    const doc = f.json('example-keys.json')
    const pem = stringAt(doc, 'publicKey', 'example-keys.json')
    const expected = stringAt(doc, 'keyFingerprint', 'example-keys.json')
    const fp = fingerprintReadingB(pem)
    if (fp !== expected)
      failCheck(
        `keyFingerprint is ${short(expected)}, SHA-512 of the JSON-escaped PEM is ${short(fp)}`,
      )
  },
}

const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' })

function keyPairCheck(spec: (typeof EXAMPLE_KEYS)[number]): CheckSpec {
  return {
    name: `key pair ${spec.label}`,
    file: spec.privatePem,
    run(f) {
      const priv = privateKeyOf(f, spec.label)
      const pub = publicKeyOf(f, spec.label)
      if (!spki(createPublicKey(priv)).equals(spki(pub)))
        failCheck(`${spec.privatePem} and ${spec.publicPem} are not one key pair`)
      if (
        'body' in spec &&
        pemBody(f.text(spec.publicPem)) !== f.text(spec.body).replace(/\s+/g, '')
      )
        failCheck(`${spec.body} is not the body of ${spec.publicPem}`)
    },
  }
}

const exampleKeysPair: CheckSpec = {
  name: 'key pair example-keys',
  file: 'example-keys.json',
  run(f) {
    const doc = f.json('example-keys.json')
    const priv = parsePrivateKey(stringAt(doc, 'privateKey', 'example-keys.json'))
    const pub = parsePublicKey(stringAt(doc, 'publicKey', 'example-keys.json'))
    if (priv === null) failCheck('example-keys.json: privateKey is not an RSA private key')
    if (pub === null) failCheck('example-keys.json: publicKey is not an RSA public key')
    if (!spki(createPublicKey(priv)).equals(spki(pub)))
      failCheck('example-keys.json: privateKey and publicKey are not one key pair')
  },
}

/** Every key check, in report order. */
export const KEY_CHECKS: readonly CheckSpec[] = [
  fingerprintCheck('bob'),
  fingerprintCheck('node'),
  exampleKeysFingerprint,
  ...EXAMPLE_KEYS.map(keyPairCheck),
  exampleKeysPair,
]
