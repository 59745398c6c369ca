/**
 * People-facing text of messages and posts: the aligned inbox table and the header block of
 * `show` (docs/cli.md "Messages"). Users are shown by contact name when known.
 * @module
 */
import { SHORT_ID_CHARS } from '@sdmp/client/ids'
import type { Message, MessageDetail, Post, SdmpApi } from '@sdmp/client'
import type { Style } from '../output.js'
import { formatColumns } from '../output.js'
import { short } from './account-options.js'

/** Turns a user fingerprint into what people read: `me`, a contact name, or a short form. */
export type Namer = (user: string) => string

/** A namer from the node's contacts and its own user (one `whoami` and one `contacts` call). */
export async function namerOf(api: SdmpApi): Promise<Namer> {
  const [who, { contacts }] = await Promise.all([api.whoami(), api.contacts()])
  const names = new Map(contacts.map((c) => [c.user, c.name]))
  return (user) => (user === who.user ? 'me' : (names.get(user) ?? short(user)))
}

/** `2026-12-02T03:04:05.678Z` as `2026-12-02 03:04` (UTC, as stored). */
export function shortDate(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ')
}

/** The subject, else the first line of the body, cut to `max` characters. */
export function summaryOf(m: { subject: string | null; body: string }, max = 60): string {
  const text = m.subject ?? m.body.split('\n', 1)[0] ?? ''
  const chars = [...text]
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text
}

/** Newest first; ties broken by id so the order is stable. */
export function newestFirst(messages: readonly Message[]): Message[] {
  return [...messages].sort((a, b) =>
    a.created === b.created ? (a.id < b.id ? -1 : 1) : a.created < b.created ? 1 : -1,
  )
}

/**
 * The inbox as aligned columns: short id, date, from, subject or first line, state; then, for
 * each message that is `waiting` or `rejected`, a line saying why.
 */
export function formatInbox(messages: readonly Message[], name: Namer, style: Style): string {
  if (messages.length === 0) return 'no messages'
  const paint = {
    unread: style.bold,
    sent: style.dim,
    delivered: style.dim,
    read: undefined,
    waiting: style.warn,
    rejected: style.bad,
  }
  const rows = messages.map((m) => {
    const state = paint[m.state]
    return [
      m.id.slice(0, SHORT_ID_CHARS),
      shortDate(m.created),
      m.direction === 'out' ? `me → ${m.to.map(name).join(', ')}` : name(m.from),
      m.deleted ? '(deleted)' : `${summaryOf(m)}${m.edited === null ? '' : ' (edited)'}`,
      state === undefined ? m.state : { text: m.state, paint: state },
    ]
  })
  const table = formatColumns([['ID', 'DATE', 'FROM', 'SUBJECT', 'STATE'], ...rows])
  const why = messages
    .filter((m) => m.reason !== null)
    .map((m) => `${m.id.slice(0, SHORT_ID_CHARS)} ${m.state}: ${m.reason}`)
  return [...table, ...(why.length > 0 ? ['', ...why] : [])].join('\n')
}

/** `show` of a message: headers, a blank line, the body. */
export function formatMessage(m: MessageDetail, name: Namer, style: Style): string {
  const b = style.bold
  const lines = [
    `${b('id:')}       ${m.id}`,
    `${b('from:')}     ${name(m.from)}${name(m.from) === 'me' ? '' : ` (${m.from})`}`,
    `${b('to:')}       ${m.to.map(name).join(', ')}`,
    `${b('date:')}     ${m.created}`,
    ...(m.subject === null ? [] : [`${b('subject:')}  ${m.subject}`]),
    ...(m.replyTo === null ? [] : [`${b('reply-to:')} ${m.replyTo}`]),
    ...(m.conversation === m.id ? [] : [`${b('thread:')}   ${m.conversation}`]),
    ...(m.expires === null ? [] : [`${b('expires:')}  ${m.expires}`]),
    ...(m.type === 'text' ? [] : [`${b('type:')}     ${m.type}`]),
    ...(m.edited === null ? [] : [`${b('edited:')}   ${m.edited} (sdmp show ID --history)`]),
    `${b('state:')}    ${m.state}${m.reason === null ? '' : ` (${m.reason})`}`,
    ...m.receipts.map((r) => `${b('receipt:')}  ${name(r.user)} ${r.status} ${r.at}`),
  ]
  return [...lines, '', m.deleted ? style.dim('(deleted)') : m.body].join('\n')
}

/** `show` of a public post: headers, a blank line, the body. */
export function formatPost(p: Post, name: Namer, style: Style): string {
  const b = style.bold
  const lines = [
    `${b('post:')}     ${p.id}`,
    `${b('from:')}     ${name(p.from)}`,
    `${b('date:')}     ${p.created}`,
    ...(p.subject === null ? [] : [`${b('subject:')}  ${p.subject}`]),
    ...(p.edited === null ? [] : [`${b('edited:')}   ${p.edited}`]),
  ]
  return [...lines, '', p.deleted ? style.dim('(deleted)') : p.body].join('\n')
}
