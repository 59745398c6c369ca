/**
 * Devices (`/v1/devices`): this user's devices with their status, revoke one (after a
 * confirmation; `DELETE /v1/devices/{node}`), and authorize a new one from the join request it
 * printed (`sdmp init --join` on the new device, then `POST /v1/devices` here; docs/cli.md
 * "Devices: the join flow"). The device this page talks to cannot revoke itself here.
 * @module
 */
import type { Device } from '@sdmp/client'
import { field, h, replaceChildren } from '../dom.js'
import { short } from '../format.js'
import type { View, ViewContext } from './view.js'

function deviceRow(ctx: ViewContext, d: Device, reload: () => Promise<void>): HTMLElement {
  const label = d.name ?? short(d.node)
  let action: HTMLElement | null = null
  if (d.self) action = h('span', { class: 'hint' }, 'this device')
  else if (d.status === 'active' || d.status === 'pending') {
    const revoke = h(
      'button',
      { type: 'button', class: 'danger', 'aria-label': `Revoke ${label}` },
      'Revoke',
    )
    revoke.addEventListener('click', () => {
      if (!window.confirm(`Revoke ${label}? It can no longer read or send as you.`)) return
      void ctx.act(revoke, async () => {
        await ctx.api.revokeDevice(d.node)
        ctx.notice(`Revoked ${label}`)
        await reload()
      })
    })
    action = revoke
  }
  return h(
    'tr',
    { class: `device ${d.status}`, 'data-node': d.node },
    h('th', { scope: 'row' }, d.name ?? '—'),
    h('td', {}, h('code', { title: d.node }, short(d.node))),
    h('td', {}, h('span', { class: `badge ${d.status}` }, d.status)),
    h('td', {}, action),
  )
}

/** `#/devices`. */
export const devicesView: View = {
  title: () => 'Devices',
  async mount(ctx) {
    const body = h('tbody')
    const table = h(
      'table',
      { class: 'devices' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Name', 'Node', 'Status'].map((t) => h('th', { scope: 'col' }, t)),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
        ),
      ),
      body,
    )
    const revoked = h('p', { class: 'error-box', hidden: true })
    const refresh = async (): Promise<void> => {
      const list = await ctx.api.devices()
      revoked.hidden = list.revoked === undefined
      if (list.revoked !== undefined)
        revoked.textContent = 'This device was revoked: it can no longer act for you.'
      replaceChildren(body, ...list.devices.map((d) => deviceRow(ctx, d, refresh)))
    }
    await refresh()

    const request = h('textarea', {
      id: 'device-request',
      rows: 4,
      required: true,
      'aria-describedby': 'device-request-hint',
    })
    const hostOnly = h('input', { type: 'checkbox', id: 'device-host-only' })
    const authorize = h('button', { type: 'submit' }, 'Authorize device')
    const form = h(
      'form',
      { class: 'authorize-device', 'aria-label': 'Authorize a device' },
      h('h2', {}, 'Add a device'),
      h(
        'p',
        {},
        'On the new device run ',
        h('code', {}, 'sdmp init --join --name NAME'),
        ', then paste the join request it prints here.',
      ),
      field('Join request', request, 'sdmp-join:1:… as sdmp init --join printed it'),
      h(
        'label',
        { class: 'check' },
        hostOnly,
        ' Host only (an always-on server: it stores and serves, but never receives private messages)',
      ),
      h('div', { class: 'toolbar' }, authorize),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      void ctx.act(authorize, async () => {
        const done = await ctx.api.authorizeDevice({
          request: request.value.replace(/\s+/g, ''),
          ...(hostOnly.checked && { hostOnly: true }),
        })
        form.reset()
        ctx.notice(
          `Authorized ${done.name ?? short(done.node)}: it learns your identity by sync (or run sdmp device join with your invite on it)`,
        )
        await refresh()
      })
    })
    const element = h(
      'section',
      { class: 'view devices-view' },
      h('h1', { tabindex: -1 }, 'Devices'),
      revoked,
      table,
      form,
    )
    return { element, refreshOn: ['device'], refresh }
  },
}
