/**
 * "Did you mean" (suggest.ts): typos of a known name find it; unrelated words find nothing.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { closestMatch, didYouMean, editDistance } from '../src/suggest.js'

describe('suggestions', () => {
  it('measures edits, counting a swap of neighbours as one and ignoring case', () => {
    assert.equal(editDistance('send', 'send'), 0)
    assert.equal(editDistance('sned', 'send'), 1)
    assert.equal(editDistance('subjet', 'subject'), 1)
    assert.equal(editDistance('Bob', 'bob'), 0)
    assert.equal(editDistance('', 'abc'), 3)
    assert.equal(editDistance('kitten', 'sitting'), 3)
  })

  it('suggests the closest known name for a typo, and nothing for a stranger word', () => {
    const commands = ['send', 'inbox', 'show', 'save', 'status', 'sync', 'contact']
    assert.equal(closestMatch('sned', commands), 'send')
    assert.equal(closestMatch('inbx', commands), 'inbox')
    assert.equal(closestMatch('contcat', commands), 'contact')
    assert.equal(closestMatch('frobnicate', commands), undefined)
    assert.equal(closestMatch('send', commands), undefined, 'an exact name is no typo')
    assert.equal(closestMatch('bob', ['Bob', 'carol']), 'Bob')
    assert.equal(didYouMean('--subjet', ['--subject', '--type']), "; did you mean '--subject'?")
    assert.equal(didYouMean('zzz', ['--subject']), '')
  })

  it('is a metric: symmetric, zero only for equal strings, within the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b)
        assert.equal(d, editDistance(b, a))
        assert.equal(d === 0, a.toLowerCase() === b.toLowerCase())
        assert.ok(d <= Math.max(a.length, b.length))
      }),
    )
  })
})
