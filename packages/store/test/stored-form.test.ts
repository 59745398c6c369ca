/**
 * The form resource bytes rest in (src/stored-form.ts, docs/store.md §2): a resource is kept in
 * its compact form and handed out as its JSON text again; bytes that are not a resource (a
 * test fixture, a JSON text of another shape) are kept as they are, without a parse attempt.
 * @module
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { COMPACT_MAGIC, utf8 } from '@sdmp/core'
import { signedItems } from '../src/conformance-stored.js'
import { fromStoredForm, storedForm } from '../src/stored-form.js'

const sha512 = (d: Uint8Array) => new Uint8Array(createHash('sha512').update(d).digest())
const item = (bytes: Uint8Array) => ({ id: 'x', user: 'u', kind: 'post', created: 0, bytes })

describe('stored form', () => {
  it('a resource rests compact and comes back as its JSON text', () => {
    for (const it of signedItems(3)) {
      const stored = storedForm(sha512, it)
      assert.equal(stored[0], COMPACT_MAGIC)
      assert.ok(stored.length < it.bytes.length)
      assert.deepEqual(fromStoredForm(sha512, stored), it.bytes)
    }
  })

  it('other bytes rest as they are and come back the same, for any bytes', () => {
    for (const text of ['{"run":"x","n":1}', '{"a":1}', '{"sdmp":', '', 'not json'])
      assert.deepEqual(storedForm(sha512, item(utf8(text))), utf8(text))
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        fc.pre(bytes[0] !== COMPACT_MAGIC) // a compact text is taken as one (the store trusts its callers)
        const stored = storedForm(sha512, item(bytes))
        assert.deepEqual(stored, bytes)
        assert.deepEqual(fromStoredForm(sha512, stored), bytes)
      }),
      { numRuns: 300 },
    )
  })
})
