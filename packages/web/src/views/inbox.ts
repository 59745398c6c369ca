/**
 * The inbox: received messages, newest first, optionally with the sent ones
 * (`GET /v1/messages?all=true`, docs/api.md). Subjects and bodies are shown as text only.
 * @module
 */
import type { Message } from '@sdmp/client'
import { h, replaceChildren } from '../dom.js'
import { formatTime, routeHash } from '../format.js'
import type { View, ViewContext } from './view.js'

/** Characters of the body shown in a row. */
const PREVIEW_CHARS = 120

/** Newest first by creation time (the API's order is not relied upon). */
export function newestFirst<T extends { readonly created: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => Date.parse(b.created) - Date.parse(a.created))
}

function row(ctx: ViewContext, m: Message): HTMLElement {
  const who =
    m.direction === 'in'
      ? `From ${ctx.nameOf(m.from)}`
      : `To ${m.to.map((u) => ctx.nameOf(u)).join(', ')}`
  const preview = m.body.length > PREVIEW_CHARS ? `${m.body.slice(0, PREVIEW_CHARS)}…` : m.body
  return h(
    'li',
    { class: `message-row ${m.direction} state-${m.state}`, 'data-id': m.id },
    h(
      'a',
      { href: routeHash('message', m.id) },
      h('span', { class: 'who' }, who),
      h('span', { class: 'subject' }, m.subject ?? '(no subject)'),
      h('span', { class: 'preview' }, preview),
      h('time', { datetime: m.created }, formatTime(m.created)),
      h('span', { class: `state badge ${m.state}` }, m.state),
    ),
  )
}

/** `#/inbox` and `#/inbox?all=1`. */
export const inboxView: View = {
  title: (route) => (route.query.get('all') === '1' ? 'All messages' : 'Inbox'),
  async mount(ctx) {
    const all = ctx.route.query.get('all') === '1'
    const toggle = h('input', { type: 'checkbox', id: 'include-sent', checked: all })
    toggle.addEventListener('change', () =>
      ctx.navigate(routeHash('inbox', undefined, toggle.checked ? { all: '1' } : {})),
    )
    const list = h('ol', { class: 'messages', 'aria-label': 'messages' })
    const refresh = async (): Promise<void> => {
      const { messages } = await ctx.api.inbox({ all })
      await ctx.contacts() // names for the rows
      if (messages.length === 0) {
        replaceChildren(list, h('li', { class: 'empty' }, 'No messages yet.'))
        return
      }
      replaceChildren(list, ...newestFirst(messages).map((m) => row(ctx, m)))
    }
    await refresh()
    const element = h(
      'section',
      { class: 'view inbox' },
      h('h1', { tabindex: -1 }, all ? 'All messages' : 'Inbox'),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { class: 'check' }, toggle, ' Include sent messages'),
        h('a', { class: 'button', href: routeHash('compose') }, 'Write a message'),
      ),
      list,
    )
    return { element, refreshOn: ['message', 'receipt', 'contact'], refresh }
  },
}
