/**
 * Bad input to the messaging and daemon-routed commands, through the real executable: every
 * refusal is a non-zero exit with one stderr line (no stack trace) and, with --json, the error
 * document. Also: a daemon.json that names a dead process, or a daemon that does not answer,
 * makes commands fall back to opening the store directly.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from '@sdmp/testkit'
import { newUser, sdmpFails, sdmpJson } from './messaging-helpers.js'
import { linesOf, runSdmp } from './run-sdmp.js'

const WELL_FORMED_ID = 'A'.repeat(86)

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('messaging commands: bad input', () => {
  it('refuses bad arguments, flags, durations, ids and recipients in one line', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const { home } = await newUser(dir, 'Alice')
    const cases: [string[], number, RegExp, string?][] = [
      [['send'], 2, /send: missing argument TO/],
      [['send', 'Bob'], 2, /send: missing argument TEXT/],
      [['send', 'Bob', 'hi', 'extra'], 2, /unexpected argument 'extra'/],
      [['send', 'Bob', 'hi', '--frobnicate'], 2, /unknown option '--frobnicate'/],
      [['send', 'Bob', 'hi', '--expires'], 2, /option '--expires' needs a value/],
      [['send', 'Bob', 'hi', '--expires', '5x'], 2, /bad duration '5x'/],
      [['send', 'Bob', 'hi', '--expires', '10'], 2, /bad duration '10'/],
      [['send', 'Bob', 'hi', '--expires', '0s'], 2, /bad duration '0s'/],
      [['send', 'Bob', 'hi', '--expires', '-1d'], 2, /needs a value|bad duration/],
      [['send', 'Bob', 'hi', '--expires', '9999d'], 2, /at most 3650d/],
      [['send', 'Bob', 'hi', '--type', 'pdf'], 2, /'pdf' is not one of text, markdown, html/],
      [['send', 'Bob,,Carol', 'hi'], 2, /empty recipient/],
      [['send', 'Bob', ''], 2, /TEXT is empty/],
      [['send', 'Bob', 'hi', '--reply-to', 'nope'], 65, /malformed id 'nope'/, 'BAD_REQUEST'],
      [['send', 'Bob', 'hi', '--attach', 'f.txt'], 66, /cannot read f\.txt/, 'NOT_FOUND'],
      [['send', 'nobody', 'hi'], 66, /nobody/, 'NOT_FOUND'],
      [['send', 'Bob', 'hi', '--reply-to', WELL_FORMED_ID], 66, /./, 'NOT_FOUND'],
      [['inbox', 'extra'], 2, /inbox: unexpected argument 'extra'/],
      [['inbox', '--unread'], 2, /unknown option '--unread'/],
      [['show'], 2, /show: missing argument ID/],
      [['show', 'abc'], 65, /show: malformed id 'abc'/, 'BAD_REQUEST'],
      [['show', WELL_FORMED_ID], 66, /./, 'NOT_FOUND'],
      [['show', 'abcdef'], 66, /no message or post abcdef/, 'NOT_FOUND'],
      // A short id has the shape of one (not 65); Bob is no contact here, so NOT_FOUND.
      [['send', 'Bob', 'hi', '--reply-to', 'abcdefgh'], 66, /no contact named Bob/, 'NOT_FOUND'],
      [['send', 'Bbo', 'hi'], 66, /no contact named Bbo/, 'NOT_FOUND'],
      [['sync', 'now'], 2, /sync: unexpected argument 'now'/],
      [['sync', '--forever'], 2, /unknown option '--forever'/],
      [['peers', 'x'], 2, /peers: unexpected argument 'x'/],
      [['device', 'join'], 2, /device join: missing argument INVITE/],
      [['device', 'join', 'not-an-invite'], 73, /already belongs to a user/, 'CONFLICT'],
    ]
    for (const [args, exit, message, code] of cases) {
      const f = await sdmpFails(home, args)
      const what = args.join(' ')
      assert.equal(f.code, exit, `${what}: ${f.line}`)
      assert.match(f.line, message, what)
      assert.equal(f.error, code ?? (exit === 2 ? 'USAGE' : f.error), what)
    }
    // Nothing was sent by the refused commands.
    assert.deepEqual((await sdmpJson(home, ['inbox', '--all']))['messages'], [])
  })

  it('every command reports a missing home in one line (exit 66)', async (t) => {
    const missing = join(tmpDir(t.after.bind(t)), 'nowhere')
    for (const args of [
      ['send', 'Bob', 'hi'],
      ['inbox'],
      ['show', WELL_FORMED_ID],
      ['sync'],
      ['peers'],
      ['device', 'join', 'sdmp-invite:1:abc'],
      ['status'],
    ]) {
      const f = await sdmpFails(missing, args)
      assert.equal(f.code, 66, args.join(' '))
      assert.match(f.line, /no sdmp home at .*nowhere/, args.join(' '))
    }
  })

  it('a stale or silent daemon.json falls back to the store', async (t) => {
    const { home } = await newUser(tmpDir(t.after.bind(t)), 'Alice')
    const port = await closedPort()
    const started = new Date().toISOString()
    const announce = (pid: number) =>
      writeFileSync(
        join(home, 'daemon.json'),
        JSON.stringify({ pid, api: `http://127.0.0.1:${port}`, peer: '127.0.0.1:1', started }),
      )
    /** A command that must succeed on the store and say, once, that it ignored the file. */
    const stale = async (args: string[], why: RegExp): Promise<Record<string, any>> => {
      const run = await runSdmp([...args, '--home', home, '--json'])
      assert.equal(run.code, 0, `sdmp ${args.join(' ')}: ${run.stderr}`)
      assert.equal(linesOf(run.stderr).length, 1, run.stderr)
      assert.match(run.stderr, /^sdmp: ignoring a stale daemon\.json \(pid \d+: /)
      assert.match(run.stderr, why)
      return JSON.parse(run.stdout) as Record<string, any>
    }
    // A pid no process has (above Linux's pid_max of 2^22): the file is stale.
    announce(99_999_999)
    const { id } = await stale(['post', 'hello while stale'], /the process is gone/)
    assert.equal((await stale(['show', id], /gone/))['post']['body'], 'hello while stale')
    assert.equal((await sdmpJson(home, ['whoami']))['running'], undefined)
    // A live pid (this test) but no socket named (a daemon older than the socket): ignored.
    announce(process.pid)
    assert.equal((await stale(['status'], /names no socket/))['counts']['messages'], 0)
    // A live pid and a socket path where no daemon answers.
    writeFileSync(
      join(home, 'daemon.json'),
      JSON.stringify({
        pid: process.pid,
        api: `http://127.0.0.1:${port}`,
        peer: '127.0.0.1:1',
        socket: join(home, 'api.sock'),
        started,
      }),
    )
    assert.deepEqual((await stale(['inbox', '--messages'], /no daemon answers/))['messages'], [])
    assert.equal((await sdmpJson(home, ['whoami']))['running']['pid'], process.pid)
  })
})
