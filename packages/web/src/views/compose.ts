/**
 * Compose (`POST /v1/messages`): recipients by contact name (or fingerprint), subject, body and
 * its format. `#/compose?reply=ID` answers a message: the new one joins its conversation.
 * @module
 */
import type { BodyType, SendRequest } from '@sdmp/client'
import { field, h } from '../dom.js'
import { replySubject, routeHash, splitRecipients } from '../format.js'
import type { View } from './view.js'

/** `#/compose`. */
export const composeView: View = {
  title: (route) => (route.query.get('reply') === null ? 'Write a message' : 'Reply'),
  async mount(ctx) {
    const replyId = ctx.route.query.get('reply')
    const contacts = await ctx.contacts()
    const to = h('input', {
      id: 'compose-to',
      name: 'to',
      required: true,
      autocomplete: 'off',
      list: 'compose-contacts',
      'aria-describedby': 'compose-to-hint',
    })
    const names = h(
      'datalist',
      { id: 'compose-contacts' },
      ...contacts.map((c) => h('option', { value: c.name })),
    )
    const subject = h('input', { id: 'compose-subject', name: 'subject', maxlength: 256 })
    const type = h(
      'select',
      { id: 'compose-type', name: 'type' },
      h('option', { value: 'text' }, 'Plain text'),
      h('option', { value: 'markdown' }, 'Markdown'),
    )
    const body = h('textarea', { id: 'compose-body', name: 'body', rows: 10, required: true })
    const send = h('button', { type: 'submit' }, 'Send')

    if (replyId !== null) {
      const shown = await ctx.api.show(replyId)
      if ('message' in shown) {
        const m = shown.message
        const users = m.direction === 'in' ? [m.from] : [...m.to]
        // Prefer contact names: they are what the user typed and what the API resolves.
        to.value = users.map((u) => contacts.find((c) => c.user === u)?.name ?? u).join(', ')
        subject.value = replySubject(m.subject)
      }
    }

    const form = h(
      'form',
      { class: 'compose', 'aria-labelledby': 'compose-title' },
      field('To', to, 'contact names, separated by commas'),
      names,
      field('Subject', subject),
      field('Format', type),
      field('Message', body),
      h('div', { class: 'toolbar' }, send),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      void ctx.act(send, async () => {
        const request: SendRequest = {
          to: splitRecipients(to.value),
          body: body.value,
          type: type.value as BodyType,
          ...(subject.value.trim() !== '' && { subject: subject.value.trim() }),
          ...(replyId !== null && { replyTo: replyId }),
        }
        await ctx.api.send(request)
        form.reset()
        ctx.notice('Message sent')
        ctx.navigate(routeHash('inbox', undefined, { all: '1' }))
      })
    })
    const title = replyId === null ? 'Write a message' : 'Reply'
    const element = h(
      'section',
      { class: 'view compose-view' },
      h('h1', { id: 'compose-title', tabindex: -1 }, title),
      form,
    )
    return { element }
  },
}
