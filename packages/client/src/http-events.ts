/**
 * The node's events over the client API (`GET /v1/events`, docs/api.md): one Server-Sent Events
 * connection read with fetch and a ReadableStream, and the following of the stream across
 * dropped connections, resumed after the last journal position seen. Browser-safe.
 * @module
 */
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { isAborted, readEvents, sleep } from './event-stream.js'
import { errorOf } from './http-errors.js'
import type { HttpTransport } from './http-transport.js'
import type { SdmpEvent } from './types.js'

/** Options of `SdmpHttpClient.events`. */
export interface EventsOptions {
  /** Start after this journal position; default: only events from now on. */
  readonly after?: number
  /** Ends the stream (the iteration then simply finishes). */
  readonly signal?: AbortSignal
}

/** Options of `SdmpHttpClient.followEvents`. */
export interface FollowEventsOptions extends EventsOptions {
  /** First reconnection delay in ms (doubling up to `maxRetryMs`); default 1,000. */
  readonly retryMs?: number
  /** Longest reconnection delay in ms; default 30,000. */
  readonly maxRetryMs?: number
  /** Told about each dropped connection before the client reconnects. */
  readonly onDisconnect?: (error: unknown) => void
}

/** Errors a reconnect cannot fix: stop following instead of retrying forever. */
const FATAL = new Set<string>([ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.BAD_REQUEST])

/** `SdmpHttpClient.events`: the events of one connection. */
export async function* events(
  http: HttpTransport,
  options: EventsOptions = {},
): AsyncGenerator<SdmpEvent, void, undefined> {
  for await (const { event } of stream(http, options.after, options.signal)) {
    if (event !== undefined) yield event
  }
}

/** `SdmpHttpClient.followEvents`: events across reconnections, none lost or repeated. */
export async function* followEvents(
  http: HttpTransport,
  options: FollowEventsOptions = {},
): AsyncGenerator<SdmpEvent, void, undefined> {
  const { signal } = options
  const first = options.retryMs ?? 1000
  const max = options.maxRetryMs ?? 30_000
  let after = options.after
  let delay = first
  while (!isAborted(signal)) {
    try {
      for await (const item of stream(http, after, signal)) {
        delay = first
        if (item.id !== undefined) after = item.id
        if (item.event !== undefined) yield item.event
      }
    } catch (error) {
      if (isAborted(signal)) return
      if (isProtocolError(error) && FATAL.has(error.code)) throw error
      options.onDisconnect?.(error)
    }
    if (isAborted(signal)) return
    await sleep(delay, signal)
    delay = Math.min(delay * 2, max)
  }
}

/**
 * Read one SSE connection; yields each event with the stream's last id (the server also sends
 * a bare `id:` of its start position first, so a reconnect right away loses nothing).
 */
async function* stream(
  http: HttpTransport,
  after: number | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<{ event?: SdmpEvent; id?: number }, void, undefined> {
  const headers: Record<string, string> = {
    authorization: http.authorization,
    accept: 'text/event-stream',
  }
  if (after !== undefined) headers['last-event-id'] = String(after)
  const response = await http.send(`${http.url}/v1/events`, { headers, signal: signal ?? null })
  if (response === undefined) return
  if (!response.ok) throw await errorOf(response)
  if (response.body === null) throw http.unreachable()
  yield* readEvents(response.body, http.url, signal)
}
