/**
 * One message (`GET /v1/items/{id}`): opening a received unread message marks it read
 * (`POST /v1/messages/{id}/read`, which sends the read receipt); a sent one shows its receipts;
 * its attachments list with a Download button each (views/attachments.ts).
 * Bodies are hostile input: plain text as text, markdown and html through the sanitizer.
 * @module
 */
import type { MessageDetail, Post } from '@sdmp/client'
import { h, replaceChildren } from '../dom.js'
import { formatTime, routeHash } from '../format.js'
import { reasonOf } from '../chats.js'
import { renderBody } from '../render.js'
import { attachmentList } from './attachments.js'
import type { View, ViewContext } from './view.js'

/**
 * How often an open message with attachments not here yet is shown again: no event tells
 * when a blob arrives, and each look also asks the peers for it (attachments.md §3).
 */
const MISSING_RECHECK_MS = 3_000

/** A term/definition pair of the header list. */
function pair(term: string, value: string | Node): Node[] {
  return [h('dt', {}, term), h('dd', {}, value)]
}

function receipts(ctx: ViewContext, m: MessageDetail): HTMLElement {
  if (m.receipts.length === 0) return h('p', { class: 'receipts empty' }, 'No receipts yet.')
  return h(
    'table',
    { class: 'receipts' },
    h('caption', {}, 'Receipts'),
    h('thead', {}, h('tr', {}, h('th', {}, 'Recipient'), h('th', {}, 'Status'), h('th', {}, 'At'))),
    h(
      'tbody',
      {},
      ...m.receipts.map((r) =>
        h(
          'tr',
          {},
          h('td', {}, ctx.nameOf(r.user)),
          h('td', {}, r.status),
          h('td', {}, h('time', { datetime: r.at }, formatTime(r.at))),
        ),
      ),
    ),
  )
}

function messageBody(ctx: ViewContext, m: MessageDetail): HTMLElement {
  // Reply to the sender of a received message, or to the recipients of a sent one.
  const replyTo = m.direction === 'in' ? [m.from] : [...m.to]
  const names = replyTo.map((u) => ctx.nameOf(u)).join(', ')
  return h(
    'article',
    { class: `message ${m.direction}`, 'data-id': m.id },
    h(
      'dl',
      { class: 'meta' },
      ...[
        ...pair('From', ctx.nameOf(m.from)),
        ...pair('To', m.to.map((u) => ctx.nameOf(u)).join(', ')),
        ...pair('Date', h('time', { datetime: m.created }, formatTime(m.created))),
        ...pair('State', h('span', { class: `state badge ${m.state}` }, m.state)),
        ...pair('Format', m.type),
        ...(m.expires === null ? [] : pair('Expires', formatTime(m.expires))),
      ],
    ),
    // Plain text, or markdown/html through the sanitizer (render.ts).
    renderBody(m.type, m.body),
    reasonOf(m) === null ? null : h('p', { class: 'reason' }, reasonOf(m)),
    attachmentList(ctx, m),
    m.direction === 'out' ? receipts(ctx, m) : null,
    h(
      'div',
      { class: 'toolbar' },
      h(
        'a',
        {
          class: 'button',
          href: routeHash('compose', undefined, { reply: m.id }),
          'aria-label': `Reply to ${names}`,
        },
        'Reply',
      ),
      h('a', { class: 'button secondary', href: routeHash('chat', m.chat) }, 'Back to the chat'),
    ),
  )
}

function postBody(ctx: ViewContext, p: Post): HTMLElement {
  return h(
    'article',
    { class: 'post', 'data-id': p.id },
    h(
      'dl',
      { class: 'meta' },
      ...[
        ...pair('From', ctx.nameOf(p.from)),
        ...pair('Date', h('time', { datetime: p.created }, formatTime(p.created))),
      ],
    ),
    renderBody(p.type, p.body),
  )
}

/** `#/message/ID`. */
export const messageView: View = {
  title: () => 'Message',
  async mount(ctx) {
    const id = ctx.route.arg
    const heading = h('h1', { tabindex: -1 }, 'Message')
    const content = h('div', { class: 'content' })
    const element = h('section', { class: 'view message-view' }, heading, content)
    if (id === null) {
      replaceChildren(content, h('p', {}, 'No message chosen.'))
      return { element }
    }
    let marked = false
    const refresh = async (): Promise<void> => {
      const shown = await ctx.api.show(id)
      await ctx.contacts()
      if ('post' in shown) {
        replaceChildren(heading, shown.post.subject ?? 'Post')
        replaceChildren(content, postBody(ctx, shown.post))
        return
      }
      let m = shown.message
      if (m.direction === 'in' && m.state === 'unread' && !marked) {
        marked = true // once per visit, even if a refresh races the receipt
        m = (await ctx.api.markRead(id)).message
      }
      const people =
        m.direction === 'in'
          ? `Message from ${ctx.nameOf(m.from)}`
          : `Message to ${m.to.map((u) => ctx.nameOf(u)).join(', ')}`
      replaceChildren(heading, m.subject ?? people)
      replaceChildren(content, messageBody(ctx, m))
      if (m.attachments?.some((a) => !a.available) === true) ctx.refreshLater(MISSING_RECHECK_MS)
    }
    await refresh()
    return { element, refreshOn: ['receipt', 'contact'], refresh }
  },
}
