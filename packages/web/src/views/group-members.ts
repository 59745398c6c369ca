/**
 * Groups in the web client (docs/web.md "Groups", docs/protocol/groups.md): the members panel
 * under a group chat's header (its members; for the admin, Remove on each other member and Add
 * for a contact not in it: `POST`/`DELETE /v1/groups/{id}/members`) and the "New group" form
 * of the New chat page (a name and contacts picked: `POST /v1/groups`). The API has no way to
 * leave a group; the admin removes members (groups.md §4).
 * @module
 */
import type { GroupInfo } from '@sdmp/client'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { field, h, replaceChildren } from '../dom.js'
import { routeHash } from '../format.js'
import type { ViewContext } from './view.js'

/** Contacts that can join a group: mutual and not blocked. */
async function joinable(ctx: ViewContext) {
  return (await ctx.contacts()).filter((c) => c.status === 'mutual' && c.blocked !== true)
}

/**
 * The members of a group chat in a disclosure ("3 members"); the admin may add and remove. A
 * change publishes a new version of the group; the chat shows its membership event.
 */
export function groupPanel(ctx: ViewContext, initial: GroupInfo): HTMLElement {
  const me = ctx.me.user ?? ctx.me.node
  const summary = h('summary', {})
  const list = h('ul', { class: 'members' })
  const add = h('select', { id: 'group-add-member', 'aria-label': 'Contact to add' })
  const addButton = h('button', { type: 'submit', class: 'secondary' }, 'Add member')
  const addForm = h(
    'form',
    { class: 'add-member toolbar', 'aria-label': 'Add a member' },
    add,
    addButton,
  )
  const element = h('details', { class: 'group-members' }, summary, list, addForm)
  const show = async (group: GroupInfo): Promise<void> => {
    const admin = group.admin === me && group.member
    summary.textContent = group.member
      ? `${group.members.length} members`
      : 'You are no longer a member'
    replaceChildren(
      list,
      ...group.members.map((m) => {
        const who = m.user === me ? 'You' : m.name
        let remove: HTMLElement | null = null
        if (admin && m.user !== me) {
          const b = h(
            'button',
            { type: 'button', class: 'link danger', 'aria-label': `Remove ${who} from the group` },
            'Remove',
          )
          b.addEventListener('click', () => {
            if (!window.confirm(`Remove ${who} from ${group.name}? They cannot read what follows.`))
              return
            void ctx.act(b, async () => {
              await show(await ctx.api.removeGroupMember(group.id, m.user))
              ctx.notice(`Removed ${who} from ${group.name}`)
            })
          })
          remove = b
        }
        return h(
          'li',
          { 'data-user': m.user },
          who,
          m.admin ? h('small', { class: 'hint' }, ' (admin)') : null,
          ' ',
          remove,
        )
      }),
    )
    const inGroup = new Set(group.members.map((m) => m.user))
    const candidates = admin ? (await joinable(ctx)).filter((c) => !inGroup.has(c.user)) : []
    addForm.hidden = candidates.length === 0
    replaceChildren(add, ...candidates.map((c) => h('option', { value: c.name }, c.name)))
  }
  addForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const name = add.value
    void ctx.act(addButton, async () => {
      await show(await ctx.api.addGroupMember(initial.id, { member: name }))
      ctx.notice(`Added ${name} to ${initial.name}`)
    })
  })
  void ctx.act(null, () => show(initial))
  return element
}

/** The "New group" form: a name and contacts; creating it opens the group's chat. */
export async function newGroupForm(ctx: ViewContext): Promise<HTMLElement> {
  const contacts = await joinable(ctx)
  const name = h('input', { id: 'group-name', required: true, maxlength: 64, autocomplete: 'off' })
  const create = h('button', { type: 'submit' }, 'Create group')
  const people = h(
    'fieldset',
    { class: 'group-people' },
    h('legend', {}, 'Members'),
    ...contacts.map((c) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'group-member', value: c.name }),
        ` ${c.name}`,
      ),
    ),
    contacts.length === 0
      ? h('p', { class: 'empty' }, 'Add contacts first: a group is made of your contacts.')
      : null,
  )
  const form = h(
    'form',
    { class: 'new-group', 'aria-labelledby': 'new-group-title' },
    h('h2', { id: 'new-group-title' }, 'New group'),
    field('Group name', name),
    people,
    h('div', { class: 'toolbar' }, create),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const members = [...people.querySelectorAll<HTMLInputElement>('input:checked')].map(
      (i) => i.value,
    )
    void ctx.act(create, async () => {
      if (members.length === 0)
        throw new ProtocolError(ErrorCode.BAD_REQUEST, 'pick at least one contact for the group')
      const group = await ctx.api.createGroup({ name: name.value.trim(), members })
      form.reset()
      ctx.notice(`Created the group ${group.name}`)
      ctx.navigate(routeHash('chat', group.chat))
    })
  })
  return form
}
