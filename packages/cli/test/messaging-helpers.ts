/**
 * Test helpers for the messaging commands: run `sdmp` expecting success (the JSON document) or
 * a failure (one stderr line, or the error document with --json), and make homes mutual
 * contacts through their invites.
 * @module
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { linesOf, runSdmp } from './run-sdmp.js'

/** `sdmp ARGS --home HOME --json`, which must succeed; its parsed stdout. */
export async function sdmpJson(home: string, args: string[]): Promise<Record<string, any>> {
  const run = await runSdmp([...args, '--home', home, '--json'])
  assert.equal(run.code, 0, `sdmp ${args.join(' ')}: ${run.stderr}`)
  assert.equal(run.stderr, '', `sdmp ${args.join(' ')} writes nothing on stderr`)
  return JSON.parse(run.stdout) as Record<string, any>
}

/** `sdmp ARGS --home HOME` for people, which must succeed; its stdout. */
export async function sdmpText(home: string, args: string[]): Promise<string> {
  const run = await runSdmp([...args, '--home', home])
  assert.equal(run.code, 0, `sdmp ${args.join(' ')}: ${run.stderr}`)
  return run.stdout
}

/** A failure as people see it and as scripts see it (--json), which must agree. */
export interface Failure {
  readonly code: number | null
  /** The one stderr line without --json. */
  readonly line: string
  /** The `error.code` of the --json error document. */
  readonly error: string
}

/**
 * Run `sdmp ARGS --home HOME` twice, without and with --json: both must fail with the same
 * exit code, print nothing on stdout and exactly one stderr line (no stack trace), the second
 * being `{"error":{"code","message"}}` with the same message.
 */
export async function sdmpFails(home: string, args: string[]): Promise<Failure> {
  const what = `sdmp ${args.join(' ')}`
  const people = await runSdmp([...args, '--home', home])
  assert.notEqual(people.code, 0, `expected failure of ${what}`)
  assert.equal(people.stdout, '', what)
  const lines = linesOf(people.stderr)
  assert.equal(lines.length, 1, `${what}: ${people.stderr}`)
  assert.match(lines[0]!, /^sdmp: /)
  assert.doesNotMatch(people.stderr, /\n\s+at /, `${what}: no stack trace`)

  const script = await runSdmp([...args, '--home', home, '--json'])
  assert.equal(script.code, people.code, `${what} --json: same exit code`)
  assert.equal(script.stdout, '', `${what} --json`)
  const doc = linesOf(script.stderr)
  assert.equal(doc.length, 1, `${what} --json: ${script.stderr}`)
  const parsed = JSON.parse(doc[0]!) as { error: { code: string; message: string } }
  assert.deepEqual(Object.keys(parsed), ['error'])
  assert.equal(`sdmp: ${parsed.error.message}`, lines[0])
  return { code: people.code, line: lines[0]!, error: parsed.error.code }
}

/** A fresh home named `name` under `dir`; its user fingerprint. */
export async function newUser(dir: string, name: string): Promise<{ home: string; user: string }> {
  const home = join(dir, name.toLowerCase())
  const { user } = await sdmpJson(home, ['init', '--name', name])
  return { home, user: user as string }
}

/** Each home adds the other's invite (names from the invites), then both sync: mutual. */
export async function makeMutual(a: string, b: string): Promise<void> {
  const { invite: ia } = await sdmpJson(a, ['invite'])
  const { invite: ib } = await sdmpJson(b, ['invite'])
  await sdmpJson(b, ['contact', 'add', ia])
  await sdmpJson(a, ['contact', 'add', ib])
  await syncHomes(a, b)
  await syncHomes(b, a)
}
