/** The JSON error locator used for the reasons of `legacy verify`. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { locateJsonError } from '../src/legacy/json-syntax.js'

describe('locateJsonError', () => {
  it('points at the value-less key of the 0.12 trust-resource.json', () => {
    const text =
      '{"sdmp":{"version":"0.11.0","schemas":["resource","signature"]},"resource":{"user":},"x":1}'
    const at = locateJsonError(text)
    assert.equal(at.offset, text.indexOf(':}') + 1)
    assert.equal(at.excerpt, '"user":}')
  })

  const cases: [string, number][] = [
    ['{"a":1', 6],
    ['[1,2,]', 5],
    ['{"a" 1}', 5],
    ['{"a":tru}', 8],
    ['"\\x"', 2],
    ['[01]', 2],
    ['{} x', 3],
    ['', 0],
  ]
  for (const [text, offset] of cases)
    it(`finds offset ${offset} in ${JSON.stringify(text)}`, () => {
      assert.throws(() => JSON.parse(text))
      assert.equal(locateJsonError(text).offset, offset)
    })
})
