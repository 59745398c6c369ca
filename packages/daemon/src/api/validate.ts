/**
 * Boundary checks of the client API (docs/api.md §Requests): bounded body reading, strict JSON
 * (core `parseStrict`), then each body and query string checked against its request schema
 * (`@sdmp/client/schemas`, compiled by {@link assertRequest}). After these checks the route
 * handlers trust the types.
 * @module
 */
import { IncomingMessage } from 'node:http'
import type { Context } from 'hono'
import { PathParam } from '@sdmp/client/schemas'
import { ErrorCode, ProtocolError, concatBytes, parseStrict } from '@sdmp/core'
import type { Json } from '@sdmp/core'
import type { Static, TInteger, TObject, TSchema } from '@sinclair/typebox'
import { assertRequest } from '../service/request-check.js'

/** Largest request body accepted, in bytes (docs/api.md §Requests). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024

const bad = (message: string): never => {
  throw new ProtocolError(ErrorCode.BAD_REQUEST, message)
}

/**
 * Read a request body of at most {@link MAX_BODY_BYTES} and parse it strictly. Returns
 * undefined for an empty body. `incoming`: the Node request behind `request` (the HTTP server's;
 * absent in process): its bytes are read from it directly, with the same bound, instead of
 * through the WHATWG stream that building `request.body` costs (~1 ms per request, issue 14;
 * docs/load.md §5).
 * @throws LIMIT_EXCEEDED when the body is too large; BAD_REQUEST for a wrong Content-Type;
 * INVALID_ENCODING for bytes that are not UTF-8 or not strict JSON; ABORTED when the client
 * closes the connection before the body's end
 */
export async function readJsonBody(
  request: Request,
  incoming?: IncomingMessage,
): Promise<Json | undefined> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) tooLarge()
  const bytes =
    incoming !== undefined && !incoming.readableDidRead
      ? await readIncoming(incoming)
      : await readBounded(request)
  if (bytes.length === 0) return undefined
  const type = request.headers.get('content-type') ?? ''
  if (!/^application\/json\s*(;|$)/i.test(type)) bad('content-type: expected application/json')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new ProtocolError(ErrorCode.INVALID_ENCODING, 'body: not valid UTF-8')
  }
  return parseStrict(text, 'body', MAX_BODY_BYTES)
}

/** The Node request behind a context (`@hono/node-server` bindings), or undefined in process. */
export function incomingOf(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming
  return incoming instanceof IncomingMessage ? incoming : undefined
}

const tooLargeError = () =>
  new ProtocolError(ErrorCode.LIMIT_EXCEEDED, `body: exceeds ${MAX_BODY_BYTES} bytes`)

function tooLarge(): never {
  throw tooLargeError()
}

const closedEarly = (cause?: unknown) =>
  new ProtocolError(ErrorCode.ABORTED, 'body: the connection closed before its end', { cause })

/**
 * Read a Node request's body, stopping at the limit: past it the request is destroyed (its
 * connection closes; the rest is never read), as cancelling the web stream does.
 */
function readIncoming(incoming: IncomingMessage): Promise<Uint8Array> {
  if (incoming.readableEnded) return Promise.resolve(new Uint8Array(0))
  if (incoming.destroyed) return Promise.reject(closedEarly())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    const off = () => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
      incoming.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      total += chunk.length
      if (total <= MAX_BODY_BYTES) return void chunks.push(chunk)
      off()
      incoming.destroy()
      reject(tooLargeError())
    }
    const onEnd = () => {
      off()
      resolve(Buffer.concat(chunks, total))
    }
    const onError = (e: unknown) => {
      off()
      reject(closedEarly(e))
    }
    const onClose = () => {
      off()
      reject(closedEarly())
    }
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('error', onError)
    incoming.on('close', onClose)
  })
}

/** Read the body stream, stopping (and cancelling it) as soon as the limit is passed. */
async function readBounded(request: Request): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>
    try {
      next = await reader.read()
    } catch (cause) {
      // The client closed the connection mid-body: its doing, not a bug here (found by a fuzz
      // target, issue 12), so a coded error rather than an internal one.
      throw new ProtocolError(ErrorCode.ABORTED, 'body: the connection closed before its end', {
        cause,
      })
    }
    const { done, value } = next
    if (done) break
    total += value.length
    if (total > MAX_BODY_BYTES) {
      // Refusing the body: a stream that cannot be cancelled is closed with the request anyway.
      await reader.cancel().catch(() => undefined)
      tooLarge()
    }
    chunks.push(value)
  }
  return concatBytes(...chunks)
}

/**
 * Check a parsed body against its request schema (`@sdmp/client/schemas`): an object with no
 * unknown member, every required member present and every member of the right type and range.
 * An empty body counts as `{}`.
 * @throws BAD_REQUEST naming the member, never its value
 */
export function checkBody<T extends TObject>(value: Json | undefined, schema: T): Static<T> {
  return assertRequest(schema, value ?? {}, 'body')
}

/**
 * Check a query string against its request schema: no unknown or repeated parameter; booleans
 * are `true`/`false`, integers plain decimal digits, then the schema's ranges.
 * @throws BAD_REQUEST
 */
export function checkQuery<T extends TObject>(url: string, schema: T): Static<T> {
  const params = new URL(url).searchParams
  const out: Record<string, boolean | number | string> = {}
  for (const [key, raw] of params) {
    const label = `query.${key.slice(0, 64)}`
    const field = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined
    if (field === undefined)
      return bad(`query: unknown parameter ${JSON.stringify(key.slice(0, 64))}`)
    if (Object.hasOwn(out, key)) bad(`${label}: repeated`)
    if (field.type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') bad(`${label}: expected true or false`)
      out[key] = raw === 'true'
    } else if (field.type === 'integer') {
      out[key] = parseDecimal(raw, label)
    } else if (field.type === 'string') {
      out[key] = raw // the schema checks its length (and the service its form: a cursor)
    } else {
      // only booleans, integers and strings appear in query schemas
      throw new TypeError(`${label}: unsupported query parameter type ${String(field.type)}`)
    }
  }
  return assertRequest(schema, out, 'query')
}

/**
 * Parse a decimal integer (a query value, a path index, Last-Event-ID) and check it against an
 * integer schema's range.
 * @throws BAD_REQUEST
 */
export function parseInteger(raw: string, schema: TInteger, label: string): number {
  return assertRequest(schema, parseDecimal(raw, label), label)
}

function parseDecimal(raw: string, label: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw)) bad(`${label}: expected a decimal integer`)
  return Number(raw)
}

/**
 * Check a path parameter: non-empty and at most `MAX_PARAM_CHARS` characters, or the given
 * schema (a chat id is longer).
 * @throws BAD_REQUEST
 */
export function checkParam(
  value: string | undefined,
  label: string,
  schema: TSchema = PathParam,
): string {
  return assertRequest(schema, value ?? '', label) as string
}
