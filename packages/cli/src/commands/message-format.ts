/**
 * People-facing text of messages and posts: the aligned inbox table and the header block of
 * `show` (docs/cli.md "Messages"). Users are shown by contact name when known.
 * @module
 */
import { SHORT_ID_CHARS } from '@sdmp/client/ids'
import type {
  ForwardedFrom,
  GroupEventInfo,
  Message,
  MessageDetail,
  Post,
  SdmpApi,
} from '@sdmp/client'
import type { Style } from '../output.js'
import { formatColumns } from '../output.js'
import { short } from './account-options.js'
import { escapeControls, renderBody } from './body-render.js'

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

/**
 * The subject, else the first line of the body, cut to `max` characters, its control
 * characters made visible (body-render.ts: a summary is printed too).
 */
export function summaryOf(m: { subject: string | null; body: string }, max = 60): string {
  const text = escapeControls(m.subject ?? m.body.split('\n', 1)[0] ?? '')
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
      m.direction === 'out' ? `me → ${m.to.map(name).join(', ')}` : senderOf(m, name),
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

/**
 * Who sent a message as a reader says it: "bob for alice" when bob sent it under alice's
 * delegation (docs/protocol/delegation.md), else the sender's name.
 */
export function senderOf(m: Pick<Message, 'from' | 'onBehalfOf'>, name: Namer): string {
  return m.onBehalfOf === null ? name(m.from) : `${name(m.from)} for ${name(m.onBehalfOf)}`
}

/**
 * `show` of a message: headers, a blank line, the body rendered for its declared type
 * (body-render.ts: controls escaped, markdown styled, html as text).
 */
export function formatMessage(m: MessageDetail, name: Namer, style: Style): string {
  const b = style.bold
  const lines = [
    `${b('id:')}       ${m.id}`,
    `${b('from:')}     ${senderOf(m, name)}${name(m.from) === 'me' ? '' : ` (${m.from})`}`,
    `${b('to:')}       ${m.to.map(name).join(', ')}`,
    ...(m.group === null ? [] : [`${b('group:')}    @${escapeControls(m.group.name)}`]),
    `${b('date:')}     ${m.created}`,
    ...(m.subject === null ? [] : [`${b('subject:')}  ${escapeControls(m.subject)}`]),
    ...(m.replyTo === null ? [] : [`${b('reply-to:')} ${m.replyTo}`]),
    ...(m.conversation === m.id ? [] : [`${b('thread:')}   ${m.conversation}`]),
    ...(m.expires === null ? [] : [`${b('expires:')}  ${m.expires}`]),
    ...(m.type === 'text' ? [] : [`${b('type:')}     ${m.type}`]),
    ...(m.forwardedFrom === null ? [] : forwardLines(m.forwardedFrom, name, style)),
    ...(m.edited === null ? [] : [`${b('edited:')}   ${m.edited} (sdmp show ID --history)`]),
    `${b('state:')}    ${m.state}${m.reason === null ? '' : ` (${m.reason})`}`,
    ...m.receipts.map((r) => `${b('receipt:')}  ${name(r.user)} ${r.status} ${r.at}`),
  ]
  return [
    ...lines,
    '',
    m.deleted
      ? style.dim('(deleted)')
      : m.group?.event
        ? style.dim(groupEventLine(m.group.event, name))
        : renderBody(m.body, m.type, style),
  ].join('\n')
}

/** A group membership change with names: "alice added carol" (docs/protocol/groups.md §6). */
export function groupEventLine(e: GroupEventInfo, name: Namer): string {
  const users = e.users.map(name).join(', ')
  if (e.kind === 'create')
    return `${name(e.by)} created the group${users === '' ? '' : ` with ${users}`}`
  return `${name(e.by)} ${e.kind === 'add' ? 'added' : 'removed'} ${users}`
}

/** `show` of a public post: headers, a blank line, the body. */
export function formatPost(p: Post, name: Namer, style: Style): string {
  const b = style.bold
  const lines = [
    `${b('post:')}     ${p.id}`,
    `${b('from:')}     ${name(p.from)}`,
    `${b('date:')}     ${p.created}`,
    ...(p.subject === null ? [] : [`${b('subject:')}  ${escapeControls(p.subject)}`]),
    ...(p.edited === null ? [] : [`${b('edited:')}   ${p.edited}`]),
  ]
  return [
    ...lines,
    '',
    p.deleted ? style.dim('(deleted)') : renderBody(p.body, p.type, style),
  ].join('\n')
}

/**
 * The header lines of a forward: who wrote the original (name and fingerprint: the author
 * may be a stranger, known only by the fingerprint their signature was verified with), its
 * id and date, and the forwarder's note.
 */
function forwardLines(f: ForwardedFrom, name: Namer, style: Style): string[] {
  const b = style.bold
  const who = name(f.user)
  return [
    `${b('forward:')}  from ${who === short(f.user) ? f.user : `${who} (${f.user})`}, signature verified`,
    `${b('original:')} ${f.id} ${f.created}`,
    ...(f.note === null ? [] : [`${b('note:')}     ${escapeControls(f.note)}`]),
  ]
}
