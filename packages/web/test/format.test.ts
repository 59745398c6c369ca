/**
 * The web client's pure helpers (src/format.ts): routes, the sign-in link's token, recipient
 * lists and the one-line error text.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import {
  cleanToken,
  errorLine,
  parseRoute,
  replySubject,
  routeHash,
  splitRecipients,
  tokenFromFragment,
} from '../src/format.js'

describe('web format helpers', () => {
  it('parses routes and builds them back', () => {
    const id = 'a'.repeat(86)
    const r = parseRoute(routeHash('message', id))
    assert.equal(r.view, 'message')
    assert.equal(r.arg, id)
    const c = parseRoute(routeHash('compose', undefined, { reply: id }))
    assert.equal(c.view, 'compose')
    assert.equal(c.query.get('reply'), id)
    assert.equal(parseRoute('#/inbox?all=1').query.get('all'), '1')
    for (const unknown of ['', '#', '#/', '#/nope', '#token=x', '#/__proto__'])
      assert.equal(parseRoute(unknown).view, 'inbox', unknown)
    assert.equal(parseRoute('#/message/%E0%A4%A').arg, null, 'a broken escape is no id')
  })

  it('takes the token only from a #token= fragment, cleaned', () => {
    assert.equal(tokenFromFragment('#token=abc_DEF-123'), 'abc_DEF-123')
    assert.equal(tokenFromFragment('#token=abc%20'), 'abc')
    assert.equal(tokenFromFragment('#/inbox'), undefined)
    assert.equal(tokenFromFragment('#token='), undefined)
    assert.equal(tokenFromFragment('#token=a%0Ab'), undefined, 'no control characters')
    assert.equal(cleanToken('  tok\n'), 'tok')
    assert.equal(cleanToken('two words'), '')
    assert.equal(cleanToken('x'.repeat(1025)), '')
  })

  it('splits recipients on commas and spaces, without duplicates', () => {
    assert.deepEqual(splitRecipients(' bob, carol  dave,bob;'), ['bob', 'carol', 'dave'])
    assert.deepEqual(splitRecipients(' , '), [])
  })

  it('prefixes reply subjects once', () => {
    assert.equal(replySubject('Lunch'), 'Re: Lunch')
    assert.equal(replySubject('RE: Lunch'), 'RE: Lunch')
    assert.equal(replySubject(null), '')
  })

  it('shows errors as one line with the API code', () => {
    const e = new ProtocolError(ErrorCode.NOT_FOUND, 'contact "nobody": no such contact')
    assert.equal(errorLine(e), 'NOT_FOUND: contact "nobody": no such contact')
    assert.equal(errorLine(new Error('daemon: internal error\n    at x')), 'daemon: internal error')
    assert.equal(errorLine('plain'), 'plain')
  })
})
