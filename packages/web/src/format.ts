/**
 * Pure helpers of the web client: routes, recipient lists, short fingerprints, times and the
 * one-line error text. No DOM, so the Node unit tests cover them (test/format.test.ts).
 * @module
 */

/** The views of the single page (docs/web.md §Views). */
export type ViewName =
  | 'chats'
  | 'chat'
  | 'message'
  | 'compose'
  | 'contacts'
  | 'devices'
  | 'posts'
  | 'peers'
  | 'settings'

/** A parsed `#/view/arg?query` route. */
export interface Route {
  readonly view: ViewName
  /** The path argument: the message id of `#/message/ID`, the chat id of `#/chat/ID`. */
  readonly arg: string | null
  readonly query: URLSearchParams
}

const VIEWS = new Set<string>([
  'chats',
  'chat',
  'message',
  'compose',
  'contacts',
  'devices',
  'posts',
  'peers',
  'settings',
])

/**
 * Parse `location.hash` into a route; anything unknown (the old `#/inbox` too) is the chat list. Routes live in the fragment
 * so the static file server needs no fallback and no route ever reaches the server.
 * @example
 * parseRoute('#/message/abc') // { view: 'message', arg: 'abc', ... }
 */
export function parseRoute(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash
  const q = text.indexOf('?')
  const path = q < 0 ? text : text.slice(0, q)
  const query = new URLSearchParams(q < 0 ? '' : text.slice(q + 1))
  const [, view = '', arg] = path.split('/')
  if (!VIEWS.has(view)) return { view: 'chats', arg: null, query }
  return { view: view as ViewName, arg: arg ? safeDecode(arg) : null, query }
}

/** The fragment of a route, the inverse of {@link parseRoute}. */
export function routeHash(view: ViewName, arg?: string, query?: Record<string, string>): string {
  const params = new URLSearchParams(query).toString()
  const path = arg === undefined ? `#/${view}` : `#/${view}/${encodeURIComponent(arg)}`
  return params === '' ? path : `${path}?${params}`
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text)
  } catch {
    return null
  }
}

/**
 * The token carried by a sign-in link `…/#token=TOKEN`, if any. The fragment never reaches a
 * server (RFC 3986 §3.5), unlike a query string, which would land in logs and Referer headers.
 */
export function tokenFromFragment(hash: string): string | undefined {
  if (!hash.startsWith('#token=')) return undefined
  const token = cleanToken(new URLSearchParams(hash.slice(1)).get('token') ?? '')
  return token === '' ? undefined : token
}

/**
 * A pasted token with surrounding whitespace (a copied file ends in a newline) removed; empty
 * when what is left is not a valid bearer token (printable ASCII, no spaces: RFC 6750 §2.1).
 */
export function cleanToken(text: string): string {
  const token = text.trim()
  return /^[\x21-\x7e]{1,1024}$/.test(token) ? token : ''
}

/** Recipients typed as `bob, carol dave`: contact names or fingerprints, commas or spaces. */
export function splitRecipients(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter((s) => s !== ''))]
}

/** The first 10 characters of a fingerprint or id, enough to tell people apart on screen. */
export function short(id: string): string {
  return id.length > 12 ? `${id.slice(0, 10)}…` : id
}

/** An ISO 8601 time as the reader's local date and time (the raw value when unparseable). */
export function formatTime(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/**
 * A time as a chat shows it: the hour today (`14:05`), the day this year (`Dec 5`), else the
 * date (`Dec 5, 2025`); with `withTime`, the hour is added to the day. The raw value when
 * unparseable.
 */
export function formatShortTime(iso: string, withTime = false, now = new Date()): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
  if (date.toDateString() === now.toDateString()) return time
  const sameYear = date.getFullYear() === now.getFullYear()
  const day = date.toLocaleDateString(undefined, {
    month: 'short',
    day: 'numeric',
    ...(!sameYear && { year: 'numeric' }),
  })
  return withTime ? `${day}, ${time}` : day
}

/** `Re: subject`, without stacking `Re: Re:`. */
export function replySubject(subject: string | null): string {
  const s = (subject ?? '').trim()
  if (s === '') return ''
  return /^re:/i.test(s) ? s : `Re: ${s}`
}

/**
 * One clear line for a failure: the API's `{"error":{code,message}}` arrives as a
 * ProtocolError with `code` and `message` (@sdmp/client), shown as `CODE: message`; anything
 * else by its message alone. Only the first line is kept, never a stack.
 */
export function errorLine(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null
  const message = typeof e?.message === 'string' ? e.message : String(error)
  const first = message.split('\n', 1)[0] ?? ''
  return typeof e?.code === 'string' ? `${e.code}: ${first}` : first
}

/** The error code of a failure, if it carries one (`UNAUTHORIZED` signs the user out). */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * A byte count for people: `512 B`, `1.5 KiB`, `200 KiB`, `3.2 MiB` (binary units, as the
 * attachment limit of attachments.md §1 is written); one decimal below 10 of a unit.
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${bytes} B`
  const text = value < 9.95 ? value.toFixed(1).replace(/\.0$/, '') : String(Math.round(value))
  return `${text} ${units[unit]}`
}

/** Most files one message may carry (schemas.md "message": `attachments` holds 0..64). */
export const MAX_ATTACHMENTS = 64
/** Longest file name an attachment may have (schemas.md "message": `name` 1..255). */
export const MAX_ATTACHMENT_NAME = 255

/** A reason files cannot be attached, with the error code the node would answer. */
export interface AttachmentProblem {
  readonly code: 'BAD_REQUEST' | 'LIMIT_EXCEEDED'
  readonly message: string
}

/**
 * Why these files cannot be attached, or undefined when they can: checked before any upload,
 * so a message that the node would refuse costs no upload (attachments.md §1 limits).
 * @param maxBytes the node's limit per file (`ATTACHMENT_MAX_BYTES`, 256 MiB)
 */
export function attachmentProblem(
  files: readonly { readonly name: string; readonly size: number }[],
  maxBytes: number,
): AttachmentProblem | undefined {
  if (files.length > MAX_ATTACHMENTS)
    return {
      code: 'BAD_REQUEST',
      message: `attachments: at most ${MAX_ATTACHMENTS} files, got ${files.length}`,
    }
  for (const f of files) {
    if (f.name.length === 0 || f.name.length > MAX_ATTACHMENT_NAME)
      return {
        code: 'BAD_REQUEST',
        message: `attachment name: expected 1..${MAX_ATTACHMENT_NAME} characters, got ${f.name.length}`,
      }
    if (f.size > maxBytes)
      return {
        code: 'LIMIT_EXCEEDED',
        message: `attachment ${f.name}: ${formatSize(f.size)}, above the limit of ${formatSize(maxBytes)}`,
      }
  }
  return undefined
}
