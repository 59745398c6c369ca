/** Journal chain tests against the published 0.12 example journals. @module */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  createNobleProvider,
  verifyJournal,
  formatJournalLine,
  parseJournalLine,
} from '../src/index.js'

const V = '../shared/vectors/sdmp-0.12/'
const sha512 = createNobleProvider().sha512
const lines = (f: string) => readFileSync(V + f, 'utf8').split('\n')

describe('verifyJournal', () => {
  for (const f of [
    'good-journal.txt',
    'journal-start.txt',
    'journal-user-identity.txt',
    'journal-user-trust.txt',
    'journal-user-resource.txt',
  ]) {
    it(`accepts the published chain ${f}`, () => {
      const r = verifyJournal(lines(f), sha512)
      assert.equal(r.ok, true, r.reason)
    })
  }
  // The notes number entries after the fingerprint header: their "line 2" is file line 3.
  it('reports entry 2 (file line 3) of the spec example journal as broken (85-character id)', () => {
    const r = verifyJournal(lines('spec-example-journal.txt'), sha512)
    assert.equal(r.ok, false)
    assert.equal(r.badLine, 3)
    assert.match(r.reason ?? '', /85 characters/)
  })
  it('detects a changed earlier line', () => {
    const l = lines('good-journal.txt').filter(Boolean)
    const entry = parseJournalLine(l[2]!)
    l[2] = `${entry.lineId}@${entry.fingerprint}/${'A'.repeat(86)}`
    const r = verifyJournal(l, sha512)
    assert.equal(r.ok, false)
    assert.equal(r.badLine, 4)
  })
  it('appends a line that chains', () => {
    const l = lines('good-journal.txt').filter(Boolean)
    l.push(formatJournalLine(l[l.length - 1]!, 'B'.repeat(86), 'C'.repeat(86), sha512))
    assert.equal(verifyJournal(l, sha512).ok, true)
  })
})
