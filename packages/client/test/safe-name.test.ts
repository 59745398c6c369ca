/**
 * safeFileName and numberedFileName (issue 12 item 5, docs/security.md "Hardening (issue 12)"):
 * properties over arbitrary strings, full Unicode included, and the names of the report.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  FALLBACK_FILE_NAME,
  MAX_FILE_NAME_BYTES,
  numberedFileName,
  safeFileName,
} from '../src/safe-name.js'

const SEED = Number(process.env['SEED'] ?? Date.now() % 2 ** 31)
const RUNS = { seed: SEED, numRuns: 2000 }

/** What a safe name never contains: separators, C0/C1 controls, bidi and format characters. */
const UNSAFE =
  /[/\\\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]/u
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i

/** Strings biased towards the characters that matter here. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom('.', '..', '/', '\\', ' ', '-', 'con', 'NUL', '.txt', '\u202e', '\u2066'),
      fc.constantFrom('\u200b', '\u200f', '\u061c', '\u0000', '\u001b', '\u0085', '\ufeff'),
      fc.constantFrom('\ud800', '\udfff', '😀', 'é', 'e\u0301', '<', ':', '*', '\n'),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 8 }),
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(''))

const anyName = fc.oneof(hostile, fc.string({ unit: 'binary', maxLength: 400 }))

function assertSafe(out: string, input: string): void {
  const why = `${JSON.stringify(input)} -> ${JSON.stringify(out)} (SEED=${SEED})`
  assert.ok(out.length > 0, why)
  assert.ok(!out.startsWith('.') && !out.startsWith('-'), why)
  assert.ok(!UNSAFE.test(out), why)
  assert.ok(!/[\p{Cc}\p{Cf}\p{Cs}]/u.test(out), why)
  assert.ok(!RESERVED.test(out), why)
  assert.ok(!/[.\s]$/u.test(out) && out.trim() === out, why)
  assert.ok(new TextEncoder().encode(out).length <= MAX_FILE_NAME_BYTES, why)
}

describe('safeFileName', () => {
  it('is safe, non-empty, bounded and idempotent for any input', () => {
    fc.assert(
      fc.property(anyName, (input) => {
        const out = safeFileName(input)
        assertSafe(out, input)
        assert.equal(safeFileName(out), out, `idempotent: ${JSON.stringify(input)}`)
      }),
      RUNS,
    )
  })

  it('numbered alternatives are safe, bounded and distinct', () => {
    fc.assert(
      fc.property(anyName, fc.integer({ min: 1, max: 99 }), (input, n) => {
        const safe = safeFileName(input)
        const alt = numberedFileName(safe, n)
        assertSafe(alt, input)
        assert.equal(safeFileName(alt), alt)
        assert.notEqual(alt, safe)
        assert.ok(alt.includes(` (${n})`))
      }),
      RUNS,
    )
  })

  it('handles the names of the report', () => {
    const cases: Array<[string, string]> = [
      ['.bash_profile', '_bash_profile'],
      ['../../x', 'x'],
      ['..\\..\\evil.bat', 'evil.bat'],
      ['invoice\u202Efdp.exe', 'invoice_fdp.exe'],
      ['a\u2066b\u2069c\u200bd.txt', 'a_b_c_d.txt'],
      ['photo.png', 'photo.png'],
      ['notes 2024.txt', 'notes 2024.txt'],
      ['CON.txt', '_CON.txt'],
      ['-rf', '_rf'],
      ['', FALLBACK_FILE_NAME],
      ['..', FALLBACK_FILE_NAME],
      ['dir/', FALLBACK_FILE_NAME],
      ['trailing. . ', 'trailing'],
    ]
    for (const [input, expected] of cases)
      assert.equal(safeFileName(input), expected, JSON.stringify(input))
    const long = `${'é'.repeat(300)}.pdf`
    const cut = safeFileName(long)
    assert.ok(cut.endsWith('.pdf'))
    assert.equal(new TextEncoder().encode(cut).length, MAX_FILE_NAME_BYTES)
    assert.equal(numberedFileName('photo.png', 2), 'photo (2).png')
    assert.equal(numberedFileName('README', 1), 'README (1)')
    assert.equal(safeFileName(42 as unknown as string), FALLBACK_FILE_NAME)
  })
})
