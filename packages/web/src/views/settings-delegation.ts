/**
 * The Settings page's delegation and forwarding-rule sections (docs/web.md "Settings"):
 * delegations granted and received with Grant and Revoke (`/v1/delegations`,
 * docs/protocol/delegation.md), and this node's automatic forwarding rules with Add and Remove
 * (`/v1/rules`, docs/protocol/forwarding.md §6). Names and patterns are shown as text.
 * @module
 */
import type { Contact, Delegation, Rule } from '@sdmp/client'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { field, h, replaceChildren } from '../dom.js'
import { formatTime, splitRecipients } from '../format.js'
import type { ViewContext } from './view.js'

/** One section of the Settings page and how to read it again. */
export interface SettingsSection {
  readonly element: HTMLElement
  readonly refresh: () => Promise<void>
}

/** The contact name of a user when there is one (the API takes names), else the fingerprint. */
function contactName(contacts: readonly Contact[], user: string): string {
  return contacts.find((c) => c.user === user)?.name ?? user
}

/** A table with a caption-less header row; `cols` are the visible column titles. */
function table(label: string, cols: readonly string[], body: HTMLElement): HTMLTableElement {
  return h(
    'table',
    { 'aria-label': label },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...cols.map((t) => h('th', { scope: 'col' }, t)),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
      ),
    ),
    body,
  )
}

const SCOPE: Record<string, string> = { send: 'send for me', read: 'read my mail' }

function delegationRow(
  ctx: ViewContext,
  d: Delegation,
  other: string,
  revoke: HTMLElement | null,
): HTMLElement {
  return h(
    'tr',
    { class: 'delegation', 'data-user': other, 'data-state': d.state },
    h('th', { scope: 'row' }, ctx.nameOf(other)),
    h('td', {}, d.scope.map((s) => SCOPE[s] ?? s).join(', ')),
    h(
      'td',
      {},
      d.until === null ? 'no end' : h('time', { datetime: d.until }, formatTime(d.until)),
    ),
    h('td', {}, h('span', { class: `badge ${d.state}` }, d.state)),
    h('td', {}, revoke),
  )
}

/** Delegations: granted (Revoke on active ones), received, and a form to grant one. */
export function delegationSection(ctx: ViewContext): SettingsSection {
  const granted = h('tbody')
  const received = h('tbody')
  const grantedTable = table(
    'Delegations you granted',
    ['Delegate', 'May', 'Until', 'State'],
    granted,
  )
  const receivedTable = table('Delegations to you', ['For', 'May', 'Until', 'State'], received)
  const noneGranted = h('p', { class: 'empty' }, 'You have delegated nothing.')
  const noneReceived = h('p', { class: 'empty' }, 'Nobody has delegated to you.')
  const contact = h('select', { id: 'delegate-contact', required: true })
  const send = h('input', { type: 'checkbox', id: 'delegate-send', checked: true })
  const read = h('input', { type: 'checkbox', id: 'delegate-read' })
  const until = h('input', { type: 'datetime-local', id: 'delegate-until' })
  const grant = h('button', { type: 'submit' }, 'Grant')
  const form = h(
    'form',
    { class: 'grant-delegation', 'aria-label': 'Grant a delegation' },
    h('h3', {}, 'Grant a delegation'),
    field('Contact', contact),
    h(
      'label',
      { class: 'check' },
      send,
      ' Send messages on my behalf (recipients see "them for me")',
    ),
    h('label', { class: 'check' }, read, ' Read my mailbox'),
    field('Until (optional)', until, 'your local time; without it, until you revoke it'),
    h('div', { class: 'toolbar' }, grant),
  )
  const refresh = async (): Promise<void> => {
    const [list, contacts] = await Promise.all([ctx.api.delegations(), ctx.contacts()])
    const rows = list.granted.map((d) => {
      let revoke: HTMLElement | null = null
      if (d.state === 'active') {
        const name = contactName(contacts, d.delegate)
        const b = h(
          'button',
          { type: 'button', class: 'danger', 'aria-label': `Revoke the delegation to ${name}` },
          'Revoke',
        )
        b.addEventListener('click', () => {
          void ctx.act(b, async () => {
            const done = await ctx.api.revokeDelegation(name)
            ctx.notice(`Revoked ${done.revoked.length} delegation(s) to ${ctx.nameOf(d.delegate)}`)
            await refresh()
          })
        })
        revoke = b
      }
      return delegationRow(ctx, d, d.delegate, revoke)
    })
    replaceChildren(granted, ...rows)
    replaceChildren(received, ...list.received.map((d) => delegationRow(ctx, d, d.principal, null)))
    grantedTable.hidden = rows.length === 0
    noneGranted.hidden = rows.length > 0
    receivedTable.hidden = list.received.length === 0
    noneReceived.hidden = list.received.length > 0
    // Keep the choice when a live refresh rebuilds the options.
    const chosen = contact.value
    replaceChildren(
      contact,
      ...contacts
        .filter((c) => c.status === 'mutual' && c.blocked !== true)
        .map((c) => h('option', { value: c.name }, c.name)),
    )
    if (chosen !== '') contact.value = chosen
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const scope = [...(send.checked ? ['send'] : []), ...(read.checked ? ['read'] : [])] as (
      | 'send'
      | 'read'
    )[]
    void ctx.act(grant, async () => {
      if (scope.length === 0)
        throw new ProtocolError(
          ErrorCode.BAD_REQUEST,
          'choose what they may do: send, read or both',
        )
      // datetime-local is the reader's local time with no zone; Date reads it as local.
      const end = until.value === '' ? undefined : new Date(until.value)
      if (end !== undefined && Number.isNaN(end.getTime()))
        throw new ProtocolError(ErrorCode.BAD_REQUEST, 'until: not a time')
      await ctx.api.grantDelegation({
        contact: contact.value,
        scope,
        ...(end !== undefined && { until: end.toISOString() }),
      })
      ctx.notice(`Delegated to ${contact.value}`)
      until.value = ''
      await refresh()
    })
  })
  const element = h(
    'section',
    { class: 'settings-delegations', 'aria-labelledby': 'delegations-title' },
    h('h2', { id: 'delegations-title' }, 'Delegations'),
    h(
      'p',
      { class: 'hint' },
      'Let a contact send on your behalf or read your mailbox, for a while or until you revoke it.',
    ),
    h('h3', {}, 'Granted by you'),
    grantedTable,
    noneGranted,
    h('h3', {}, 'Granted to you'),
    receivedTable,
    noneReceived,
    form,
  )
  return { element, refresh }
}

