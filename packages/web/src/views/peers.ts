/**
 * Peers and status (`/v1/peers`, `/v1/status`, `/v1/whoami`, `POST /v1/sync`): who this node
 * is, what it holds, and its connections to other nodes, updated live from `peer` events.
 * @module
 */
import type { Peer, Status } from '@sdmp/client'
import { h, replaceChildren } from '../dom.js'
import { formatTime, short } from '../format.js'
import type { View, ViewContext } from './view.js'

function statusList(ctx: ViewContext, s: Status): HTMLElement {
  const rows: [string, string][] = [
    ['Name', ctx.me.name ?? '—'],
    ['User', s.user ?? 'not yet authorized'],
    ['Node', s.node],
    ['Store', s.store],
    ['Encrypted at rest', s.encrypted ? 'yes' : 'no'],
    ['Messages', String(s.counts.messages)],
    ['Contacts', String(s.counts.contacts)],
    ['Devices', String(s.counts.devices)],
    ['Resources', String(s.counts.resources)],
    ['Journal lines', String(s.counts.journal)],
  ]
  if (s.daemon !== undefined) {
    rows.push(['Connected peers', String(s.daemon.peers)])
    rows.push(['Up for', `${Math.round(s.daemon.uptimeMs / 1000)} s`])
  }
  return h(
    'dl',
    { class: 'meta status' },
    ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  )
}

function peerRow(ctx: ViewContext, p: Peer): HTMLElement {
  return h(
    'tr',
    { class: `peer ${p.state}` },
    h('td', {}, p.user === null ? '—' : ctx.nameOf(p.user)),
    h('td', {}, p.node === null ? '—' : h('code', { title: p.node }, short(p.node))),
    h('td', {}, p.address ?? 'inbound'),
    h('td', {}, h('span', { class: `badge ${p.state}` }, p.state)),
    h(
      'td',
      {},
      p.lastError ?? (p.nextAttempt === null ? '' : `retry ${formatTime(p.nextAttempt)}`),
    ),
  )
}

/** `#/peers`. */
export const peersView: View = {
  title: () => 'Peers and status',
  async mount(ctx) {
    const status = h('div', { class: 'status' })
    const body = h('tbody')
    const table = h(
      'table',
      { class: 'peers' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['User', 'Node', 'Address', 'State', 'Note'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      body,
    )
    const refresh = async (): Promise<void> => {
      const [s, { peers }] = await Promise.all([ctx.api.status(), ctx.api.peers(), ctx.contacts()])
      replaceChildren(status, statusList(ctx, s))
      replaceChildren(body, ...peers.map((p) => peerRow(ctx, p)))
      if (peers.length === 0)
        replaceChildren(body, h('tr', {}, h('td', { colspan: 5 }, 'No peers.')))
    }
    await refresh()
    const sync = h('button', { type: 'button' }, 'Sync now')
    sync.addEventListener('click', () => {
      void ctx.act(sync, async () => {
        const result = await ctx.api.sync({ wait: true, timeoutMs: 30_000 })
        ctx.notice(result.synced ? 'In sync with every connected peer' : 'Sync did not finish')
        await refresh()
      })
    })
    const element = h(
      'section',
      { class: 'view peers-view' },
      h('h1', { tabindex: -1 }, 'Peers and status'),
      status,
      h('h2', {}, 'Peers'),
      table,
      h('div', { class: 'toolbar' }, sync),
    )
    return { element, refreshOn: ['peer', 'contact', 'device', 'message'], refresh }
  },
}
