/**
 * Contacts (`/v1/contacts`, `/v1/invite`): the list with each contact's status, add one by
 * pasting their invite, remove one (which revokes the trust), and show this user's own invite.
 * @module
 */
import type { Contact } from '@sdmp/client'
import { field, h, replaceChildren } from '../dom.js'
import { formatTime, short } from '../format.js'
import type { View, ViewContext } from './view.js'

function contactRow(ctx: ViewContext, c: Contact, reload: () => Promise<void>): HTMLElement {
  const remove = h('button', { type: 'button', class: 'danger' }, 'Remove')
  remove.setAttribute('aria-label', `Remove ${c.name}`)
  remove.addEventListener('click', () => {
    if (!window.confirm(`Remove ${c.name}? Their trust is revoked.`)) return
    void ctx.act(remove, async () => {
      await ctx.api.removeContact(c.name)
      ctx.invalidateContacts()
      ctx.notice(`Removed ${c.name}`)
      await reload()
    })
  })
  return h(
    'tr',
    { 'data-name': c.name },
    h('th', { scope: 'row' }, c.name),
    h('td', {}, h('code', { title: c.user }, short(c.user))),
    h('td', {}, h('span', { class: `badge ${c.status}` }, c.status)),
    h('td', {}, h('time', { datetime: c.added }, formatTime(c.added))),
    h('td', {}, remove),
  )
}

/** `#/contacts`. */
export const contactsView: View = {
  title: () => 'Contacts',
  async mount(ctx) {
    const body = h('tbody')
    const table = h(
      'table',
      { class: 'contacts' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Name', 'User', 'Status', 'Added'].map((t) => h('th', { scope: 'col' }, t)),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
        ),
      ),
      body,
    )
    const empty = h('p', { class: 'empty', hidden: true }, 'No contacts yet.')
    const refresh = async (): Promise<void> => {
      ctx.invalidateContacts()
      const contacts = await ctx.contacts()
      empty.hidden = contacts.length > 0
      table.hidden = contacts.length === 0
      replaceChildren(body, ...contacts.map((c) => contactRow(ctx, c, refresh)))
    }
    await refresh()

    const invite = h('textarea', { id: 'contact-invite', rows: 4, required: true })
    const name = h('input', { id: 'contact-name', maxlength: 64, autocomplete: 'off' })
    const add = h('button', { type: 'submit' }, 'Add contact')
    const form = h(
      'form',
      { class: 'add-contact', 'aria-label': 'Add a contact' },
      h('h2', {}, 'Add a contact'),
      field('Their invite', invite, 'paste the text they sent you (sdmp invite)'),
      field('Name (optional)', name, 'letters, digits, ".", "_" or "-"; default from the invite'),
      h('div', { class: 'toolbar' }, add),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      void ctx.act(add, async () => {
        const added = await ctx.api.addContact({
          invite: invite.value.trim(),
          ...(name.value.trim() !== '' && { name: name.value.trim() }),
        })
        form.reset()
        ctx.notice(`Added ${added.name}`)
        await refresh()
      })
    })

    const mine = h('textarea', { id: 'my-invite', rows: 4, readonly: true, hidden: true })
    const showInvite = h('button', { type: 'button', class: 'secondary' }, 'Show my invite')
    showInvite.addEventListener('click', () => {
      void ctx.act(showInvite, async () => {
        mine.value = (await ctx.api.invite()).invite
        mine.hidden = false
        mine.select()
      })
    })
    const element = h(
      'section',
      { class: 'view contacts-view' },
      h('h1', { tabindex: -1 }, 'Contacts'),
      table,
      empty,
      form,
      h(
        'div',
        { class: 'my-invite' },
        h('h2', {}, 'Your invite'),
        h('p', {}, 'Give it to someone you want to message; they add it as a contact.'),
        showInvite,
        h('label', { for: 'my-invite', class: 'visually-hidden' }, 'Your invite'),
        mine,
      ),
    )
    return { element, refreshOn: ['contact'], refresh }
  },
}
