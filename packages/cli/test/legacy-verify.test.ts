/**
 * `sdmp legacy verify` end to end: the real executable against the published SDMP 0.12 example
 * files, and against tampered, truncated and missing copies of them.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from '@sdmp/testkit'
import { linesOf, runSdmp } from './run-sdmp.js'

const VECTORS = '../shared/vectors/sdmp-0.12'

interface Check {
  name: string
  file: string
  ok: boolean
  reason?: string
  expected?: string
}
interface Report {
  checks: Check[]
  passed: number
  failed: number
}

/** Every check the command runs, in report order; all pass on the published files. */
const PASSING = [
  'fingerprint bob (reading A)',
  'fingerprint node (reading A)',
  'fingerprint example-keys (reading B)',
  'key pair bob',
  'key pair node',
  'key pair alice',
  'key pair alice-node',
  'key pair example-keys',
  'encoding bob-identity',
  'encoding bob-identity-protected',
  'encoding node-identity',
  'encoding node-identity-protected',
  'encoding node-protected-header',
  'encoding resource-user',
  'encoding trust-container',
  'encoding resource-node.json.encrypted',
  'encoding resource-node-aes256-alice.key.encrypted',
  'encoding resource-node-aes256-node.key.encrypted',
  'container bob-identity',
  'container node-identity',
  'container resource-user',
  'identifier bob-identity',
  'identifier node-identity',
  'identifier resource-user',
  'signature bob-identity',
  'signature node-identity',
  'signature resource-user',
  'signature trust',
  'unwrap aes key for alice',
  'unwrap aes key for alice-node',
  'decrypt resource-node',
  'container resource-node-encrypted',
  'open resource-node-encrypted as alice',
  'open resource-node-encrypted as alice-node',
  'journal journal-start.txt',
  'journal journal-user-identity.txt',
  'journal journal-user-trust.txt',
  'journal journal-user-resource.txt',
  'journal good-journal.txt',
  'journal references',
]
const KNOWN_BROKEN = ['container trust-resource', 'journal spec-example-journal.txt']

async function verify(
  dir: string,
): Promise<{ code: number | null; report: Report; stderr: string }> {
  const run = await runSdmp(['legacy', 'verify', dir, '--json'])
  assert.equal(linesOf(run.stdout).length, 1, `one JSON document on stdout, got: ${run.stdout}`)
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr }
}

const failing = (r: Report) =>
  r.checks
    .filter((c) => !c.ok)
    .map((c) => c.name)
    .sort()
const byName = (r: Report, name: string) => r.checks.find((c) => c.name === name)!

/** A writable copy of the vectors in a temp dir (the published files are read-only). */
function copyVectors(after: (fn: () => void) => void): string {
  const dir = join(tmpDir(after, 'sdmp-legacy-'), 'v')
  cpSync(VECTORS, dir, { recursive: true })
  chmodSync(dir, 0o755)
  return dir
}

/** Overwrite one byte of `file` with a different value, keeping the file otherwise intact. */
function flipByte(dir: string, file: string, at: number, to?: number): void {
  const path = join(dir, file)
  chmodSync(path, 0o644)
  const bytes = readFileSync(path)
  const index = at < 0 ? bytes.length + at : at
  bytes[index] = to ?? bytes[index]! ^ 0x01
  writeFileSync(path, bytes)
}

/** Replace one base64url character in a text file by another valid one (keeps it decodable). */
function flipChar(dir: string, file: string, at: number): void {
  const path = join(dir, file)
  const text = readFileSync(path, 'latin1')
  const c = text[at]!
  flipByte(dir, file, at, (c === 'A' ? 'B' : 'A').charCodeAt(0))
}

