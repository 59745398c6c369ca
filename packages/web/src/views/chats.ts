/**
 * The chat list (`#/chats`): one row per chat with its people, the last message, its time and
 * the unread count, most recent first; and search (`#/chats?q=…`) over the messages this node
 * can read (chats.ts). Everything from a message is text here: previews are never rendered.
 * @module
 */
import type { Message } from '@sdmp/client'
import { h, replaceChildren } from '../dom.js'
import { listChats, searchMessages } from '../chats.js'
import { SEARCH_LIMIT } from '../chats.js'
import type { ChatSummary } from '../chats.js'
import { formatShortTime, formatTime, routeHash } from '../format.js'
import type { View, ViewContext } from './view.js'

/** Characters of a body shown in a row. */
const PREVIEW_CHARS = 120

/** A one-line preview of a message body (as text). */
export function preview(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim()
  return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS)}…` : line
}

/** The title of a chat: its people's names, or "Notes to self". */
export function chatTitle(names: readonly string[]): string {
  return names.length === 0 ? 'Notes to self' : names.join(', ')
}

function chatRow(c: ChatSummary): HTMLElement {
  const last = c.last
  const text = last.group?.event
    ? 'Members changed'
    : last.deleted
      ? 'Deleted message'
      : last.body === '' && last.subject !== null
        ? last.subject
        : last.body
  return h(
    'li',
    {
      class: `chat-row${c.unread > 0 ? ' has-unread' : ''}`,
      'data-id': c.id,
      'data-last': last.id,
    },
    h(
      'a',
      { href: routeHash('chat', c.id) },
      // A group chat is named after its group (docs/protocol/groups.md §6).
      h('span', { class: 'name' }, c.group ? c.group.name : chatTitle(c.names)),
      h(
        'time',
        { datetime: last.created, title: formatTime(last.created) },
        formatShortTime(last.created),
      ),
      h(
        'span',
        { class: 'preview' },
        last.direction === 'out' ? h('span', { class: 'you' }, 'You: ') : null,
        preview(text),
      ),
      c.unread > 0
        ? h('span', { class: 'unread badge', 'aria-label': `${c.unread} unread` }, c.unread)
        : null,
    ),
  )
}

function hitRow(ctx: ViewContext, m: Message): HTMLElement {
  const who = m.direction === 'in' ? ctx.nameOf(m.from) : 'You'
  return h(
    'li',
    { class: 'search-hit', 'data-id': m.id },
    h(
      'a',
      { href: routeHash('chat', m.chat, { m: m.id }) },
      h('span', { class: 'name' }, who),
      h('time', { datetime: m.created }, formatTime(m.created)),
      m.subject === null ? null : h('span', { class: 'subject' }, m.subject),
      h('span', { class: 'preview' }, preview(m.body)),
    ),
  )
}

/** `#/chats` and `#/chats?q=words`. */
export const chatsView: View = {
  title: (route) => (route.query.get('q') === null ? 'Chats' : 'Search'),
  async mount(ctx) {
    const query = ctx.route.query.get('q') ?? ''
    const search = h('input', {
      type: 'search',
      id: 'chat-search',
      name: 'q',
      value: query,
      placeholder: 'Search messages',
      autocomplete: 'off',
    })
    const form = h(
      'form',
      { class: 'search', role: 'search' },
      h('label', { for: 'chat-search', class: 'visually-hidden' }, 'Search messages'),
      search,
      h('button', { type: 'submit', class: 'secondary' }, 'Search'),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const q = search.value.trim()
      ctx.navigate(routeHash('chats', undefined, q === '' ? {} : { q }))
    })
    const list = h('ol', { class: 'chats', 'aria-label': query === '' ? 'chats' : 'results' })
    const refresh = async (): Promise<void> => {
      await ctx.contacts() // names for the rows
      if (query !== '') {
        const hits = await searchMessages(ctx.api, query)
        if (hits.length === 0) replaceChildren(list, h('li', { class: 'empty' }, 'No match.'))
        else replaceChildren(list, ...hits.map((m) => hitRow(ctx, m)))
        return
      }
      const chats = await listChats(ctx.api)
      if (chats.length === 0)
        replaceChildren(
          list,
          h('li', { class: 'empty' }, 'No messages yet. Start a chat, or add a contact first.'),
        )
      else replaceChildren(list, ...chats.map(chatRow))
    }
    await refresh()
    const element = h(
      'section',
      { class: 'view chats-view' },
      h('h1', { tabindex: -1 }, query === '' ? 'Chats' : `Search: ${query}`),
      h('div', { class: 'toolbar' }, form),
      query === ''
        ? null
        : h(
            'p',
            { class: 'hint' },
            `Searched the latest ${SEARCH_LIMIT.toLocaleString('en')} messages this node holds.`,
          ),
      list,
    )
    return { element, refreshOn: ['message', 'receipt', 'contact'], refresh }
  },
}
