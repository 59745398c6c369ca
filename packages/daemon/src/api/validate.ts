/**
 * Boundary checks of the client API (docs/api.md §Requests): bounded body reading, strict JSON
 * (core `parseStrict`) and exact member/type/range checks for bodies and query strings. After
 * these checks the route handlers trust the types.
 * @module
 */
import { API_PAGE_LIMITS } from '@sdmp/client'
import {
  ErrorCode,
  LIMITS,
  ProtocolError,
  concatBytes,
  isJsonObject,
  parseStrict,
} from '@sdmp/core'
import type { Json } from '@sdmp/core'

/** Largest request body accepted, in bytes (docs/api.md §Requests). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024

/** One member of a body or query shape. */
export type Field =
  | { readonly kind: 'string'; readonly max: number; readonly optional?: boolean }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly optional?: boolean }
  | { readonly kind: 'boolean'; readonly optional?: boolean }
  | {
      readonly kind: 'integer'
      readonly min: number
      readonly max: number
      readonly optional?: boolean
    }
  | {
      readonly kind: 'strings'
      readonly min: number
      readonly max: number
      readonly itemMax: number
    }
  | {
      /** An array of closed objects, each checked against `shape`. */
      readonly kind: 'objects'
      readonly max: number
      readonly shape: Shape
      readonly optional?: boolean
    }

/** The exact members a body or query may have. */
export type Shape = Readonly<Record<string, Field>>

const bad = (message: string): never => {
  throw new ProtocolError(ErrorCode.BAD_REQUEST, message)
}

/** Short strings: names, subjects, fingerprints, ids. */
const SHORT = LIMITS.maxStringChars
/** Long opaque strings: invites and join requests (an invite is ~10 KB per device). */
const LONG = LIMITS.maxResourceBytes

/** Body and query shapes of every route, shared with the OpenAPI document's limits. */
export const SHAPES = {
  send: {
    to: { kind: 'strings', min: 1, max: LIMITS.maxRecipients, itemMax: 256 },
    body: { kind: 'string', max: LIMITS.maxBodyChars },
    type: { kind: 'enum', values: ['text', 'markdown', 'html'], optional: true },
    subject: { kind: 'string', max: SHORT, optional: true },
    replyTo: { kind: 'string', max: 256, optional: true },
    // 100 years: far beyond any sensible TTL, far below Date's range
    expiresInMs: { kind: 'integer', min: 1, max: 3_153_600_000_000, optional: true },
    // docs/protocol/attachments.md; schemas.md "message" checks each member again on signing
    attachments: {
      kind: 'objects',
      max: 64,
      optional: true,
      shape: {
        hash: { kind: 'string', max: 64 },
        size: { kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER },
        key: { kind: 'string', max: 43 },
        name: { kind: 'string', max: 255 },
        type: { kind: 'string', max: 255, optional: true },
      },
    },
  },
  post: {
    body: { kind: 'string', max: LIMITS.maxBodyChars },
    type: { kind: 'enum', values: ['text', 'markdown'], optional: true },
    subject: { kind: 'string', max: SHORT, optional: true },
  },
  addContact: {
    invite: { kind: 'string', max: LONG },
    name: { kind: 'string', max: SHORT, optional: true },
  },
  authorizeDevice: {
    request: { kind: 'string', max: LONG },
    hostOnly: { kind: 'boolean', optional: true },
  },
  join: { invite: { kind: 'string', max: LONG } },
  recoverIdentity: {
    invite: { kind: 'string', max: LONG },
    words: { kind: 'string', max: SHORT },
  },
  sync: {
    wait: { kind: 'boolean', optional: true },
    timeoutMs: { kind: 'integer', min: 1, max: 3_600_000, optional: true },
  },
  empty: {},
  inboxQuery: {
    all: { kind: 'boolean', optional: true },
    limit: { kind: 'integer', min: 1, max: API_PAGE_LIMITS.list, optional: true },
  },
  postsQuery: { limit: { kind: 'integer', min: 1, max: API_PAGE_LIMITS.list, optional: true } },
  journalQuery: {
    after: { kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER, optional: true },
    limit: { kind: 'integer', min: 1, max: API_PAGE_LIMITS.journal, optional: true },
  },
  eventsQuery: {
    after: { kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER, optional: true },
  },
} as const satisfies Record<string, Shape>

/** Longest path parameter (ids, fingerprints, contact names, device names). */
export const MAX_PARAM_CHARS = 256

/**
 * Read a request body of at most {@link MAX_BODY_BYTES} and parse it strictly. Returns
 * undefined for an empty body.
 * @throws LIMIT_EXCEEDED when the body is too large; BAD_REQUEST for a wrong Content-Type;
 * INVALID_ENCODING for bytes that are not UTF-8 or not strict JSON
 */
export async function readJsonBody(request: Request): Promise<Json | undefined> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) tooLarge()
  const bytes = await readBounded(request)
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

function tooLarge(): never {
  throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, `body: exceeds ${MAX_BODY_BYTES} bytes`)
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
 * Check a parsed body against a shape: an object with no unknown member, every required member
 * present and every member of the right type and range. Messages name the member and the
 * expected type or range, never the value.
 * @throws BAD_REQUEST
 */