/** Forwarding rules: the list with Remove, and a form to add one. */
export function rulesSection(ctx: ViewContext): SettingsSection {
  const body = h('tbody')
  const list = table('Forwarding rules', ['From', 'Forward to', 'Added'], body)
  const none = h('p', { class: 'empty' }, 'No forwarding rules.')
  const from = h('input', { id: 'rule-from', required: true, maxlength: 128, autocomplete: 'off' })
  const to = h('input', {
    id: 'rule-to',
    required: true,
    autocomplete: 'off',
    list: 'rule-contacts',
  })
  const names = h('datalist', { id: 'rule-contacts' })
  const add = h('button', { type: 'submit' }, 'Add rule')
  const form = h(
    'form',
    { class: 'add-rule', 'aria-label': 'Add a forwarding rule' },
    h('h3', {}, 'Add a rule'),
    field('From', from, 'a contact name or fingerprint; * matches any characters (* is everyone)'),
    field('Forward to', to, 'contact names, separated by commas'),
    names,
    h('div', { class: 'toolbar' }, add),
  )
  const row = (r: Rule): HTMLElement => {
    const remove = h(
      'button',
      { type: 'button', class: 'danger', 'aria-label': `Remove the rule from ${r.from}` },
      'Remove',
    )
    remove.addEventListener('click', () => {
      void ctx.act(remove, async () => {
        await ctx.api.removeRule(r.id)
        ctx.notice(`Removed the rule from ${r.from}`)
        await refresh()
      })
    })
    return h(
      'tr',
      { class: 'rule', 'data-id': r.id },
      h('th', { scope: 'row' }, h('code', {}, r.from)),
      h('td', {}, r.to.map((u) => ctx.nameOf(u)).join(', ')),
      h('td', {}, h('time', { datetime: r.created }, formatTime(r.created))),
      h('td', {}, remove),
    )
  }
  const refresh = async (): Promise<void> => {
    const [{ rules }, contacts] = await Promise.all([ctx.api.rules(), ctx.contacts()])
    replaceChildren(body, ...rules.map(row))
    list.hidden = rules.length === 0
    none.hidden = rules.length > 0
    replaceChildren(names, ...contacts.map((c) => h('option', { value: c.name })))
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void ctx.act(add, async () => {
      const rule = await ctx.api.addRule({ from: from.value.trim(), to: splitRecipients(to.value) })
      form.reset()
      ctx.notice(`Messages from ${rule.from} are now forwarded`)
      await refresh()
    })
  })
  const element = h(
    'section',
    { class: 'settings-rules', 'aria-labelledby': 'rules-title' },
    h('h2', { id: 'rules-title' }, 'Forwarding rules'),
    h(
      'p',
      { class: 'hint' },
      'Messages you receive from matching senders are forwarded to these contacts, their signature kept.',
    ),
    list,
    none,
    form,
  )
  return { element, refresh }
}
