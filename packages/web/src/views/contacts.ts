/**
 * Contacts (`/v1/contacts`, `/v1/invite`, `/v1/requests`): the list with each contact's status,
 * message requests from strangers (requests.ts), add one by pasting their invite or typing
 * their address (name@domain, docs/protocol/addresses.md), block or unblock one, remove one
 * (which revokes the trust), and show this user's own address and invite.
 * @module
 */
import type { Contact } from '@sdmp/client'
import { field, h, replaceChildren } from '../dom.js'
import { formatTime, routeHash, short } from '../format.js'
import { requestsSection } from './requests.js'
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
  const block = blockButton(ctx, c, reload)
  return h(
    'tr',
    { 'data-name': c.name, class: c.blocked === true ? 'blocked' : null },
    h('th', { scope: 'row' }, c.name),
    h('td', {}, h('code', { title: c.user }, short(c.user))),
    h(
      'td',
      {},
      h('span', { class: `badge ${c.status}` }, c.status),
      c.status === 'waiting' ? h('small', { class: 'hint' }, ' has not added you back yet') : null,
      c.blocked === true ? h('span', { class: 'badge blocked' }, 'blocked') : null,
    ),
    h('td', {}, h('time', { datetime: c.added }, formatTime(c.added))),
    h(
      'td',
      { class: 'actions' },
      h(
        'a',
        {
          class: 'button secondary',
          href: routeHash('chat', c.user),
          'aria-label': `Message ${c.name}`,
        },
        'Message',
      ),
      ' ',
      block,
      ' ',
      remove,
    ),
  )
}

/**
 * Block (after a confirmation) or, once blocked, Unblock a contact (`/v1/blocks`,
 * docs/messaging.md "Blocking"): their resources are refused and their nodes told so.
 */
function blockButton(ctx: ViewContext, c: Contact, reload: () => Promise<void>): HTMLElement {
  const blocked = c.blocked === true
  const label = blocked ? 'Unblock' : 'Block'
  const button = h(
    'button',
    { type: 'button', class: blocked ? 'secondary' : 'danger', 'aria-label': `${label} ${c.name}` },
    label,
  )
  button.addEventListener('click', () => {
    const ask = `Block ${c.name}? Their messages and posts are refused and their nodes told so.`
    if (!blocked && !window.confirm(ask)) return
    void ctx.act(button, async () => {
      if (blocked) await ctx.api.unblock(c.user)
      else await ctx.api.block({ user: c.name })
      ctx.invalidateContacts()
      ctx.notice(`${blocked ? 'Unblocked' : 'Blocked'} ${c.name}`)
      await reload()
    })
  })
  return button
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
    const waiting = h('p', { class: 'waiting-list', hidden: true })
    const refresh = async (): Promise<void> => {
      ctx.invalidateContacts()
      const contacts = await ctx.contacts()
      empty.hidden = contacts.length > 0
      table.hidden = contacts.length === 0
      // Messages to them wait until they add you: say who, so you can ask them to.
      const pending = contacts.filter((c) => c.status === 'waiting').map((c) => c.name)
      waiting.hidden = pending.length === 0
      replaceChildren(
        waiting,
        `Waiting for ${pending.join(', ')} to add you back: send them your invite below. `,
        'Messages to them wait until they do.',
      )
      replaceChildren(body, ...contacts.map((c) => contactRow(ctx, c, refresh)))
    }
    await refresh()
    // Requests from strangers (docs/protocol/requests.md): accepting one adds a contact.
    const requests = requestsSection(ctx, refresh)
    await requests.refresh()

    const invite = h('textarea', { id: 'contact-invite', rows: 4, required: true })
    const name = h('input', { id: 'contact-name', maxlength: 64, autocomplete: 'off' })
    const add = h('button', { type: 'submit' }, 'Add contact')
    const form = h(
      'form',
      { class: 'add-contact', 'aria-label': 'Add a contact' },
      h('h2', {}, 'Add a contact'),
      field(
        'Their invite or address',
        invite,
        'paste the text they sent you (sdmp invite), or type their address: name@domain',
      ),
      field('Name (optional)', name, 'letters, digits, ".", "_" or "-"; default from the invite'),
      h('div', { class: 'toolbar' }, add),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      void ctx.act(add, async () => {
        const added = await ctx.api.addContact({
          // A pasted invite often carries line breaks or spaces from the chat it came by.
          invite: invite.value.replace(/\s+/g, ''),
          ...(name.value.trim() !== '' && { name: name.value.trim() }),
        })
        form.reset()
        const via = added.address === undefined ? '' : ` (${added.address}, verified and pinned)`
        ctx.notice(
          `Added ${added.name}${via}. Once they add you too, your messages reach them; open Message to write.`,
        )
        await refresh()
      })
    })

    // Your invite, shown at once with a Copy button: it is what people need to add you.
    const mine = h('textarea', {
      id: 'my-invite',
      rows: 3,
      readonly: true,
      'aria-describedby': 'my-invite-hint',
    })
    // The short form (docs/cli.md §6: the contact's node fetches the rest from this node) is
    // easy to paste and fits a small QR code; the full one while this node has no address yet.
    const own = await ctx.api.invite()
    // The address claimed in the newest profile (it may have been set on another device).
    const address = (await ctx.api.whoami()).address
    mine.value = own.short ?? own.invite
    // The QR encoder is a chunk of its own (build.mjs): only this page loads it.
    const { qrCanvas } = await import('./invite-qr.js')
    const qr = qrCanvas(mine.value, 'QR code of your invite')
    const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy')
    copy.addEventListener('click', () => {
      void ctx.act(copy, async () => {
        mine.select()
        await copyText(mine.value)
        ctx.notice('Your invite is copied: paste it in a message to the person to add you')
      })
    })
    const element = h(
      'section',
      { class: 'view contacts-view' },
      h('h1', { tabindex: -1 }, 'Contacts'),
      requests.element,
      waiting,
      table,
      empty,
      h(
        'div',
        { class: 'my-invite' },
        address === undefined
          ? null
          : h(
              'p',
              { class: 'my-address' },
              'Your address: ',
              h('strong', {}, address),
              h('small', { class: 'hint' }, ' people can add you by it instead of an invite'),
            ),
        h('h2', {}, 'Your invite'),
        h('label', { for: 'my-invite', class: 'visually-hidden' }, 'Your invite'),
        mine,
        h(
          'small',
          { id: 'my-invite-hint', class: 'hint' },
          'Give it to someone you want to message; they add it as a contact, and you add theirs.',
        ),
        h('div', { class: 'toolbar' }, copy),
        qr ?? h('p', { class: 'hint' }, 'Too long for a QR code: share it as text.'),
      ),
      form,
    )
    return {
      element,
      refreshOn: ['contact', 'request'],
      refresh: async () => {
        await refresh()
        await requests.refresh()
      },
    }
  },
}

/** Put text on the clipboard (the Clipboard API; 127.0.0.1 counts as a secure context). */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard !== undefined) {
    await navigator.clipboard.writeText(text)
    return
  }
  // Older browsers: the selected textarea, copied by the legacy command.
  if (!document.execCommand('copy')) throw new Error('copying is not allowed here; select and copy')
}
