/**
 * Issue 12 item 4: after a `kill -9`, daemon.json may name a pid that now belongs to another
 * process and an API port that another user now holds. Commands must never send the token or a
 * message there. They reach their daemon only through the Unix domain socket in the 0700 home
 * (docs/cli.md §1), check that socket before use, and ignore a stale file with a message.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from '@sdmp/testkit'
import { linesOf, runSdmp } from './run-sdmp.js'
import { newUser } from './messaging-helpers.js'
import { startDaemon, stopAllDaemons } from './daemon-proc.js'

/** A listener that records every byte it gets and answers like a daemon would. */
async function impostor(
  listen: (s: Server) => void,
): Promise<{ got: () => string; server: Server }> {
  let got = ''
  const server = createServer((socket) => {
    socket.setEncoding('latin1').on('data', (d: string) => {
      got += d
      const body = JSON.stringify({ id: 'F'.repeat(86) })
      socket.end(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      )
    })
  })
  await new Promise<void>((resolve) => {
    server.once('listening', resolve)
    listen(server)
  })
  return { got: () => got, server }
}

describe('the CLI-daemon link', () => {
  it('never sends the token or a message to the TCP port of a stale daemon.json', async (t) => {
    const { home } = await newUser(tmpDir(t.after.bind(t)), 'Alice')
    const fake = await impostor((s) => s.listen(0, '127.0.0.1'))
    t.after(() => fake.server.close())
    const { port } = fake.server.address() as { port: number }
    // The old pid is reused by a live process (this test), the old port held by the impostor.
    writeFileSync(
      join(home, 'daemon.json'),
      JSON.stringify({
        pid: process.pid,
        api: `http://127.0.0.1:${port}`,
        peer: '127.0.0.1:1',
        started: new Date().toISOString(),
      }),
      { mode: 0o600 },
    )
    const run = await runSdmp(['post', 'secret plans', '--home', home, '--json'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stderr, /ignoring a stale daemon\.json/)
    assert.equal(fake.got(), '', 'the impostor received nothing')
    const { id } = JSON.parse(run.stdout) as { id: string }
    assert.notEqual(id, 'F'.repeat(86), 'the id is the real one, published on the store')
  })

  it('refuses a socket outside the home, or one that is not a socket', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const { home } = await newUser(dir, 'Alice')
    const elsewhere = join(dir, 'shared')
    mkdirSync(elsewhere, { mode: 0o777 })
    const fake = await impostor((s) => s.listen(join(elsewhere, 'api.sock')))
    t.after(() => fake.server.close())
    const token = readFileSync(join(home, 'api-token'), 'utf8').trim()
    const announce = (socket: string) =>
      writeFileSync(
        join(home, 'daemon.json'),
        JSON.stringify({
          pid: process.pid,
          api: 'http://127.0.0.1:1',
          peer: '127.0.0.1:1',
          socket,
          started: new Date().toISOString(),
        }),
        { mode: 0o600 },
      )
    announce(join(elsewhere, 'api.sock'))
    let run = await runSdmp(['post', 'secret plans', '--home', home])
    assert.equal(run.code, 77, run.stderr)
    assert.match(linesOf(run.stderr)[0]!, /daemon socket .* refused: not in the home/)
    // A regular file where the socket should be (inside the home).
    writeFileSync(join(home, 'api.sock'), '', { mode: 0o600 })
    announce(join(home, 'api.sock'))
    run = await runSdmp(['post', 'secret plans', '--home', home])
    assert.equal(run.code, 77, run.stderr)
    assert.match(run.stderr, /refused: not a socket/)
    assert.equal(fake.got(), '', 'the impostor received nothing')
    assert.doesNotMatch(run.stderr + run.stdout, new RegExp(token))
  })

  it('a running daemon is reached through its 0600 socket in the home', async (t) => {
    t.after(() => stopAllDaemons())
    const { home } = await newUser(tmpDir(t.after.bind(t)), 'Alice')
    const daemon = await startDaemon(home)
    const info = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { socket: string }
    assert.equal(info.socket, join(home, 'api.sock'))
    const st = statSync(info.socket)
    assert.ok(st.isSocket())
    assert.equal(st.mode & 0o777, 0o600)
    // The daemon holds the store lock: only its API can answer this.
    const run = await runSdmp(['post', 'through the socket', '--home', home, '--json'])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stderr, '')
    const { id } = JSON.parse(run.stdout) as { id: string }
    const shown = await runSdmp(['show', id, '--home', home, '--json'])
    assert.equal(
      (JSON.parse(shown.stdout) as { post: { body: string } }).post.body,
      'through the socket',
    )
    await daemon.stop()
    assert.throws(() => statSync(info.socket), /ENOENT/, 'the socket is removed on stop')
  })

  it('a home too deep for a socket path uses a private runtime directory', async (t) => {
    t.after(() => stopAllDaemons())
    const deep = join(tmpDir(t.after.bind(t)), 'd'.repeat(60), 'e'.repeat(60))
    mkdirSync(deep, { recursive: true, mode: 0o700 })
    const { home } = await newUser(deep, 'Alice')
    const daemon = await startDaemon(home)
    const info = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { socket: string }
    assert.ok(Buffer.byteLength(info.socket) <= 100, info.socket)
    assert.match(info.socket, new RegExp(`/sdmp-${process.getuid!()}/[0-9a-f]{32}\\.sock$`))
    assert.equal(statSync(join(info.socket, '..')).mode & 0o777, 0o700)
    const run = await runSdmp(['post', 'deep', '--home', home, '--json'])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stderr, '')
    await daemon.stop()
  })
})
