/** Tests of the license policy (scripts/lib/licenses.mjs), run by `npm test`. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { acceptable, checkLock } from './lib/licenses.mjs'

test('SPDX expressions: OR passes on one side, AND needs both, copyleft and junk fail', () => {
  for (const ok of [
    'MIT',
    'ISC',
    '(MIT OR Apache-2.0)',
    'BSD-2-Clause OR MIT OR Apache-2.0',
    'MIT AND ISC',
    '(MIT OR WTFPL)',
    'Apache-2.0 WITH LLVM-exception',
  ])
    assert.equal(acceptable(ok), true, ok)
  for (const bad of [
    'GPL-3.0',
    'AGPL-3.0-only',
    'MIT AND GPL-2.0',
    '(GPL-2.0 OR LGPL-3.0)',
    '',
    undefined,
    'MIT OR',
    '(MIT',
    'SEE LICENSE IN x.txt',
    'UNLICENSED',
  ])
    assert.equal(acceptable(bad), false, String(bad))
})

test('a lock with a copyleft runtime dependency, an unlicensed one or a wrong own license fails', () => {
  const lock = {
    packages: {
      '': { license: 'Apache-2.0' },
      'packages/core': { name: '@sdmp/core', license: 'MIT' },
      'node_modules/good': { version: '1.0.0', license: 'MIT' },
      'node_modules/bad': { version: '2.0.0', license: 'GPL-3.0-or-later' },
      'node_modules/a/node_modules/none': { version: '3.0.0' },
    },
  }
  const { packages, problems } = checkLock(lock)
  assert.equal(packages.length, 4)
  assert.deepEqual(problems, [
    '@sdmp/core: our packages are Apache-2.0, found MIT',
    'bad@2.0.0: license GPL-3.0-or-later is not allowed',
    'none@3.0.0: license (none) is not allowed',
  ])
})

test('a reviewed name@version stands in for a missing license field; another version does not', () => {
  const lock = {
    packages: {
      '': { license: 'Apache-2.0' },
      'node_modules/saslmechanisms': { version: '0.1.1' },
      'node_modules/x/node_modules/saslmechanisms': { version: '0.1.2' },
    },
  }
  const { packages, problems } = checkLock(lock)
  assert.equal(packages[0].license, 'MIT')
  assert.deepEqual(problems, ['saslmechanisms@0.1.2: license (none) is not allowed'])
})

test("the project's own package-lock.json passes the policy", () => {
  const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'))
  const { packages, problems } = checkLock(lock)
  assert.deepEqual(problems, [])
  assert.ok(packages.filter((p) => !p.workspace && !p.dev).length > 10)
})
