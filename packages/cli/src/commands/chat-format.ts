/**
 * People-facing text of chats (docs/cli.md "Chats"): the chat list `inbox` prints, and a chat
 * or thread as a chat log, oldest first, with a one-line quote of the message a reply answers
 * in place. Also the paging hint line and the --limit/--before checks every paged command
 * shares.
 * @module
 */
import { SHORT_ID_CHARS } from '@sdmp/client/ids'
import type { ChatSummary, Message } from '@sdmp/client'
import type { Style } from '../output.js'
import { formatColumns } from '../output.js'
import { usageError } from '../cli-error.js'
import type { Namer } from './message-format.js'
import { groupEventLine, senderOf, shortDate, summaryOf } from './message-format.js'
import { escapeControls, renderBody } from './body-render.js'

/** Largest --limit (the API's page limit, API_PAGE_LIMITS.list). */
const MAX_LIMIT = 1_000

/**
 * `--limit N`: a whole number 1..1000, or `fallback` when absent.
 * @throws CliError USAGE
 */
export function parseLimit(value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  const text = String(value)
  if (!/^[1-9][0-9]{0,3}$/.test(text) || Number(text) > MAX_LIMIT)
    throw usageError(`--limit: expected a whole number from 1 to ${MAX_LIMIT}, got '${text}'`)
  return Number(text)
}

/**
 * `--before CURSOR`: the `next` a page printed (the node checks it: a malformed one is a
 * BAD_REQUEST from there); only its length and alphabet are checked here, for a usage line.
 * @throws CliError USAGE
 */
export function parseCursor(value: unknown): string | undefined {
  if (value === undefined) return undefined
  const text = String(value)
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text))
    throw usageError(`--before: expected the cursor a previous page printed, got '${text}'`)
  return text
}

/** The hint line after a page when more exist: the exact command for the next page. */
export function nextPageHint(
  command: readonly string[],
  next: string | null,
  style: Style,
  label = 'more',
): string {
  if (next === null) return ''
  return `\n${style.dim(`${label}: sdmp ${[...command, '--before', next].join(' ')}`)}`
}

/** Who a chat is with, for people: `@group`, the names, or `me (notes to self)`. */
export function chatTitle(
  chat: Pick<ChatSummary, 'names'> & { group?: ChatSummary['group'] },
): string {
  if (chat.group) return `@${escapeControls(chat.group.name)}`
  return chat.names.length === 0 ? 'me (notes to self)' : chat.names.join(', ')
}

/**
 * The chat list: one line per chat with the short id of its last message (for show and
 * --reply-to), who it is with, the unread count, the last time and a preview of the last one.
 */
export function formatChats(chats: readonly ChatSummary[], style: Style): string {
  if (chats.length === 0) return 'no messages'
  const rows = chats.map((c) => {
    const sender =
      c.last.direction === 'out'
        ? 'me: '
        : c.with.length > 1
          ? `${c.names[c.with.indexOf(c.last.from)] ?? ''}: `
          : ''
    return [
      c.last.id.slice(0, SHORT_ID_CHARS),
      chatTitle(c),
      c.unread === 0 ? '' : { text: String(c.unread), paint: style.bold },
      shortDate(c.last.created),
      sender + (c.last.deleted ? '(deleted)' : summaryOf(c.last, 50)),
    ]
  })
  return formatColumns([['ID', 'CHAT', 'UNREAD', 'LAST', 'MESSAGE'], ...rows]).join('\n')
}

/**
 * A chat log, oldest first: time, sender, short id, body (continuation lines indented under the
 * body). A reply starts with `> NAME: first words…` of the message it answers, from `quoted`
 * (the messages of the page and any looked up), or a plain note when this node has no copy.
 */
export function formatChatLog(
  messages: readonly Message[],
  quoted: ReadonlyMap<string, Message>,
  name: Namer,
  style: Style,
): string {
  if (messages.length === 0) return 'no messages'
  const oldestFirst = [...messages].sort((a, b) =>
    a.created === b.created ? (a.id < b.id ? -1 : 1) : a.created < b.created ? -1 : 1,
  )
  const senders = oldestFirst.map((m) => senderOf(m, name))
  const width = Math.max(...senders.map((s) => [...s].length))
  const out: string[] = []
  oldestFirst.forEach((m, i) => {
    const sender = senders[i]!
    const head = `${shortDate(m.created)}  ${sender}${' '.repeat(width - [...sender].length)}  ${m.id.slice(0, SHORT_ID_CHARS)}  `
    const indent = ' '.repeat(head.length)
    const lines: string[] = []
    if (m.replyTo !== null) {
      const q = quoted.get(m.replyTo)
      lines.push(
        style.dim(
          q === undefined
            ? `> (a message this node does not hold: ${m.replyTo.slice(0, SHORT_ID_CHARS)})`
            : `> ${name(q.from)}: ${summaryOf({ subject: null, body: q.body }, 40)}`,
        ),
      )
    }
    if (m.forwardedFrom !== null) {
      const f = m.forwardedFrom
      const note = f.note === null ? '' : `: ${escapeControls(f.note)}`
      lines.push(style.dim(`↪ forwarded from ${name(f.user)}${note}`))
    }
    if (m.subject !== null) lines.push(style.bold(escapeControls(m.subject)))
    if (m.group?.event) lines.push(style.dim(groupEventLine(m.group.event, name)))
    else if (m.deleted) lines.push(style.dim('(deleted)'))
    else lines.push(...renderBody(m.body, m.type, style).split('\n'))
    if (m.edited !== null && !m.deleted) lines[lines.length - 1] += style.dim(' (edited)')
    const paint = m.direction === 'in' && m.state === 'unread' ? style.bold : (t: string) => t
    out.push(paint(head) + lines[0])
    for (const line of lines.slice(1)) out.push(indent + line)
  })
  return out.join('\n')
}
