/**
 * The bubbles of a chat view (chat.ts): one per message, mine on the right and theirs on the
 * left, with who sent it (and for whom, under a delegation), a forward's origin, the quote of
 * the message it answers, its body or attachments, time, state and actions (reply, forward,
 * edit and delete my own, details); a group's membership change as a line of its own. Also how
 * the view finds a bubble and jumps to it.
 * @module
 */
import type { Message } from '@sdmp/client'
import { h } from '../dom.js'
import { groupEventText, reasonOf } from '../chats.js'
import { formatShortTime, formatTime, routeHash } from '../format.js'
import { renderBody } from '../render.js'
import { preview } from './chats.js'
import type { ViewContext } from './view.js'

/** The bubble of a message on the page, by id. */
export function bubbleOf(list: HTMLElement, id: string): HTMLElement | null {
  return list.querySelector<HTMLElement>(`li.bubble[data-id="${CSS.escape(id)}"]`)
}

/** Scroll to a message, focus it, mark it as the target and flash it briefly. */
export function jumpTo(list: HTMLElement, id: string): boolean {
  const target = bubbleOf(list, id)
  if (target === null) return false
  for (const old of list.querySelectorAll('li.bubble.target')) old.classList.remove('target')
  target.classList.add('target')
  target.scrollIntoView({ block: 'center' })
  target.focus({ preventScroll: true })
  target.classList.remove('flash')
  void target.offsetWidth // restart the animation
  target.classList.add('flash')
  return true
}

/** What the buttons of a bubble do (the chat view binds them to its composer and list). */
export interface BubbleActions {
  reply(m: Message): void
  jump(id: string): void
  /** Put one of my messages in the composer to edit it (docs/protocol/edits.md). */
  edit(m: Message): void
  /** Delete one of my messages (the button asks to confirm first). */
  remove(m: Message, button: HTMLButtonElement): void
  /** Open the forward picker for a message (forward.ts). */
  forward(m: Message): void
}

/** Edit and Delete on my own bubbles (only the author may: the node refuses anyone else). */
function ownActions(m: Message, act: BubbleActions): HTMLElement[] {
  if (m.direction !== 'out' || m.deleted) return []
  const edit = h(
    'button',
    { type: 'button', class: 'link', 'aria-label': 'Edit this message' },
    'Edit',
  )
  edit.addEventListener('click', () => act.edit(m))
  const remove = h(
    'button',
    { type: 'button', class: 'link danger', 'aria-label': 'Delete this message' },
    'Delete',
  )
  remove.addEventListener('click', () => act.remove(m, remove))
  return [edit, remove]
}

/** The quote of the message `m` answers (a click jumps there), or null when none. */
function quote(ctx: ViewContext, m: Message, byId: Map<string, Message>, act: BubbleActions) {
  if (m.replyTo === null) return null
  const answered = byId.get(m.replyTo)
  if (answered === undefined)
    return h('p', { class: 'quote missing' }, 'In reply to a message not shown here')
  const who = answered.direction === 'out' ? 'You' : ctx.nameOf(answered.from)
  return h(
    'button',
    {
      type: 'button',
      class: 'quote',
      'data-reply-to': answered.id,
      'aria-label': `In reply to ${who}: ${preview(answered.body)}. Show it`,
      onclick: () => act.jump(answered.id),
    },
    h('span', { class: 'who' }, who),
    h('span', { class: 'text' }, preview(answered.body)),
  )
}

/** The bubble of one message (`group`: show who sent it); `byId` finds the quoted ones. */
export function bubble(
  ctx: ViewContext,
  m: Message,
  group: boolean,
  byId: Map<string, Message>,
  act: BubbleActions,
): HTMLElement {
  const name = m.direction === 'out' ? 'You' : ctx.nameOf(m.from)
  const files = m.attachments?.length ?? 0
  const reason = reasonOf(m)
  // A membership change of a group: a line of its own, not a bubble anyone wrote.
  if (m.group?.event)
    return h(
      'li',
      { id: `msg-${m.id}`, class: 'bubble event', 'data-id': m.id, tabindex: -1 },
      h(
        'p',
        { class: 'group-event' },
        groupEventText(m.group.event, (u) => (u === ctx.me.user ? 'You' : ctx.nameOf(u))),
      ),
    )
  return h(
    'li',
    {
      // An id, so the app keeps focus on it across live refreshes.
      id: `msg-${m.id}`,
      class: `bubble ${m.direction} state-${m.state}`,
      'data-id': m.id,
      tabindex: -1,
    },
    group && m.direction === 'in' ? h('span', { class: 'sender' }, name) : null,
    // Sent under a delegation the node checked (protocol/delegation.md §3): "Bob for Alice".
    m.onBehalfOf === null
      ? null
      : h('p', { class: 'on-behalf' }, `${name} for ${ctx.nameOf(m.onBehalfOf)}`),
    // A forward: the node verified the original author's signature (protocol/forwarding.md).
    m.forwardedFrom === null
      ? null
      : h('p', { class: 'forwarded' }, `Forwarded from ${ctx.nameOf(m.forwardedFrom.user)}`),
    m.forwardedFrom === null || m.forwardedFrom.note === null
      ? null
      : h('p', { class: 'forward-note' }, m.forwardedFrom.note),
    quote(ctx, m, byId, act),
    m.subject === null ? null : h('strong', { class: 'subject' }, m.subject),
    m.deleted
      ? h('p', { class: 'deleted' }, 'This message was deleted')
      : renderBody(m.type, m.body),
    files === 0
      ? null
      : h(
          'a',
          { class: 'files', href: routeHash('message', m.id) },
          files === 1 ? '1 attachment' : `${files} attachments`,
        ),
    h(
      'div',
      { class: 'meta' },
      h(
        'time',
        { datetime: m.created, title: formatTime(m.created) },
        formatShortTime(m.created, true),
      ),
      m.edited === null || m.deleted
        ? null
        : h('span', { class: 'edited', title: `Edited ${formatTime(m.edited)}` }, 'edited'),
      m.direction === 'out' || m.state === 'unread'
        ? h('span', { class: `state badge ${m.state}` }, m.state)
        : null,
      m.deleted
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'link',
              'aria-label': `Reply to ${name}`,
              onclick: () => act.reply(m),
            },
            'Reply',
          ),
      // An edited or deleted message is not forwarded (forwarding.md §3).
      m.deleted || m.edited !== null
        ? null
        : h('button', { type: 'button', class: 'link', onclick: () => act.forward(m) }, 'Forward'),
      ...ownActions(m, act),
      h('a', { href: routeHash('message', m.id), 'aria-label': 'Message details' }, 'Details'),
    ),
    reason === null ? null : h('p', { class: 'reason' }, reason),
  )
}
