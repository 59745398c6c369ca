/**
 * A new chat (`#/compose`, `POST /v1/messages`): recipients by contact name (or fingerprint),
 * the message and files to attach, each uploaded first (`POST /v1/blobs`, views/attachments.ts);
 * a subject and the format (plain text by default, or markdown) sit under "Options". Sending
 * opens the chat. `#/compose?reply=ID` answers a message: the new one joins its conversation.
 * Below, "New group" creates a group of contacts (group-members.ts).
 * @module
 */
import type { BodyType, SendRequest } from '@sdmp/client'
import { field, h } from '../dom.js'
import { ATTACHMENT_MAX_BYTES } from '@sdmp/core'
import { MAX_ATTACHMENTS, formatSize, replySubject, routeHash, splitRecipients } from '../format.js'
import { uploadFiles } from './attachments.js'
import { newGroupForm } from './group-members.js'
import type { View } from './view.js'

/** The optional parts of a message: subject and format, folded away under "Options". */
export interface MessageOptions {
  readonly element: HTMLElement
  readonly subject: HTMLInputElement
  readonly details: HTMLDetailsElement
  /** The chosen body type (`text` unless changed). */
  type(): BodyType
}

/** The "Options" disclosure of a composer; ids start with `prefix`. */
export function messageOptions(prefix: string): MessageOptions {
  const subject = h('input', { id: `${prefix}-subject`, name: 'subject', maxlength: 256 })
  const type = h(
    'select',
    { id: `${prefix}-type`, name: 'type' },
    h('option', { value: 'text' }, 'Plain text'),
    h('option', { value: 'markdown' }, 'Markdown'),
  )
  const details = h(
    'details',
    { class: 'options' },
    h('summary', {}, 'Options'),
    field('Subject', subject, 'optional'),
    field('Format', type),
  )
  return { element: details, subject, details, type: () => type.value as BodyType }
}

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
    const options = messageOptions('compose')
    const subject = options.subject
    const body = h('textarea', { id: 'compose-body', name: 'body', rows: 6, required: true })
    const files = h('input', {
      id: 'compose-files',
      name: 'files',
      type: 'file',
      multiple: true,
      'aria-describedby': 'compose-files-hint',
    })
    // Upload progress, in the form so it sits by the Send button (the error line is global).
    const status = h('p', { class: 'upload-status', role: 'status', 'aria-live': 'polite' })
    const send = h('button', { type: 'submit' }, 'Send')

    if (replyId !== null) {
      const shown = await ctx.api.show(replyId)
      if ('message' in shown) {
        const m = shown.message
        const users = m.direction === 'in' ? [m.from] : [...m.to]
        // Prefer contact names: they are what the user typed and what the API resolves.
        to.value = users.map((u) => contacts.find((c) => c.user === u)?.name ?? u).join(', ')
        subject.value = replySubject(m.subject)
        if (subject.value !== '') options.details.open = true
      }
    }

    const form = h(
      'form',
      { class: 'compose', 'aria-labelledby': 'compose-title' },
      field('To', to, 'contact names, separated by commas'),
      names,
      field('Message', body),
      field(
        'Attachments',
        files,
        `optional; up to ${MAX_ATTACHMENTS} files of at most ${formatSize(ATTACHMENT_MAX_BYTES)} each`,
      ),
      options.element,
      h('div', { class: 'toolbar' }, send, status),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      void ctx.act(send, async () => {
        const picked = [...(files.files ?? [])]
        const showStatus = (text: string): void => void (status.textContent = text)
        showStatus('')
        const attachments = await uploadFiles(ctx, picked, showStatus)
        if (picked.length > 0) showStatus('Sending…')
        const request: SendRequest = {
          to: splitRecipients(to.value),
          body: body.value,
          type: options.type(),
          ...(subject.value.trim() !== '' && { subject: subject.value.trim() }),
          ...(replyId !== null && { replyTo: replyId }),
          ...(attachments.length > 0 && { attachments }),
        }
        let sent: string
        try {
          sent = (await ctx.api.send(request)).id
        } finally {
          showStatus('') // a failure shows in the error line
        }
        form.reset()
        ctx.notice('Message sent')
        // Open the chat the message landed in (its people as the node resolved them).
        const shown = await ctx.api.show(sent)
        const chat = 'message' in shown ? shown.message.chat : (ctx.me.user ?? ctx.me.node)
        ctx.navigate(routeHash('chat', chat, { m: sent }))
      })
    })
    const title = replyId === null ? 'Write a message' : 'Reply'
    const element = h(
      'section',
      { class: 'view compose-view' },
      h('h1', { id: 'compose-title', tabindex: -1 }, title),
      form,
      // A group conversation (docs/protocol/groups.md): not for a reply, which has its people.
      replyId === null ? await newGroupForm(ctx) : null,
    )
    return { element }
  },
}
