/**
 * `sdmp rendezvous start` (docs/protocol/relays.md §7): the directory over HTTP JSON.
 * `POST /v1/records` registers a signed record; `GET /v1/records/FINGERPRINT` looks one up.
 * Bodies are bounded, every source address is rate limited, errors are the API's coded body,
 * and nothing about a lookup (who asked, for whom) is logged or kept.
 * @module
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { ErrorCode, ProtocolError, isProtocolError, parseStrict } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { errorBody, statusOf } from '../api/http-errors.js'
import { RendezvousDirectory } from './directory.js'
import type { DirectoryLimits } from './directory.js'

/** Limits of the rendezvous server (relays.md §7). */
export interface RendezvousLimits extends DirectoryLimits {
  /** Largest request body. */
  readonly maxBodyBytes: number
  /** Requests per source address per window. */
  readonly requestsPerWindow: number
  readonly windowMs: number
  /** Source addresses counted per window; more share one count. */
  readonly maxSources: number
}

/** Defaults of {@link RendezvousLimits}. */
export const RENDEZVOUS_LIMITS: RendezvousLimits = Object.freeze({
  maxRecords: 100_000,
  maxBodyBytes: 16 * 1024,
  requestsPerWindow: 120,
  windowMs: 60_000,
  maxSources: 10_000,
})

/** A running rendezvous server. */
export interface RendezvousServer {
  readonly url: string
  readonly directory: RendezvousDirectory
  close(): Promise<void>
}

const FINGERPRINT = /^\/v1\/records\/([A-Za-z0-9_-]{16,128})$/

/**
 * Serve a directory on `host:port` (port 0 picks one).
 * @throws (rejects) UNAVAILABLE when the address cannot be bound
 */
export function startRendezvousServer(options: {
  readonly provider: CryptoProvider
  readonly listen: { readonly host: string; readonly port: number }
  readonly limits?: Partial<RendezvousLimits>
  readonly clock?: () => number
}): Promise<RendezvousServer> {
  const limits = { ...RENDEZVOUS_LIMITS, ...options.limits }
  const clock = options.clock ?? Date.now
  const directory = new RendezvousDirectory(options.provider, limits)
  let window = { start: clock(), counts: new Map<string, number>() }
  /** Whether `source` is over its budget in this window (a fixed window per source). */
  const overLimit = (source: string): boolean => {
    const now = clock()
    if (now - window.start >= limits.windowMs) window = { start: now, counts: new Map() }
    const key = window.counts.has(source) || window.counts.size < limits.maxSources ? source : '*'
    const n = (window.counts.get(key) ?? 0) + 1
    window.counts.set(key, n)
    return n > limits.requestsPerWindow
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (overLimit(req.socket.remoteAddress ?? 'unknown')) {
      req.resume()
      // 429 (RFC 6585), not the 413 of an oversized body: the same code, a retryable status.
      return send(res, 429, errorBody(ErrorCode.LIMIT_EXCEEDED, 'rendezvous: too many requests'))
    }
    const path = new URL(req.url ?? '/', 'http://rendezvous.invalid').pathname
    if (req.method === 'POST' && path === '/v1/records') {
      const body = await readBody(req, limits.maxBodyBytes)
      const record = directory.register(parseStrict(body, 'body', limits.maxBodyBytes), clock())
      return send(res, 200, { node: record.node, seq: record.seq, expires: record.expires })
    }
    const m = FINGERPRINT.exec(path)
    if (req.method === 'GET' && m) return send(res, 200, directory.lookup(m[1]!, clock()))
    throw new ProtocolError(ErrorCode.NOT_FOUND, 'rendezvous: no such route')
  }
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      req.resume()
      if (isProtocolError(e)) return send(res, statusOf(e.code), errorBody(e.code, e.message))
      send(res, 500, errorBody('INTERNAL', 'internal error'))
    })
  })
  server.requestTimeout = 10_000
  server.headersTimeout = 5_000
  const sweep = setInterval(() => directory.sweep(clock()), 60_000)
  sweep.unref()
  return new Promise((resolve, reject) => {
    server.once('error', (cause) =>
      reject(new ProtocolError(ErrorCode.UNAVAILABLE, 'rendezvous: cannot listen', { cause })),
    )
    server.listen(options.listen.port, options.listen.host, () => {
      const a = server.address()
      if (a === null || typeof a === 'string') throw new Error('rendezvous: no bound address')
      const host = a.address.includes(':') ? `[${a.address}]` : a.address
      resolve({
        url: `http://${host}:${a.port}`,
        directory,
        close: () =>
          new Promise<void>((r) => {
            clearInterval(sweep)
            server.closeAllConnections()
            server.close(() => r())
          }),
      })
    })
  })
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end()
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
}

/** Read a body of at most `max` bytes. @throws LIMIT_EXCEEDED, BAD_REQUEST */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > max)
      return reject(new ProtocolError(ErrorCode.LIMIT_EXCEEDED, `body: at most ${max} bytes`))
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > max) {
        reject(new ProtocolError(ErrorCode.LIMIT_EXCEEDED, `body: at most ${max} bytes`))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => {
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)))
      } catch {
        reject(new ProtocolError(ErrorCode.BAD_REQUEST, 'body: expected UTF-8'))
      }
    })
    req.on('error', (cause) =>
      reject(new ProtocolError(ErrorCode.BAD_REQUEST, 'body: read failed', { cause })),
    )
  })
}
