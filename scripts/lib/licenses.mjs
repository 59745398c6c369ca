/**
 * License policy (SECURITY.md, "Dependencies"): every package in package-lock.json, runtime and
 * development, must carry a license that lets us ship sdmp under Apache-2.0. SPDX expressions are
 * read as written: `A OR B` passes when one side passes, `A AND B` when both do. A package with no
 * license field fails: we never guess.
 * @module
 */

/** Licenses compatible with distributing sdmp under Apache-2.0 (permissive, no copyleft). */
export const ALLOWED = new Set([
  'MIT',
  'MIT-0',
  'ISC',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'CC0-1.0',
  'Unlicense',
])

/**
 * Packages whose license we read by hand, by exact name@version: they predate the `license` field
 * and declare it only in the legacy `licenses` array of their package.json, which npm does not
 * copy into package-lock.json. Each was checked against its shipped LICENSE file; a new version
 * is not covered and fails until someone reads it again.
 */
export const REVIEWED = new Map([
  // Jared Hanson's SASL helpers, pulled in by @xmpp/client (the Prosody baseline of
  // packages/bench, dev only): `"licenses": [{ "type": "MIT" }]` and an MIT LICENSE file.
  ['saslmechanisms@0.1.1', 'MIT'],
  ['sasl-plain@0.1.0', 'MIT'],
  ['sasl-anonymous@0.1.0', 'MIT'],
])

/** Our own license: every workspace package must declare it. */
export const OWN = 'Apache-2.0'

/**
 * True when the SPDX expression is acceptable. Supports parentheses, OR, AND and `WITH`
 * exceptions (an exception never makes a license acceptable on its own, so `X WITH e` is X).
 */
export function acceptable(expression) {
  if (typeof expression !== 'string' || expression.trim() === '') return false
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? []
  let i = 0
  const atom = () => {
    const t = tokens[i++]
    if (t === '(') {
      const v = or()
      if (tokens[i++] !== ')') throw new Error('unbalanced parentheses')
      return v
    }
    if (t === undefined || t === ')' || /^(AND|OR|WITH)$/i.test(t))
      throw new Error('bad expression')
    if (tokens[i]?.toUpperCase() === 'WITH') i += 2
    return ALLOWED.has(t.replace(/\+$/, ''))
  }
  const and = () => {
    let v = atom()
    while (tokens[i]?.toUpperCase() === 'AND') {
      i++
      v = atom() && v
    }
    return v
  }
  const or = () => {
    let v = and()
    while (tokens[i]?.toUpperCase() === 'OR') {
      i++
      v = and() || v
    }
    return v
  }
  try {
    const v = or()
    return i === tokens.length && v
  } catch {
    return false
  }
}

/**
 * Check a parsed package-lock.json (lockfileVersion 2 or 3).
 * @returns `{ packages, problems }`: every installed package with its license and whether it is a
 *   development dependency, and one line per package that breaks the policy.
 */
export function checkLock(lock) {
  const packages = []
  const problems = []
  for (const [path, entry] of Object.entries(lock?.packages ?? {})) {
    // `link` entries are node_modules/@sdmp/* symlinks to our workspaces, listed under their own path.
    if (path === '' || entry.link) continue
    const workspace = !path.includes('node_modules/')
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 13)
    const license = entry.license ?? REVIEWED.get(`${name}@${entry.version}`)
    packages.push({ name, version: entry.version, license, dev: entry.dev === true, workspace })
    if (workspace) {
      if (license !== OWN) problems.push(`${name}: our packages are ${OWN}, found ${license}`)
    } else if (!acceptable(license)) {
      problems.push(`${name}@${entry.version}: license ${license ?? '(none)'} is not allowed`)
    }
  }
  if (lock?.packages?.['']?.license !== OWN) problems.push(`root package: license must be ${OWN}`)
  return { packages, problems }
}
