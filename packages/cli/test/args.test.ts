/** Flag parsing (src/args.ts): ids and fingerprints that start with '-' are never flags. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parseCommandArgs } from '../src/args.js'
import { CliError } from '../src/cli-error.js'

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const digest = fc
  .array(fc.constantFrom(...B64URL), { minLength: 86, maxLength: 86 })
  .map((chars) => chars.join(''))
const SPEC = {
  'reply-to': { type: 'string' as const, description: 'replied message' },
  all: { type: 'boolean' as const, description: 'everything' },
}

describe('parseCommandArgs', () => {
  it('passes any id through as a positional or a flag value, even one starting with -', () => {
    fc.assert(
      fc.property(digest, digest, (a, b) => {
        const id = `-${a.slice(1)}`
        const parsed = parseCommandArgs([id, '--reply-to', b, 'text', '--all'], SPEC)
        assert.deepEqual(parsed.positionals, [id, 'text'])
        assert.equal(parsed.options['reply-to'], b)
        assert.equal(parsed.options['all'], true)
        const dashed = parseCommandArgs(['--reply-to', id], SPEC)
        assert.equal(dashed.options['reply-to'], id)
      }),
    )
  })

  it('passes a short id (a prefix of 6 or more characters) that starts with -', () => {
    // One message in 64 has such an id; `inbox` prints 10 characters of it (CI drew '-N416_t0').
    for (const short of ['-N416_', '-N416_t0', '-N416_t0ab', `-${'a'.repeat(84)}`])
      assert.deepEqual(parseCommandArgs([short, 'Carol'], SPEC).positionals, [short, 'Carol'])
  })

  it('still refuses unknown flags, including long ones that are not ids', () => {
    for (const flag of ['-x', '--bogus', '-abcd', `-${'a'.repeat(86)}`, '-a.b_cd'])
      assert.throws(
        () => parseCommandArgs([flag], SPEC),
        (e) => e instanceof CliError && /unknown option/.test(e.message),
        flag,
      )
  })
})
