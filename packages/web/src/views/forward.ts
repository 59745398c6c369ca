/**
 * The chat view's forward picker (docs/web.md "Chats", docs/protocol/forwarding.md): pick
 * contacts and add an optional note, then `POST /v1/messages/{id}/forward`; the recipients see
 * "Forwarded from" the original author, whose signature their nodes verify. It sits above the
 * composer, outside the message list, so live refreshes of the list leave it open.
 * @module
 */
import type { Message } from '@sdmp/client'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { field, h, replaceChildren } from '../dom.js'
import { preview } from './chats.js'
import type { ViewContext } from './view.js'

/** The picker and how to open it for a message. */
export interface ForwardPicker {
  readonly element: HTMLElement
  open(m: Message): Promise<void>
}

/** A hidden forward picker; {@link ForwardPicker.open} fills it for one message. */
export function forwardPicker(ctx: ViewContext): ForwardPicker {
  const heading = h('p', { class: 'forward-what' })
  const people = h('fieldset', { class: 'forward-to' })
  const note = h('input', { id: 'forward-note', maxlength: 1000, autocomplete: 'off' })
  const go = h('button', { type: 'submit' }, 'Forward')
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel')
  const element = h(
    'form',
    { class: 'forward-picker', 'aria-label': 'Forward a message', hidden: true },
    heading,
    people,
    field('Note (optional)', note, 'shown with the message'),
    h('div', { class: 'toolbar' }, go, cancel),
  )
  let message: Message | null = null
  const close = (): void => {
    message = null
    element.hidden = true
    element.reset()
  }
  cancel.addEventListener('click', close)
  element.addEventListener('submit', (event) => {
    event.preventDefault()
    const m = message
    if (m === null) return
    const to = [...people.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value)
    void ctx.act(go, async () => {
      if (to.length === 0)
        throw new ProtocolError(ErrorCode.BAD_REQUEST, 'pick at least one contact to forward to')
      const text = note.value.trim()
      await ctx.api.forward(m.id, { to, ...(text !== '' && { note: text }) })
      close()
      ctx.notice(`Forwarded to ${to.join(', ')}`)
    })
  })
  return {
    element,
    async open(m) {
      const contacts = (await ctx.contacts()).filter(
        (c) => c.status === 'mutual' && c.blocked !== true,
      )
      message = m
      const who = m.direction === 'out' ? 'your' : `${ctx.nameOf(m.from)}'s`
      replaceChildren(heading, `Forward ${who} message: `, h('q', {}, preview(m.body)))
      replaceChildren(
        people,
        h('legend', {}, 'To'),
        ...contacts.map((c) =>
          h(
            'label',
            { class: 'check' },
            h('input', { type: 'checkbox', name: 'forward-to', value: c.name }),
            ` ${c.name}`,
          ),
        ),
        contacts.length === 0 ? h('p', { class: 'empty' }, 'No contacts to forward to.') : null,
      )
      element.hidden = false
      people.querySelector('input')?.focus()
    },
  }
}
