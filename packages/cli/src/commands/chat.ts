/**
 * `sdmp chat NAME...`: one chat as a chat log, oldest first, replies quoting what they answer
 * in place (docs/cli.md "Chats"). NAME is a contact name (any case), a user fingerprint, or
 * `me` for notes to self; several names open the group chat of exactly those people. The newest
 * page is shown (--limit, default 20); --before CURSOR pages back. Reading a chat does not mark
 * it read unless --mark-read is given: a log you scroll through is not a message you opened
 * (`show` marks one read), and read receipts tell the sender you read it.
 * @module
 */
import type { Contact, Message, SdmpApi } from '@sdmp/client'
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { PAGE_OPTIONS } from './chat-options.js'

/** Messages per page without --limit. */
const DEFAULT_LIMIT = 20

/** `sdmp chat NAME...`. */
export const chatCommand: Command = {
  name: 'chat',
  summary: 'show a chat with a contact or a group as a chat log, oldest first',
  usage: 'chat NAME... [--limit N] [--before CURSOR] [--mark-read] [--json]',
  options: {
    'mark-read': {
      type: 'boolean',
      description: 'mark the received messages shown read (sends read receipts)',
    },
    ...PAGE_OPTIONS,
    ...ACCOUNT_OPTIONS,
  },
  args: [{ name: 'NAME', required: true, variadic: true }],
  details: [
    'NAME is a contact name (any case), a user fingerprint, or me (notes to self). Several',
    'names show the chat of exactly those people (sdmp chat alice bob); @NAME shows the chat of',
    'group NAME (sdmp group).',
    'Each line: time, sender (me for you), short id (for show and --reply-to), the body. A reply',
    'starts with a quote of the message it answers: > bob: first words…',
    `The newest ${DEFAULT_LIMIT} messages are shown (--limit N); when older ones exist, a last line`,
    'gives the command for them (--before CURSOR). Showing a chat does not mark it read:',
    'add --mark-read (or read one with sdmp show ID).',
    'With --json: {"chat","with","messages":[...],"next"}, messages newest first as the API',
    'returns them.',
  ].join('\n'),
  async run(ctx) {
    const { parseCursor, parseLimit } = await import('./chat-format.js')
    const limit = parseLimit(ctx.options['limit'], DEFAULT_LIMIT)
    const before = parseCursor(ctx.options['before'])
    const markRead = ctx.options['mark-read'] === true
    const { withApi } = await import('../connect.js')
    const { formatChatLog, nextPageHint } = await import('./chat-format.js')
    const { namerOf } = await import('./message-format.js')
    return withApi(ctx, async (api) => {
      const [who, { contacts }] = await Promise.all([api.whoami(), api.contacts()])
      const me = who.user ?? ''
      // `@NAME`: a group's chat (docs/protocol/groups.md §6).
      const group = ctx.args[0]!.startsWith('@')
        ? await groupOf(api, ctx.args[0]!.slice(1))
        : undefined
      const people = group
        ? group.members.map((m) => m.user).filter((u) => u !== me)
        : await peopleOf(ctx.args, contacts, me)
      const chat = group?.chat ?? (people.length === 0 ? me : people.join('.'))
      const page = await api.chatMessages(chat, { limit, ...(before !== undefined && { before }) })
      let messages: readonly Message[] = page.messages
      if (markRead) messages = await markAllRead(api, messages)
      const value = { chat, with: people, messages, next: page.next }
      if (ctx.json) return { value, text: '' }
      const quoted = await quotesFor(api, messages)
      const again = [
        'chat',
        ...ctx.args,
        ...(ctx.options['limit'] === undefined ? [] : ['--limit', String(limit)]),
      ]
      const name = await namerOf(api)
      const text =
        formatChatLog(messages, quoted, name, ctx.style) +
        nextPageHint(again, page.next, ctx.style, 'older')
      return { value, text }
    })
  },
}

/** The group named `ref` (a name or id). @throws NOT_FOUND */
async function groupOf(api: SdmpApi, ref: string) {
  const { groups } = await api.groups()
  const g = groups.find((x) => x.id === ref) ?? groups.find((x) => x.name === ref)
  if (g === undefined) {
    const { CliError } = await import('../cli-error.js')
    const { PROTOCOL_EXIT_CODES } = await import('../exit-codes.js')
    throw new CliError('NOT_FOUND', `no group named ${ref}`, PROTOCOL_EXIT_CODES.NOT_FOUND)
  }
  return g
}

/**
 * The people NAMEs name, sorted and without me: contact names (case-insensitive, with a
 * suggestion for a typo), fingerprints, `me`.
 * @throws NOT_FOUND, CONFLICT (from the contact name rules)
 */
async function peopleOf(
  names: readonly string[],
  contacts: readonly Contact[],
  me: string,
): Promise<string[]> {
  const { findContact, requireContact } = await import('@sdmp/daemon/account')
  const people = new Set<string>()
  for (const name of names) {
    const contact = findContact(contacts, name)
    if (contact) people.add(contact.user)
    else if (/^[A-Za-z0-9_-]{86}$/.test(name)) people.add(name)
    else if (name.toLowerCase() !== 'me') people.add(requireContact(contacts, name).user)
  }
  people.delete(me)
  return [...people].sort()
}

/** Mark every unread received message read; returns the messages with their new state. */
async function markAllRead(api: SdmpApi, messages: readonly Message[]): Promise<Message[]> {
  const out: Message[] = []
  for (const m of messages) {
    if (m.direction !== 'in' || m.state !== 'unread') {
      out.push(m)
      continue
    }
    const { receipts: _, ...read } = (await api.markRead(m.id)).message
    out.push(read)
  }
  return out
}

/**
 * The messages that replies among `messages` answer: from `messages` itself, else asked of the
 * node (`show` marks nothing read); one the node does not hold is left out.
 */
export async function quotesFor(
  api: SdmpApi,
  messages: readonly Message[],
): Promise<Map<string, Message>> {
  const byId = new Map(messages.map((m) => [m.id, m]))
  for (const m of messages) {
    if (m.replyTo === null || byId.has(m.replyTo)) continue
    try {
      const shown = await api.show(m.replyTo)
      if ('message' in shown) byId.set(m.replyTo, shown.message)
    } catch (e) {
      // Not held here (never received, or expired): the log says so in place of the quote.
      if ((e as { code?: unknown }).code !== 'NOT_FOUND') throw e
    }
  }
  return byId
}
