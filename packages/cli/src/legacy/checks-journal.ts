/**
 * Journal checks: every journal file's hash chain verifies with core's verifyJournal (the spec's
 * example journal is known broken at entry 2), and the example journals record exactly the
 * example resources, each journal extending the one before. docs/legacy.md §journals.
 * @module
 */
import { createHash } from 'node:crypto'
import { nextLineId, verifyJournal } from '@sdmp/core'
import { CheckFailure, failCheck } from './check.js'
import type { CheckSpec, VectorFiles } from './check.js'
import { fingerprintOf, sha512b64url, short } from './legacy-crypto.js'
import { journalLines } from './journal-lines.js'

const sha512 = (data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha512').update(data).digest())

const JOURNALS = [
  'journal-start.txt',
  'journal-user-identity.txt',
  'journal-user-trust.txt',
  'journal-user-resource.txt',
  'good-journal.txt',
  'spec-example-journal.txt',
] as const

/** The documented defect: entry 2 (file line 3) has an 85-character id (notes §11). */
const SPEC_JOURNAL_DEFECT = {
  file: 'spec-example-journal.txt',
  badLine: 3,
  reason: /85 characters/,
}

/** 1-based file lines after the first whose id is the hash of the line before (for context). */
function chainingLines(lines: readonly string[]): number[] {
  const out: number[] = []
  for (let i = 1; i < lines.length; i++)
    if (lines[i]!.split('@')[0] === nextLineId(lines[i - 1]!, sha512)) out.push(i + 1)
  return out
}

const journalCheck = (file: (typeof JOURNALS)[number]): CheckSpec => ({
  name: `journal ${file}`,
  file,
  run(f) {
    const lines = journalLines(f, file)
    const result = verifyJournal(lines, sha512)
    if (result.ok) return
    const bad = result.badLine ?? 1
    // Line 1 is the node fingerprint, so file line N holds entry N-1 (the spec counts entries).
    const where = bad === 1 ? 'file line 1' : `entry ${bad - 1} (file line ${bad})`
    const good = chainingLines(lines).map((n) => n - 1)
    const context = bad > 1 && good.length > 0 ? `; entries ${good.join(', ')} chain` : ''
    const reason = `${where}: ${result.reason ?? 'does not verify'}${context}`
    const known =
      file === SPEC_JOURNAL_DEFECT.file &&
      bad === SPEC_JOURNAL_DEFECT.badLine &&
      SPEC_JOURNAL_DEFECT.reason.test(result.reason ?? '')
    throw new CheckFailure(
      known ? `${reason} (known defect of the spec's example journal)` : reason,
      known,
    )
  },
})

/** Entry `n` (1-based) of journal `file` as [fingerprint, resource id]. */
function entry(f: VectorFiles, file: string, n: number): [string, string] {
  const m = /^[^@]*@([^/]*)\/(.*)$/.exec(journalLines(f, file)[n] ?? '')
  return m ? [m[1]!, m[2]!] : failCheck(`${file}: entry ${n} is missing or malformed`)
}

const references: CheckSpec = {
  name: 'journal references',
  file: 'journal-user-resource.txt',
  run(f) {
    const file = 'journal-user-resource.txt'
    const node = fingerprintOf(f, 'node')
    const bob = fingerprintOf(f, 'bob')
    if (journalLines(f, file)[0] !== node) failCheck(`${file} line 1 is not the node's fingerprint`)
    // What each entry records: who published it and the legacy identifier of the resource.
    const expected: [string, string, string][] = [
      ['bob-identity.json', bob, sha512b64url(f.bytes('bob-identity.json'))],
      ['trust-container.json', bob, sha512b64url(f.bytes('trust-container.json'))],
      ['resource-user.json', node, sha512b64url(f.bytes('resource-user.json'))],
    ]
    expected.forEach(([source, fp, id], i) => {
      const [seenFp, seenId] = entry(f, file, i + 1)
      if (seenFp !== fp)
        failCheck(`entry ${i + 1} fingerprint ${short(seenFp)} is not the publisher of ${source}`)
      if (seenId !== id)
        failCheck(`entry ${i + 1} resource ${short(seenId)} is not the identifier of ${source}`)
    })
    // Each step's journal is a prefix of the next: the journal only grows.
    const all = journalLines(f, file)
    for (const step of [
      'journal-start.txt',
      'journal-user-identity.txt',
      'journal-user-trust.txt',
    ]) {
      const lines = journalLines(f, step)
      if (lines.some((l, i) => l !== all[i])) failCheck(`${step} is not a prefix of ${file}`)
    }
  },
}

/** Every journal check, in report order. */
export const JOURNAL_CHECKS: readonly CheckSpec[] = [...JOURNALS.map(journalCheck), references]
