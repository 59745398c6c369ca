/**
 * A `fetch` for the CLI's calls to a daemon on the same machine, over `node:http`.
 *
 * Why: Node's global `fetch` loads undici on first use, which costs ~300 ms here, more than
 * the rest of a command that goes through a running daemon (`sdmp status`: 0.6 s with
 * `fetch`, `node -e 0` is 0.11 s). Commands are short-lived processes, so they pay it every time
 * (docs/cli.md §1 "Daemon or direct"). This implements only what `SdmpHttpClient` uses: plain
 * http URLs, a method, headers as a record, a string / bytes / ReadableStream body, an abort
 * signal; and of the response `ok`, `status`, `headers.get`, `text`, `json` and `body` (a web
 * ReadableStream, for attachment downloads). Each request of {@link httpFetch} and
 * {@link socketFetch} uses its own connection (`agent: false`): a command makes a request or
 * two. {@link keepAliveFetch} reuses connections, for long-lived Node clients of a daemon's TCP
 * API (the benchmark harness, scripts): its idle sockets are unref'd, so they never hold a
 * process open either.
 * @module
 */
import { Agent, request } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'

/**
 * The response subset SdmpHttpClient reads, backed by an IncomingMessage. `body` (a web stream)
 * is made only when asked for: `text()` reads the IncomingMessage itself, which costs the client
 * ~25-50 us less CPU per JSON answer than a web stream over it (docs/load.md §5 "Thirteenth pass").
 */
class HttpResponse {
  readonly status: number
  readonly headers: { get(name: string): string | null }
  readonly #res: IncomingMessage
  #body: ReadableStream<Uint8Array> | undefined

  constructor(res: IncomingMessage) {
    this.#res = res
    this.status = res.statusCode ?? 0
    this.headers = {
      get: (name) => {
        const v = res.headers[name.toLowerCase()]
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
      },
    }
  }

  get body(): ReadableStream<Uint8Array> {
    this.#body ??= Readable.toWeb(this.#res) as unknown as ReadableStream<Uint8Array>
    return this.#body
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300
  }

  async text(): Promise<string> {
    const parts: Uint8Array[] = []
    const source = (this.#body ?? this.#res) as unknown as AsyncIterable<Uint8Array>
    for await (const chunk of source) parts.push(chunk)
    return Buffer.concat(parts).toString('utf8')
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown
  }
}

/**
 * `fetch(url, init)` over node:http for the subset above.
 * @throws TypeError (via the promise) for a non-http URL or an unsupported body or headers;
 *   the socket's error for a refused or broken connection; an AbortError when `signal` fires
 */
export function httpFetch(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  return fetchOver(undefined, input, init)
}

/**
 * A `fetch` whose every request goes to the Unix domain socket `socketPath` (the URL's host
 * only fills the `Host` header): how commands reach their daemon (docs/cli.md §1), so the token
 * never travels to a TCP port that someone else may hold.
 */
export function socketFetch(
  socketPath: string,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return (input, init = {}) => fetchOver(socketPath, input, init)
}

/**
 * A `fetch` over node:http whose connections are kept alive between requests (one pool per
 * call of this function). Beside undici's global `fetch`, a request to a daemon on loopback
 * answers ~0.1-0.4 ms sooner and costs the client less CPU (docs/load.md §5 "Twelfth pass").
 */
export function keepAliveFetch(): (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response> {
  // An idle socket is closed 1 s before the server's `Keep-Alive: timeout=N` (the daemon says 5):
  // a request sent as the server closes it would fail. Node applies that hint only under an
  // agent `timeout`, which is also the longest a free socket stays without one.
  const agent = new Agent({ keepAlive: true, timeout: 30_000 })
  return (input, init = {}) => fetchOver(undefined, input, init, agent)
}

function fetchOver(
  socketPath: string | undefined,
  input: string | URL | Request,
  init: RequestInit,
  agent: Agent | false = false,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    if (url.protocol !== 'http:') return reject(new TypeError(`httpFetch: not an http URL`))
    const headers = init.headers ?? {}
    // A plain record only (no `instanceof Headers`: touching that global loads undici).
    if (typeof headers !== 'object' || Object.getPrototypeOf(headers) !== Object.prototype)
      return reject(new TypeError('httpFetch: headers must be a plain record'))
    const body = init.body
    const plain = body == null || typeof body === 'string' || body instanceof Uint8Array
    if (!plain && !(body instanceof ReadableStream))
      return reject(new TypeError('httpFetch: unsupported body'))
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        headers: headers as Record<string, string>,
        agent,
        ...(socketPath !== undefined && { socketPath }),
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => resolve(new HttpResponse(res) as unknown as Response),
    )
    req.on('error', reject)
    if (plain) req.end(body)
    else {
      const source = Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>)
      source.on('error', (e) => req.destroy(e))
      source.pipe(req)
    }
  })
}