export function checkBody(value: Json | undefined, shape: Shape): Record<string, unknown> {
  if (value === undefined) value = {}
  if (!isJsonObject(value)) bad(`body: expected a JSON object, got ${kindOf(value)}`)
  const object = value as Record<string, Json>
  for (const key of Object.keys(object)) {
    if (!Object.hasOwn(shape, key)) bad(`body: unknown member ${JSON.stringify(key.slice(0, 64))}`)
  }
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(shape)) {
    const v = object[key]
    if (v === undefined) {
      if (field.kind !== 'strings' && field.optional === true) continue
      bad(`body.${key}: required`)
    }
    out[key] = checkField(v as Json, field, `body.${key}`)
  }
  return out
}

function checkField(v: Json, field: Field, label: string): unknown {
  switch (field.kind) {
    case 'string':
      if (typeof v !== 'string') return bad(`${label}: expected string, got ${kindOf(v)}`)
      if (v.length > field.max) bad(`${label}: expected at most ${field.max} characters`)
      return v
    case 'enum':
      if (typeof v !== 'string' || !field.values.includes(v)) {
        return bad(`${label}: expected one of ${field.values.join(', ')}`)
      }
      return v
    case 'boolean':
      if (typeof v !== 'boolean') return bad(`${label}: expected boolean, got ${kindOf(v)}`)
      return v
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
        return bad(`${label}: expected integer, got ${kindOf(v)}`)
      }
      if (v < field.min || v > field.max) bad(`${label}: expected ${field.min}..${field.max}`)
      return v
    case 'strings': {
      if (!Array.isArray(v)) return bad(`${label}: expected array, got ${kindOf(v)}`)
      if (v.length < field.min || v.length > field.max) {
        bad(`${label}: expected ${field.min}..${field.max} items, got ${v.length}`)
      }
      v.forEach((item, i) => {
        if (typeof item !== 'string') bad(`${label}[${i}]: expected string, got ${kindOf(item)}`)
        else if (item.length === 0 || item.length > field.itemMax) {
          bad(`${label}[${i}]: expected 1..${field.itemMax} characters`)
        }
      })
      return v
    }
    case 'objects': {
      if (!Array.isArray(v)) return bad(`${label}: expected array, got ${kindOf(v)}`)
      if (v.length > field.max) bad(`${label}: expected 0..${field.max} items, got ${v.length}`)
      return v.map((item, i) => checkObject(item, field.shape, `${label}[${i}]`))
    }
  }
}

/** Check one nested object against a shape (as {@link checkBody} does for a body). */
function checkObject(value: Json, shape: Shape, label: string): Record<string, unknown> {
  if (!isJsonObject(value)) return bad(`${label}: expected a JSON object, got ${kindOf(value)}`)
  const object = value as Record<string, Json>
  for (const key of Object.keys(object)) {
    if (!Object.hasOwn(shape, key))
      bad(`${label}: unknown member ${JSON.stringify(key.slice(0, 64))}`)
  }
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(shape)) {
    const v = object[key]
    if (v === undefined) {
      if (field.kind !== 'strings' && field.optional === true) continue
      bad(`${label}.${key}: required`)
    }
    out[key] = checkField(v as Json, field, `${label}.${key}`)
  }
  return out
}

/**
 * Check a query string against a shape: no unknown or repeated parameter; booleans are
 * `true`/`false`, integers plain decimal digits within the range.
 * @throws BAD_REQUEST
 */
export function checkQuery(url: string, shape: Shape): Record<string, unknown> {
  const params = new URL(url).searchParams
  const out: Record<string, unknown> = {}
  for (const [key, raw] of params) {
    const label = `query.${key.slice(0, 64)}`
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined
    if (field === undefined)
      return bad(`query: unknown parameter ${JSON.stringify(key.slice(0, 64))}`)
    if (Object.hasOwn(out, key)) bad(`${label}: repeated`)
    if (field.kind === 'boolean') {
      if (raw !== 'true' && raw !== 'false') bad(`${label}: expected true or false`)
      out[key] = raw === 'true'
    } else if (field.kind === 'integer') {
      out[key] = parseInteger(raw, field.min, field.max, label)
    } else {
      // only booleans and integers appear in query shapes
      throw new TypeError(`${label}: unsupported query field kind ${field.kind}`)
    }
  }
  return out
}

/**
 * Parse a decimal integer (query value, Last-Event-ID) within a range.
 * @throws BAD_REQUEST
 */
export function parseInteger(raw: string, min: number, max: number, label: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw)) bad(`${label}: expected a decimal integer`)
  const n = Number(raw)
  if (n < min || n > max) bad(`${label}: expected ${min}..${max}`)
  return n
}

/**
 * Check a path parameter: non-empty and at most {@link MAX_PARAM_CHARS} characters.
 * @throws BAD_REQUEST
 */
export function checkParam(value: string | undefined, label: string): string {
  if (value === undefined || value.length === 0 || value.length > MAX_PARAM_CHARS) {
    return bad(`${label}: expected 1..${MAX_PARAM_CHARS} characters`)
  }
  return value
}

function kindOf(v: Json): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
}
