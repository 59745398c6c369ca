/**
 * The web client's pure helpers (src/format.ts): routes, the sign-in link's token, recipient
 * lists, the one-line error text, file sizes and the attachment limits checked before upload.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Message } from '@sdmp/client'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { chatMembers, fold, reasonOf } from '../src/chats.js'
import {
  attachmentProblem,
  cleanToken,
  errorLine,
  formatSize,
  parseRoute,
  replySubject,
  routeHash,
  splitRecipients,
  tokenFromFragment,
} from '../src/format.js'

describe('web chat helpers (chats.ts)', () => {
  const me = 'M'.repeat(86)
  const bob = 'B'.repeat(86)
  const carol = 'C'.repeat(86)
  const message = (m: Partial<Message>): Message => ({
    id: 'x',
    from: me,
    to: [],
    subject: null,
    body: '',
    type: 'text',
    created: '2026-01-01T00:00:00Z',
    conversation: 'x',
    chat: bob,
    reason: null,
    replyTo: null,
    expires: null,
    state: 'sent',
    direction: 'out',
    forwardedFrom: null,
    edited: null,
    deleted: false,
    onBehalfOf: null,
    group: null,
    ...m,
  })

  it('splits a chat id into its people', () => {
    assert.deepEqual(chatMembers(`${bob}.${carol}`), [bob, carol])
    assert.deepEqual(chatMembers(bob), [bob])
  })

  it('reads the optional reason, and folds text for search', () => {
    assert.equal(reasonOf(message({})), null, 'absent')
    assert.equal(reasonOf({ ...message({}), reason: null } as Message), null)
    assert.equal(reasonOf({ ...message({}), reason: 'removed you' } as Message), 'removed you')
    assert.equal(fold('Crème BRÛLÉE'), 'creme brulee')
  })
})

describe('web format helpers', () => {
  it('parses routes and builds them back', () => {
    const id = 'a'.repeat(86)
    const r = parseRoute(routeHash('message', id))
    assert.equal(r.view, 'message')
    assert.equal(r.arg, id)
    const c = parseRoute(routeHash('compose', undefined, { reply: id }))
    assert.equal(c.view, 'compose')
    assert.equal(c.query.get('reply'), id)
    assert.equal(parseRoute('#/chats?q=lunch').query.get('q'), 'lunch')
    assert.equal(parseRoute('#/settings').view, 'settings')
    const chat = parseRoute(routeHash('chat', `${id}.${'b'.repeat(86)}`, { m: id }))
    assert.deepEqual(
      [chat.view, chat.arg, chat.query.get('m')],
      ['chat', `${id}.${'b'.repeat(86)}`, id],
    )
    for (const unknown of ['', '#', '#/', '#/nope', '#/inbox', '#token=x', '#/__proto__'])
      assert.equal(parseRoute(unknown).view, 'chats', unknown)
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

  it('writes sizes in binary units', () => {
    assert.equal(formatSize(0), '0 B')
    assert.equal(formatSize(1023), '1023 B')
    assert.equal(formatSize(1024), '1 KiB')
    assert.equal(formatSize(1536), '1.5 KiB')
    assert.equal(formatSize(150_000), '146 KiB')
    assert.equal(formatSize(256 * 1024 * 1024), '256 MiB')
    assert.equal(formatSize(3.25 * 1024 ** 3), '3.3 GiB')
    assert.equal(formatSize(-1), '?')
    assert.equal(formatSize(Number.NaN), '?')
  })

  it('refuses files the node would refuse, before any upload', () => {
    const max = 1000
    assert.equal(attachmentProblem([], max), undefined)
    assert.equal(attachmentProblem([{ name: 'a.txt', size: max }], max), undefined)
    assert.deepEqual(attachmentProblem([{ name: 'big.iso', size: max + 1 }], max), {
      code: 'LIMIT_EXCEEDED',
      message: 'attachment big.iso: 1001 B, above the limit of 1000 B',
    })
    const many = Array.from({ length: 65 }, (_, i) => ({ name: `f${i}`, size: 1 }))
    assert.equal(attachmentProblem(many, max)?.code, 'BAD_REQUEST')
    assert.equal(attachmentProblem(many.slice(0, 64), max), undefined)
    assert.equal(attachmentProblem([{ name: 'x'.repeat(256), size: 1 }], max)?.code, 'BAD_REQUEST')
    assert.equal(attachmentProblem([{ name: '', size: 1 }], max)?.code, 'BAD_REQUEST')
  })
})
