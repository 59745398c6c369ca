/**
 * The HTTP plumbing of `SdmpHttpClient` (http-client.ts): the daemon's base URL and bearer
 * token, one JSON request, fetch failures turned into UNAVAILABLE and aborts told apart, and how
 * path segments and query strings are written. Browser-safe: no `node:` imports. The bearer
 * token only ever travels in the Authorization header.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { errorOf } from './http-errors.js'

/** Options of `SdmpHttpClient`. */
export interface SdmpHttpClientOptions {
  /** Base URL of the daemon's API, e.g. `http://127.0.0.1:7810`. */
  readonly url: string
  /** The bearer token (the home's api-token file). */
  readonly token: string
  /** A fetch implementation; default the global one. */
  readonly fetch?: typeof fetch
}

/** The daemon a `SdmpHttpClient` talks to, and the requests it sends there. */
export class HttpTransport {
  /** Base URL of the daemon's API, without a trailing slash. */
  readonly url: string
  readonly #token: string
  readonly #fetch: typeof fetch

  constructor(options: SdmpHttpClientOptions) {
    this.url = options.url.replace(/\/+$/, '')
    this.#token = options.token
    // Bind: browsers refuse a fetch called with another `this` ("Illegal invocation").
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  }

  /** The Authorization header's value. */
  get authorization(): string {
    return `Bearer ${this.#token}`
  }

  /** One JSON request; returns the parsed success body or throws the server's error. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: this.authorization }
    const init: RequestInit = { method, headers }
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
    const response = await this.send(`${this.url}${path}`, init)
    if (response === undefined) throw new ProtocolError(ErrorCode.ABORTED, 'request aborted')
    if (!response.ok) throw await errorOf(response)
    try {
      return (await response.json()) as T
    } catch (error) {
      throw new ProtocolError(ErrorCode.UNAVAILABLE, `daemon at ${this.url} sent a broken reply`, {
        cause: error,
      })
    }
  }

  /** fetch, with network failures as UNAVAILABLE; undefined when the caller's signal aborted. */
  async send(url: string, init: RequestInit): Promise<Response | undefined> {
    try {
      return await this.#fetch(url, init)
    } catch (error) {
      if (init.signal?.aborted === true) return undefined
      throw this.unreachable(error)
    }
  }

  unreachable(cause?: unknown): ProtocolError {
    return new ProtocolError(ErrorCode.UNAVAILABLE, `daemon not reachable at ${this.url}`, {
      cause,
    })
  }
}

/** A path segment, percent-encoded (ids are base64url, names may hold `.`). */
export function segment(value: string): string {
  return encodeURIComponent(value)
}

/** `?a=1&b=true` from the defined members, or '' when none. */
export function queryString(query: object): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query) as [string, unknown][]) {
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string')
      params.set(key, String(value))
  }
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}
