/**
 * The socket-layer targets (issue 12; docs/fuzz.md §3): what a stranger can send to the client
 * API's port before any route runs, and what a hostile "daemon" can answer a command.
 *
 * - `http.socket`: mutated raw HTTP/1.1 bytes (broken request lines, huge headers, bad chunked
 *   bodies, garbage, requests cut into pieces or left unfinished) over a real TCP connection to a
 *   real API server (127.0.0.1:0, short timeouts). After each input a well-formed request must
 *   still be answered: a crash, a hang, an internal (500) error or a server that stops
 *   answering is a finding.
 * - `cli.daemon-link`: the CLI's HTTP client talking over a Unix domain socket to a fake daemon
 *   that answers with mutated responses (random bytes, wrong status lines, truncated or huge JSON,
 *   error bodies of the wrong shape). Each call must resolve or throw a coded ProtocolError.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { connect, createServer } from 'node:net'
import type { Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { SdmpHttpClient } from '@sdmp/client'
import { socketFetch } from '@sdmp/cli'
import { createApiApp, startApiServer } from '@sdmp/daemon'
import { oversize, randomBytes, textMutant, utf8 } from '../mutate.js'
import { FuzzFinding, defineTarget } from '../target.js'
import { fakeApi, quietFeed } from './http.js'
import type { FuzzTarget } from '../target.js'

const TOKEN = 'fuzz-socket-token-0123456789'

const REQUESTS = [
  `GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
  'GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n',
  `POST /v1/posts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n` +
    'Content-Type: application/json\r\nContent-Length: 15\r\n\r\n{"body":"hi"}\r\n',
  `POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n` +
    'Transfer-Encoding: chunked\r\n\r\n5\r\n{"to"\r\nzz\r\n:[]}\r\n0\r\n\r\n',
  'GET /v1/events HTTP/1.1\r\nHost: evil.example\r\nLast-Event-ID: 99999999999\r\n\r\n',
  'GET / HTTP/1.0\r\n\r\n',
]

/** One input for the API socket: bytes, cut into pieces, maybe left unfinished. */
interface SocketInput {
  readonly bytes: Uint8Array
  readonly pieces: number
  readonly finish: boolean
}

/** Resolves once `socket` is closed or after `ms` (then destroys it): every run is bounded. */
function closedWithin(socket: import('node:net').Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy()
      resolve()
    }, ms)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** GET /openapi.json must be answered 200 (the server still serves after the input). */
function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/openapi.json', agent: false, timeout: 5_000 },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode === 200))
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
    req.end()
  })
}

const apiSocketTarget = defineTarget(
  'http.socket',
  'raw mutated HTTP/1.1 bytes to a real API server; it must keep answering',
  async () => {
    const internal: unknown[] = []
    const app = createApiApp({
      api: fakeApi([]),
      events: quietFeed,
      token: TOKEN,
      onInternalError: (e) => void internal.push(e),
    })
    const server = await startApiServer(app, {
      host: '127.0.0.1',
      port: 0,
      limits: { headersTimeoutMs: 200, requestTimeoutMs: 400, idleTimeoutMs: 300 },
    })
    const bytes = fc.oneof(
      { weight: 6, arbitrary: textMutant(REQUESTS).map(utf8) },
      { weight: 2, arbitrary: randomBytes },
      { weight: 1, arbitrary: oversize(utf8(`GET /v1/whoami HTTP/1.1\r\nX-Big: `), 96 * 1024) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...REQUESTS).map((r) => utf8(r.repeat(20))),
      },
    )
    const input: fc.Arbitrary<SocketInput> = fc.record({
      bytes,
      pieces: fc.integer({ min: 1, max: 6 }),
      finish: fc.boolean(),
    })
    return {
      arbitrary: input,
      async run(r: SocketInput) {
        const socket = connect({ host: '127.0.0.1', port: server.port })
        socket.on('error', () => undefined) // resets are how a server refuses
        socket.resume()
        await new Promise<void>((resolve) => {
          socket.once('connect', resolve)
          socket.once('close', () => resolve())
        })
        const size = Math.ceil(r.bytes.length / r.pieces) || 1
        for (let at = 0; at < r.bytes.length && !socket.destroyed; at += size) {
          socket.write(r.bytes.subarray(at, at + size))
          await new Promise((resolve) => setImmediate(resolve))
        }
        if (r.finish) socket.end()
        // Unfinished input is left to the server's header/idle timers (300 ms here).
        await closedWithin(socket, 2_000)
        if (!(await healthy(server.port)))
          throw new FuzzFinding('the API server stopped answering after the input')
        if (internal.length > 0)
          throw new FuzzFinding(`the input caused an internal error: ${String(internal.pop())}`)
      },
      close: () => server.close(),
    }
  },
)

/** One hostile answer of the fake daemon. */
interface Answer {
  readonly bytes: Uint8Array
  readonly call: 'whoami' | 'inbox' | 'status'
}

const RESPONSES = [
  'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 16\r\n\r\n{"user":"x","n"}',
  'HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 57\r\n\r\n' +
    '{"error":{"code":"UNAUTHORIZED","message":"wrong token"}}',
  'HTTP/1.1 500 Oops\r\ncontent-length: 5\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{"me\r\nZ\r\n',
  'HTTP/1.1 418 I am a teapot\r\ncontent-type: application/json\r\n\r\n{"error":"TEAPOT"}',
  'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 999\r\n\r\n{"messages":[',
  'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"messages":[{"__proto__":{"x":1}}]}',
]

const daemonLinkTarget = defineTarget(
  'cli.daemon-link',
  "the CLI's HTTP client over a Unix socket to a fake daemon with hostile answers",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdmp-fuzz-link-'))
    const path = join(dir, 'api.sock')
    let answer: Uint8Array = new Uint8Array()
    const server: Server = createServer((socket) => {
      socket.on('error', () => undefined)
      socket.once('data', () => socket.end(answer))
    })
    await new Promise<void>((resolve) => server.listen(path, resolve))
    const client = new SdmpHttpClient({
      url: 'http://localhost',
      token: TOKEN,
      fetch: socketFetch(path),
    })
    const input: fc.Arbitrary<Answer> = fc.record({
      bytes: fc.oneof(
        { weight: 6, arbitrary: textMutant(RESPONSES).map(utf8) },
        { weight: 2, arbitrary: randomBytes },
        {
          weight: 1,
          arbitrary: oversize(
            utf8('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"messages":["'),
            2 * 1024 * 1024,
          ),
        },
      ),
      call: fc.constantFrom('whoami', 'inbox', 'status'),
    })
    return {
      arbitrary: input,
      async run(a: Answer) {
        answer = a.bytes
        // Resolving with any value is fine: the contract is "a value or a coded error", and a
        // daemon that declares its own bug (code INTERNAL) is reported as that bug.
        try {
          if (a.call === 'whoami') await client.whoami()
          else if (a.call === 'inbox') await client.inbox({})
          else await client.status()
        } catch (e) {
          if (e instanceof Error && /^daemon: .*\(INTERNAL\)$/s.test(e.message)) return
          throw e
        }
      },
      async close() {
        await new Promise<void>((resolve) => server.close(() => resolve()))
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
)

/** The socket-layer targets. */
export const SOCKET_TARGETS: readonly FuzzTarget[] = [apiSocketTarget, daemonLinkTarget]
