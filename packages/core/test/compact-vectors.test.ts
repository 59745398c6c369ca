/**
 * vectors/compact.json (docs/protocol/compact.md): the committed file regenerates byte for byte,
 * and on every crypto preset each valid case decodes to its JSON and encodes to its hex, and
 * each invalid case gives its code.
 * @module
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  decodeCompactResource,
  encodeCompactResource,
  fromHex,
  fromUtf8,
  isProtocolError,
  toHex,
  utf8,
} from '../src/index.js'
import { loadPresets } from './envelope-helpers.js'
import { COMPACT_VECTORS_PATH, compactVectorsText } from './gen/compact-vectors.js'

const committed = readFileSync(COMPACT_VECTORS_PATH, 'utf8')
const file = JSON.parse(committed) as {
  valid: { name: string; json: string; compactHex: string }[]
  invalid: { name: string; hex: string; code: string }[]
}

describe('compact vectors', () => {
  it('regenerates the committed file byte for byte', () => {
    assert.equal(compactVectorsText(), committed)
  })
})

for (const provider of await loadPresets()) {
  describe(`compact vectors (${provider.name})`, () => {
    for (const v of file.valid)
      it(`valid: ${v.name}`, () => {
        assert.equal(fromUtf8(decodeCompactResource(provider, fromHex(v.compactHex))), v.json)
        assert.equal(toHex(encodeCompactResource(provider, utf8(v.json))), v.compactHex)
      })
    for (const v of file.invalid)
      it(`invalid: ${v.name} -> ${v.code}`, () => {
        assert.throws(
          () => decodeCompactResource(provider, fromHex(v.hex)),
          (e: unknown) => isProtocolError(e, v.code as never),
        )
      })
  })
}
