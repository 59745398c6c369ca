/**
 * Encoding checks: every `*.encoded` file is the strict base64url of the file it encodes (the
 * protected headers decode to their .json files), and the signature containers carry exactly
 * those encoded payloads, headers and signatures. docs/legacy.md §encodings.
 * @module
 */
import { failCheck, firstDifference, stringAt } from './check.js'
import type { CheckSpec } from './check.js'
import { decodeB64url } from './legacy-crypto.js'

/** `.encoded` file -> the file whose bytes it encodes. */
const PAIRS: readonly (readonly [encoded: string, source: string])[] = [
  ['bob-identity.encoded', 'bob-identity.json'],
  ['bob-identity-protected.encoded', 'bob-identity-protected.json'],
  ['node-identity.encoded', 'node-identity.json'],
  ['node-identity-protected.encoded', 'node-identity-protected.json'],
  ['node-protected-header.encoded', 'node-protected-header.json'],
  ['resource-user.encoded', 'resource-user.json'],
  ['trust-container.encoded', 'trust-container.json'],
  ['resource-node.json.encrypted.encoded', 'resource-node.json.encrypted'],
  ['resource-node-aes256-alice.key.encrypted.encoded', 'resource-node-aes256-alice.key.encrypted'],
  ['resource-node-aes256-node.key.encrypted.encoded', 'resource-node-aes256-node.key.encrypted'],
]

function pairCheck([encoded, source]: readonly [string, string]): CheckSpec {
  return {
    name: `encoding ${encoded.replace(/\.encoded$/, '')}`,
    file: encoded,
    run(f) {
      const decoded = decodeB64url(f.text(encoded), encoded)
      const at = firstDifference(decoded, f.bytes(source))
      if (at >= 0)
        failCheck(`${encoded} does not decode to ${source} (first difference at byte ${at})`)
      // A protected header must also be the JSON object it claims to be.
      if (source.endsWith('.json')) f.json(source)
    },
  }
}

/** A signature container and the separate files holding its parts. */
interface ContainerParts {
  readonly label: string
  readonly file: string
  readonly payload: string
  readonly protectedHeader: string
  readonly signature: string
}

const CONTAINERS: readonly ContainerParts[] = [
  {
    label: 'bob-identity',
    file: 'bob-identity-signature.json',
    payload: 'bob-identity.encoded',
    protectedHeader: 'bob-identity-protected.encoded',
    signature: 'bob-identity-signature.encoded',
  },
  {
    label: 'node-identity',
    file: 'node-identity-signature.json',
    payload: 'node-identity.encoded',
    protectedHeader: 'node-identity-protected.encoded',
    signature: 'node-identity-signature.encoded',
  },
  {
    label: 'resource-user',
    file: 'resource-user-published.json',
    payload: 'resource-user.encoded',
    protectedHeader: 'node-protected-header.encoded',
    signature: 'resource-user-signature.encoded',
  },
]

function containerCheck(c: ContainerParts): CheckSpec {
  return {
    name: `container ${c.label}`,
    file: c.file,
    run(f) {
      const doc = f.json(c.file)
      const parts: [string, string][] = [
        ['signature.payload', c.payload],
        ['signature.signatures.0.protected', c.protectedHeader],
        ['signature.signatures.0.signature', c.signature],
      ]
      for (const [path, file] of parts)
        if (stringAt(doc, path, c.file) !== f.text(file))
          failCheck(`${path} is not the content of ${file}`)
    },
  }
}

/** Every encoding check, in report order. */
export const ENCODING_CHECKS: readonly CheckSpec[] = [
  ...PAIRS.map(pairCheck),
  ...CONTAINERS.map(containerCheck),
]
