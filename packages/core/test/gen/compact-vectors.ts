/**
 * Generator of vectors/compact.json (docs/protocol/compact.md): sample resources of every common
 * kind as canonical JSON and compact hex, two profile 3 envelopes from the deterministic draw
 * stream of envelope.md §8, and invalid compact texts with their codes. compact-vectors.test.ts
 * checks the committed file against this generator and replays every case on every preset.
 * @module
 */
import { encodeCompactResource, fromUtf8, toHex, utf8 } from '../../src/index.js'
import { sampleResources } from '../compact-helpers.js'
import { seededRandom } from '../envelope-helpers.js'
import { provider } from '../world.js'

/** Where the committed vectors live, relative to the repository root (the test cwd). */
export const COMPACT_VECTORS_PATH = 'vectors/compact.json'
const SEED = 'sdmp compact vectors-1'

const h = (...b: number[]) => toHex(Uint8Array.from(b))
const str = (s: string) => [...utf8(s)]

/** Invalid compact texts (hex) with the code a decoder must give, and why. */
const INVALID: readonly { name: string; hex: string; code: string }[] = [
  { name: 'a JSON text, not compact', hex: toHex(utf8('{}')), code: 'INVALID_ENCODING' },
  { name: 'version 2', hex: h(0xc1, 2, 0x0c, 0), code: 'UNSUPPORTED_VERSION' },
  { name: 'top level is an array', hex: h(0xc1, 1, 0x0b, 0), code: 'INVALID_ENCODING' },
  { name: 'trailing byte', hex: h(0xc1, 1, 0x0c, 0, 0), code: 'INVALID_ENCODING' },
  {
    name: 'unknown tag 0x0e',
    hex: h(0xc1, 1, 0x0c, 1, 6, 1, 0x61, 0x0e),
    code: 'INVALID_ENCODING',
  },
  {
    name: 'non-minimal varint',
    hex: h(0xc1, 1, 0x0c, 1, 6, 1, 0x61, 3, 0x81, 0),
    code: 'INVALID_ENCODING',
  },
  {
    name: 'dictionary word spelled out',
    hex: h(0xc1, 1, 0x0c, 1, 6, 4, ...str('sdmp'), 0),
    code: 'INVALID_ENCODING',
  },
  {
    name: 'base64url spelled out',
    hex: h(0xc1, 1, 0x0c, 1, 6, 1, 0x61, 6, 4, ...str('AAAA')),
    code: 'INVALID_ENCODING',
  },
  {
    name: 'keys out of order',
    hex: h(0xc1, 1, 0x0c, 2, 6, 1, 0x62, 0, 6, 1, 0x61, 0),
    code: 'INVALID_ENCODING',
  },
  {
    name: 'derived identifier without a payload',
    hex: h(0xc1, 1, 0x0c, 1, 7, 5, 0x0d),
    code: 'INVALID_ENCODING',
  },
  {
    name: 'length past the end',
    hex: h(0xc1, 1, 0x0c, 1, 6, 1, 0x61, 6, 5, 0x61),
    code: 'INVALID_ENCODING',
  },
]

/** Build the vector file as a JSON-ready object (deterministic). */
export function buildCompactVectors(): unknown {
  const samples = sampleResources(seededRandom(provider, SEED))
  return {
    description:
      "sdmp compact form vectors (docs/protocol/compact.md). valid: name, the canonical JSON text (UTF-8) and its compact form (hex); decoding the hex gives exactly the JSON, encoding the JSON gives exactly the hex. The two encrypted resources are profile 3 envelopes (compact inner) sealed with sessions from the draw stream of envelope.md §8 with randomSeed (own prekey seed 96, two reading nodes' prekey seeds 96 each, then sealSessionEnvelope's draws for the first and then the later message); they carry no routing tags. invalid: compact texts (hex) and the code a decoder must give.",
    version: 1,
    randomSeed: SEED,
    valid: Object.entries(samples).map(([name, json]) => ({
      name,
      json: fromUtf8(json),
      compactHex: toHex(encodeCompactResource(provider, json)),
    })),
    invalid: INVALID,
  }
}

/** The committed file's exact text. */
export function compactVectorsText(): string {
  return JSON.stringify(buildCompactVectors(), null, 2) + '\n'
}
