/**
 * Settings (`#/settings`, docs/web.md "Settings"): read receipts for everyone and per contact
 * (`/v1/settings`, docs/messaging.md §4), the message requests policy (open, silent, closed;
 * docs/protocol/requests.md §5), blocked users with Unblock (`/v1/blocks`, docs/messaging.md
 * "Blocking"), and the delegation and forwarding-rule sections of settings-delegation.ts.
 * Every change is saved at once; the node's answer is what the page then shows.
 * @module
 */
import type { Settings } from '@sdmp/client'
import { field, h, replaceChildren } from '../dom.js'
import { formatTime, short } from '../format.js'
import { delegationSection, rulesSection } from './settings-delegation.js'
import type { SettingsSection } from './settings-delegation.js'
import type { View, ViewContext } from './view.js'

/** Per-contact read receipts: follow the default, or always / never send them. */
type Override = 'default' | 'on' | 'off'

const POLICIES = [
  ['open', 'Open: requests are shown to me'],
  ['silent', 'Silent: kept for me, senders are not told whether I saw them'],
  ['closed', 'Closed: refused'],
] as const

/** Read receipts (global and per contact) and the message requests policy. */
function privacySection(ctx: ViewContext): SettingsSection {
  const receipts = h('input', { type: 'checkbox', id: 'settings-receipts' })
  const policy = h(
    'select',
    { id: 'settings-requests' },
    ...POLICIES.map(([value, label]) => h('option', { value }, label)),
  )
  const overrides = h('tbody')
  const table = h(
    'table',
    { class: 'receipt-overrides', 'aria-label': 'Read receipts per contact' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col' }, 'Contact'), h('th', { scope: 'col' }, 'Read receipts')),
    ),
    overrides,
  )
  /** Save a change, then show what the node now says. */
  const save = (
    control: HTMLInputElement | HTMLSelectElement,
    request: Parameters<ViewContext['api']['updateSettings']>[0],
    done: string,
  ): void => {
    control.disabled = true
    void ctx
      .act(null, async () => {
        show(await ctx.api.updateSettings(request))
        ctx.notice(done)
      })
      .then(async (ok) => {
        control.disabled = false
        // On failure put the control back to the stored value (the error line says why).
        if (!ok) await refresh().catch(() => undefined)
      })
  }
  receipts.addEventListener('change', () =>
    save(
      receipts,
      { readReceipts: receipts.checked },
      `Read receipts ${receipts.checked ? 'on' : 'off'}`,
    ),
  )
  policy.addEventListener('change', () =>
    save(policy, { requests: policy.value as Settings['requests'] }, 'Message requests saved'),
  )
  let contactNames: { name: string; user: string }[] = []
  const show = (s: Settings): void => {
    receipts.checked = s.readReceipts
    policy.value = s.requests
    const rows = contactNames.map((c) => {
      const own = s.contacts.find((o) => o.user === c.user)
      const value: Override = own === undefined ? 'default' : own.readReceipts ? 'on' : 'off'
      const select = h(
        'select',
        { 'aria-label': `Read receipts to ${c.name}` },
        h('option', { value: 'default' }, `As above (${s.readReceipts ? 'on' : 'off'})`),
        h('option', { value: 'on' }, 'Always send'),
        h('option', { value: 'off' }, 'Never send'),
      )
      select.value = value
      select.addEventListener('change', () => {
        const v = select.value as Override
        save(
          select,
          { contact: c.name, readReceipts: v === 'default' ? null : v === 'on' },
          `Read receipts to ${c.name}: ${v === 'default' ? 'as the default' : v}`,
        )
      })
      return h(
        'tr',
        { 'data-name': c.name },
        h('th', { scope: 'row' }, c.name),
        h('td', {}, select),
      )
    })
    replaceChildren(overrides, ...rows)
    table.hidden = rows.length === 0
  }
  const refresh = async (): Promise<void> => {
    const [settings, contacts] = await Promise.all([ctx.api.settings(), ctx.contacts()])
    contactNames = contacts.filter((c) => c.status !== 'removed')
    show(settings)
  }
  const element = h(
    'section',
    { class: 'settings-privacy', 'aria-labelledby': 'privacy-title' },
    h('h2', { id: 'privacy-title' }, 'Privacy'),
    h(
      'label',
      { class: 'check' },
      receipts,
      ' Send read receipts (senders see when I have read their message)',
    ),
    table,
    field(
      'Message requests from people who are not my contacts',
      policy,
      'a request is a short introduction; accepting it makes them a contact',
    ),
  )
  return { element, refresh }
}

/** Blocked users, each with Unblock. */
function blockedSection(ctx: ViewContext): SettingsSection {
  const list = h('ul', { class: 'blocked' })
  const none = h('p', { class: 'empty' }, 'Nobody is blocked.')
  const refresh = async (): Promise<void> => {
    const { blocks } = await ctx.api.blocks()
    none.hidden = blocks.length > 0
    replaceChildren(
      list,
      ...blocks.map((b) => {
        const who = b.name ?? short(b.user)
        const unblock = h(
          'button',
          { type: 'button', class: 'secondary', 'aria-label': `Unblock ${who}` },
          'Unblock',
        )
        unblock.addEventListener('click', () => {
          void ctx.act(unblock, async () => {
            await ctx.api.unblock(b.user)
            ctx.invalidateContacts()
            ctx.notice(`Unblocked ${who}`)
            await refresh()
          })
        })
        return h(
          'li',
          { class: 'blocked-user', 'data-user': b.user },
          h('strong', {}, who),
          ' ',
          h('code', { title: b.user }, short(b.user)),
          ' ',
          h('small', { class: 'hint' }, 'since ', formatTime(b.at)),
          b.hide ? h('small', { class: 'hint' }, ', earlier messages hidden') : null,
          ' ',
          unblock,
        )
      }),
    )
  }
  const element = h(
    'section',
    { class: 'settings-blocked', 'aria-labelledby': 'blocked-title' },
    h('h2', { id: 'blocked-title' }, 'Blocked'),
    h(
      'p',
      { class: 'hint' },
      'Their messages and posts are refused and their nodes told so. Block a contact on the Contacts page.',
    ),
    list,
    none,
  )
  return { element, refresh }
}

/** `#/settings`. */
export const settingsView: View = {
  title: () => 'Settings',
  async mount(ctx) {
    const sections = [
      privacySection(ctx),
      blockedSection(ctx),
      delegationSection(ctx),
      rulesSection(ctx),
    ]
    await Promise.all(sections.map((s) => s.refresh()))
    const element = h(
      'section',
      { class: 'view settings-view' },
      h('h1', { tabindex: -1 }, 'Settings'),
      ...sections.map((s) => s.element),
    )
    return {
      element,
      // A contact added or removed changes the per-contact and delegate lists.
      refreshOn: ['contact'],
      refresh: async () => {
        for (const s of sections) await s.refresh()
      },
    }
  },
}