describe('sdmp legacy verify', () => {
  it('passes every checkable claim and fails exactly the known-broken files on the 0.12 examples', async () => {
    const { code, report, stderr } = await verify(VECTORS)
    assert.deepEqual(Object.keys(report), ['checks', 'passed', 'failed'])
    assert.deepEqual(
      report.checks.filter((c) => c.ok).map((c) => c.name),
      PASSING,
    )
    assert.deepEqual(failing(report), [...KNOWN_BROKEN].sort())
    assert.equal(report.passed, PASSING.length)
    assert.equal(report.failed, KNOWN_BROKEN.length)
    for (const c of report.checks) {
      assert.deepEqual(Object.keys(c).slice(0, 3), ['name', 'file', 'ok'])
      assert.equal(c.reason === undefined, c.ok, `reason present exactly on failures: ${c.name}`)
    }
    const trust = byName(report, 'container trust-resource')
    assert.equal(trust.file, 'trust-resource.json')
    assert.equal(trust.expected, 'broken')
    assert.match(trust.reason!, /not valid JSON at offset 83: "user":}/)
    const journal = byName(report, 'journal spec-example-journal.txt')
    assert.equal(journal.expected, 'broken')
    assert.match(
      journal.reason!,
      /^entry 2 \(file line 3\): line id has 85 characters, expected 86/,
    )
    assert.equal(code, 0, 'only known-broken files fail, so the exit status is 0')
    assert.equal(stderr, '')
  })

  it('prints an aligned list with a summary line for people', async () => {
    const run = await runSdmp(['legacy', 'verify', VECTORS])
    assert.equal(run.code, 0)
    const lines = linesOf(run.stdout)
    assert.match(lines[0]!, /^✓ {2}fingerprint bob \(reading A\) +bob-public\.sdmp$/)
    assert.ok(lines.some((l) => /^✗ {2}container trust-resource +trust-resource\.json$/.test(l)))
    assert.equal(lines.at(-1), '40 passed, 2 failed (2 known broken, 0 unexpected)')
    // Aligned: the file column starts at the same offset on every check line.
    const starts = new Set(lines.filter((l) => /^[✓✗] /.test(l)).map((l) => l.search(/\S+$/)))
    assert.equal(starts.size, 1, 'file column aligned')
    assert.doesNotMatch(run.stdout, /\u001b\[/, 'no color when stdout is not a terminal')
  })

  it('flips only the trust signature check when one signature byte is tampered', async (t) => {
    const dir = copyVectors((fn) => t.after(fn))
    flipChar(dir, 'trust-container-signature.encoded', 100)
    const { code, report, stderr } = await verify(dir)
    assert.deepEqual(failing(report), [...KNOWN_BROKEN, 'signature trust'].sort())
    assert.match(byName(report, 'signature trust').reason!, /does not verify/)
    assert.equal(byName(report, 'signature trust').expected, undefined)
    assert.equal(code, 1)
    const error = JSON.parse(stderr) as { error: { code: string; message: string } }
    assert.equal(error.error.code, 'CHECKS_FAILED')
    assert.match(
      error.error.message,
      /1 of 42 checks failed unexpectedly \(first: signature trust\)/,
    )
  })

  it('flips the identity signature and its container check when the embedded signature changes', async (t) => {
    const dir = copyVectors((fn) => t.after(fn))
    const text = readFileSync(join(dir, 'bob-identity-signature.json'), 'latin1')
    flipChar(dir, 'bob-identity-signature.json', text.indexOf('"signature":"') + 60)
    const { report } = await verify(dir)
    assert.deepEqual(
      failing(report),
      [...KNOWN_BROKEN, 'container bob-identity', 'signature bob-identity'].sort(),
    )
    assert.match(
      byName(report, 'signature bob-identity').reason!,
      /does not verify under bob's key/,
    )
  })

  it('flips the decryption check when one ciphertext byte is tampered', async (t) => {
    const dir = copyVectors((fn) => t.after(fn))
    flipByte(dir, 'resource-node.json.encrypted', 40)
    const { code, report } = await verify(dir)
    assert.deepEqual(
      failing(report),
      [...KNOWN_BROKEN, 'decrypt resource-node', 'encoding resource-node.json.encrypted'].sort(),
    )
    assert.match(byName(report, 'decrypt resource-node').reason!, /resource-node\.json|padding/)
    assert.equal(code, 1)
  })

  it('flips the unwrap check when one byte of a wrapped key is tampered', async (t) => {
    const dir = copyVectors((fn) => t.after(fn))
    flipByte(dir, 'resource-node-aes256-alice.key.encrypted', 128)
    const { report } = await verify(dir)
    assert.deepEqual(
      failing(report),
      [
        ...KNOWN_BROKEN,
        'encoding resource-node-aes256-alice.key.encrypted',
        'unwrap aes key for alice',
      ].sort(),
    )
    assert.equal(
      byName(report, 'unwrap aes key for alice').reason,
      "does not unwrap under alice's key (RSA PKCS#1 v1.5 type 2)",
    )
  })

  it('flips the journal check when a journal line is tampered, naming the line after it', async (t) => {
    const dir = copyVectors((fn) => t.after(fn))
    const lines = readFileSync(join(dir, 'good-journal.txt'), 'utf8').split('\n')
    // Change a character in entry 2 (file line 3): entry 3's id no longer hashes it.
    const offset = lines.slice(0, 2).join('\n').length + 1 + 100
    flipChar(dir, 'good-journal.txt', offset)
    const { report } = await verify(dir)
    assert.deepEqual(failing(report), [...KNOWN_BROKEN, 'journal good-journal.txt'].sort())
    assert.match(
      byName(report, 'journal good-journal.txt').reason!,
      /^entry 3 \(file line 4\): line id is not the hash of the previous line/,
    )
  })

  it('reports a truncated container as invalid JSON in every check that reads it', async (t) => {
    const dir = copyVectors((fn) => t.after(fn))
    chmodSync(join(dir, 'resource-node-encrypted.json'), 0o644)
    truncateSync(join(dir, 'resource-node-encrypted.json'), 500)
    const { report } = await verify(dir)
    const expected = [
      'container resource-node-encrypted',
      'open resource-node-encrypted as alice',
      'open resource-node-encrypted as alice-node',
    ]
    assert.deepEqual(failing(report), [...KNOWN_BROKEN, ...expected].sort())
    for (const name of expected)
      assert.equal(
        byName(report, name).reason,
        'resource-node-encrypted.json: not valid JSON: unexpected end at offset 500',
      )
  })

  it('counts a known-broken file as unexpected when it fails some other way', async (t) => {
    const dir = copyVectors((fn) => t.after(fn))
    rmSync(join(dir, 'trust-resource.json'))
    const { code, report } = await verify(dir)
    const trust = byName(report, 'container trust-resource')
    assert.equal(trust.ok, false)
    assert.equal(trust.reason, 'trust-resource.json: file not found')
    assert.equal(trust.expected, undefined)
    assert.equal(code, 1)
  })

  it('fails every check with a reason, without crashing, for a missing or empty directory', async (t) => {
    for (const dir of [
      join(
        tmpDir((fn) => t.after(fn)),
        'missing',
      ),
      tmpDir((fn) => t.after(fn)),
    ]) {
      const { code, report, stderr } = await verify(dir)
      assert.equal(report.passed, 0)
      assert.equal(report.failed, PASSING.length + KNOWN_BROKEN.length)
      for (const c of report.checks) assert.match(c.reason!, /file not found/, c.name)
      assert.equal(code, 1)
      assert.equal(linesOf(stderr).length, 1)
      assert.equal((JSON.parse(stderr) as { error: { code: string } }).error.code, 'CHECKS_FAILED')
    }
  })
})
