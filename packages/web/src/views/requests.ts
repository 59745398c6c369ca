/**
 * Message requests on the contacts page (`/v1/requests`, docs/protocol/requests.md): requests
 * from people who are not contacts yet, each with its text and Accept, Decline and Block.
 * Accepting makes the sender a contact, as adding their invite would.
 * @module
 */
import type { ContactRequest } from '@sdmp/client'
import { h, replaceChildren } from '../dom.js'
import { formatTime, short } from '../format.js'
import type { ViewContext } from './view.js'

/** The section and how to read it again. */
export interface RequestsSection {
  readonly element: HTMLElement
  readonly refresh: () => Promise<void>
}

function requestItem(ctx: ViewContext, r: ContactRequest, done: () => Promise<void>): HTMLElement {
  const who = r.name ?? short(r.user)
  const button = (label: string, cls: string, run: () => Promise<string>) => {
    const b = h('button', { type: 'button', class: cls }, label)
    b.setAttribute('aria-label', `${label} the request of ${who}`)
    b.addEventListener('click', () => {
      void ctx.act(b, async () => {
        ctx.notice(await run())
        await done()
      })
    })
    return b
  }
  const accept = button('Accept', '', async () => {
    const a = await ctx.api.acceptRequest(r.id)
    ctx.invalidateContacts()
    return `${a.contact.name} is now a contact`
  })
  const decline = button('Decline', 'secondary', async () => {
    await ctx.api.declineRequest(r.id)
    return `Declined the request of ${who}`
  })
  const block = button('Block', 'danger', async () => {
    await ctx.api.blockRequest(r.id)
    return `Blocked ${who}`
  })
  return h(
    'li',
    { class: 'request', 'data-user': r.user },
    h('strong', {}, who),
    ' ',
    h('code', { title: r.user }, short(r.user)),
    ' ',
    h('time', { datetime: r.received }, formatTime(r.received)),
    h('p', { class: 'request-text' }, r.text),
    h('div', { class: 'toolbar' }, accept, ' ', decline, ' ', block),
  )
}

/** The "Message requests" section; hidden while there are none. */
export function requestsSection(ctx: ViewContext, changed: () => Promise<void>): RequestsSection {
  const list = h('ul', { class: 'requests' })
  const element = h(
    'section',
    { class: 'message-requests', hidden: true, 'aria-label': 'Message requests' },
    h('h2', {}, 'Message requests'),
    h(
      'p',
      { class: 'hint' },
      'People who are not your contacts yet. Accept to add them; they are told nothing if you decline.',
    ),
    list,
  )
  const refresh = async (): Promise<void> => {
    const { requests } = await ctx.api.requests()
    element.hidden = requests.length === 0
    replaceChildren(list, ...requests.map((r) => requestItem(ctx, r, after)))
  }
  const after = async (): Promise<void> => {
    await refresh()
    await changed()
  }
  return { element, refresh }
}
