/**
 * One chat (`#/chat/ID`, chats.ts): its messages as bubbles, oldest at the top (mine on the
 * right, theirs on the left), each reply showing a quote of the message it answers (a click
 * jumps there), and the composer at the bottom (Enter sends, Shift+Enter starts a new line).
 * Opening the chat marks its received messages read, which sends their read receipts.
 * `#/chat/ID?m=MSG` opens the chat at one message (search results link there). The bubbles
 * themselves are drawn by chat-bubbles.ts.
 * @module
 */
import type { GroupSendRequest, Message } from '@sdmp/client'
import { h, replaceChildren } from '../dom.js'
import { chatMembers, chatPage, groupOfChat } from '../chats.js'
import { routeHash } from '../format.js'
import { uploadFiles } from './attachments.js'
import { bubble, bubbleOf, jumpTo } from './chat-bubbles.js'
import type { BubbleActions } from './chat-bubbles.js'
import { chatTitle, preview } from './chats.js'
import { messageOptions } from './compose.js'
import { forwardPicker } from './forward.js'
import { groupPanel } from './group-members.js'
import type { View } from './view.js'

/** `#/chat/ID`. */
export const chatView: View = {
  title: () => 'Chat',
  async mount(ctx) {
    const id = ctx.route.arg ?? ''
    const me = ctx.me.user ?? ctx.me.node
    const groupId = groupOfChat(id)
    // A group chat (docs/protocol/groups.md §6): named after the group, sent to all of it.
    const group =
      groupId === undefined
        ? undefined
        : (await ctx.api.groups()).groups.find((g) => g.id === groupId)
    const members =
      group !== undefined
        ? group.members.map((m) => m.user).filter((u) => u !== me)
        : id === me
          ? []
          : chatMembers(id)
    await ctx.contacts()
    const title = group !== undefined ? group.name : chatTitle(members.map((u) => ctx.nameOf(u)))
    const list = h('ol', { class: 'bubbles', 'aria-label': 'messages' })
    const scroller = h('div', { class: 'scroller' }, list)
    let shown: Message[] = []
    // Older pages loaded by "Show older messages", and the cursor of the next one.
    let older: Message[] = []
    let cursor: string | null = null
    const more = h(
      'button',
      { type: 'button', class: 'secondary more', hidden: true },
      'Show older messages',
    )
    let replyTo: Message | null = null
    /** The message of mine being edited in the composer, if any. */
    let editing: Message | null = null
    const marked = new Set<string>()

    // The composer.
    const banner = h('div', { class: 'replying', hidden: true })
    const body = h('textarea', {
      id: 'chat-body',
      name: 'body',
      rows: 2,
      placeholder: 'Write a message',
      'aria-describedby': 'chat-body-hint',
    })
    const files = h('input', {
      id: 'chat-files',
      name: 'files',
      type: 'file',
      multiple: true,
      class: 'visually-hidden',
    })
    const options = messageOptions('chat')
    const status = h('p', { class: 'upload-status', role: 'status', 'aria-live': 'polite' })
    const send = h('button', { type: 'submit' }, 'Send')
    const form = h(
      'form',
      { class: 'composer', 'aria-label': 'Write a message' },
      banner,
      h('label', { for: 'chat-body', class: 'visually-hidden' }, 'Message'),
      body,
      h(
        'small',
        { id: 'chat-body-hint', class: 'hint' },
        'Enter sends, Shift+Enter starts a new line.',
      ),
      h(
        'div',
        { class: 'toolbar' },
        send,
        files,
        h('label', { for: 'chat-files', class: 'attach' }, 'Attach files'),
        options.element,
        status,
      ),
    )

    // The file input is hidden behind its label: say what is picked.
    files.addEventListener('change', () => {
      const n = files.files?.length ?? 0
      status.textContent =
        n === 0 ? '' : n === 1 ? `${files.files![0]!.name} to send` : `${n} files to send`
    })
    const setEditing = (m: Message | null): void => {
      editing = m
      send.textContent = m === null ? 'Send' : 'Save edit'
      files.disabled = m !== null
      if (m === null) {
        banner.hidden = true
        replaceChildren(banner)
        return
      }
      replyTo = null
      const cancel = h('button', { type: 'button', class: 'link' }, 'Cancel edit')
      cancel.addEventListener('click', () => {
        setEditing(null)
        form.reset()
      })
      replaceChildren(banner, h('span', {}, 'Editing your message '), cancel)
      banner.hidden = false
      body.value = m.body
      body.focus()
    }
    const setReply = (m: Message | null): void => {
      if (m !== null && editing !== null) setEditing(null)
      replyTo = m
      if (m === null) {
        banner.hidden = true
        replaceChildren(banner)
        return
      }
      const who = m.direction === 'out' ? 'yourself' : ctx.nameOf(m.from)
      const cancel = h('button', { type: 'button', class: 'link' }, 'Cancel reply')
      cancel.addEventListener('click', () => setReply(null))
      replaceChildren(
        banner,
        h('span', {}, `Replying to ${who}: `),
        h('q', {}, preview(m.body)),
        ' ',
        cancel,
      )
      banner.hidden = false
      body.focus()
    }
    // The message jumped to last, still marked after live refreshes rebuild the list.
    let target = ctx.route.query.get('m')
    const forward = forwardPicker(ctx)
    const actions: BubbleActions = {
      forward: (m) => void ctx.act(null, () => forward.open(m)),
      reply: setReply,
      jump: (id) => {
        target = id
        jumpTo(list, id)
      },
      edit: setEditing,
      remove: (m, button) => {
        // Two steps instead of a modal dialog: the first click asks, the second deletes.
        if (button.dataset['confirm'] !== 'yes') {
          button.dataset['confirm'] = 'yes'
          button.textContent = 'Confirm delete'
          return
        }
        void ctx.act(button, async () => {
          await ctx.api.deleteMessage(m.id)
          if (editing?.id === m.id) setEditing(null)
          ctx.notice('Message deleted')
          await refresh()
        })
      },
    }

    const refresh = async (): Promise<void> => {
      const first = await chatPage(ctx.api, id)
      if (older.length === 0) cursor = first.next
      const ids = new Set(first.messages.map((m) => m.id))
      const newest = [...first.messages, ...older.filter((m) => !ids.has(m.id))]
      more.hidden = cursor === null
      // Opening the chat reads what arrived: each read sends its receipt (once per visit).
      for (const m of newest)
        if (m.direction === 'in' && m.state === 'unread' && !marked.has(m.id)) {
          marked.add(m.id)
          const read = (await ctx.api.markRead(m.id)).message
          Object.assign(m, { state: read.state })
        }
      await ctx.contacts()
      const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80
      const grew = newest.length !== shown.length
      shown = [...newest].reverse()
      const byId = new Map(shown.map((m) => [m.id, m]))
      const many = members.length > 1
      // A live refresh rebuilds the list: the bubble that had the focus (a jump, the keyboard)
      // keeps it, or a reader loses their place whenever a message or receipt arrives.
      const active = document.activeElement
      const focused = list.contains(active)
        ? (active?.closest('li.bubble')?.getAttribute('data-id') ?? null)
        : null
      if (shown.length === 0)
        replaceChildren(list, h('li', { class: 'empty' }, 'No messages yet: say hello.'))
      else replaceChildren(list, ...shown.map((m) => bubble(ctx, m, many, byId, actions)))
      if (target !== null) bubbleOf(list, target)?.classList.add('target')
      if (focused !== null) bubbleOf(list, focused)?.focus({ preventScroll: true })
      if (grew && atBottom) scroller.scrollTop = scroller.scrollHeight
      if (marked.size > 0) ctx.unreadChanged()
    }
    await refresh()
    scroller.prepend(more)
    more.addEventListener('click', () => {
      void ctx.act(more, async () => {
        if (cursor === null) return
        const page = await chatPage(ctx.api, id, cursor)
        older = [...older, ...page.messages]
        cursor = page.next
        const height = scroller.scrollHeight
        await refresh()
        scroller.scrollTop += scroller.scrollHeight - height // keep the view where it was
      })
    })

    body.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault()
        form.requestSubmit()
      }
    })
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      if (body.value.trim() === '' && (files.files?.length ?? 0) === 0) return
      if (editing !== null) {
        const m = editing
        void ctx.act(send, async () => {
          await ctx.api.editMessage(m.id, { body: body.value })
          setEditing(null)
          form.reset()
          ctx.notice('Message edited')
          await refresh()
        })
        return
      }
      void ctx.act(send, async () => {
        const picked = [...(files.files ?? [])]
        const showStatus = (text: string): void => void (status.textContent = text)
        const attachments = await uploadFiles(ctx, picked, showStatus)
        if (picked.length > 0) showStatus('Sending…')
        const subject = options.subject.value.trim()
        const request: GroupSendRequest = {
          body: body.value,
          type: options.type(),
          ...(subject !== '' && { subject }),
          ...(replyTo !== null && { replyTo: replyTo.id }),
          ...(attachments.length > 0 && { attachments }),
        }
        try {
          if (groupId !== undefined) await ctx.api.sendToGroup(groupId, request)
          else await ctx.api.send({ ...request, to: members.length === 0 ? [me] : members })
        } finally {
          showStatus('')
        }
        form.reset()
        setReply(null)
        ctx.notice('Message sent')
        await refresh()
        scroller.scrollTop = scroller.scrollHeight
        body.focus()
      })
    })

    const element = h(
      'section',
      { class: 'view chat-view' },
      h(
        'div',
        { class: 'chat-head' },
        h('a', { class: 'back', href: routeHash('chats'), 'aria-label': 'All chats' }, '←'),
        h('h1', { tabindex: -1 }, title),
      ),
      group === undefined ? null : groupPanel(ctx, group),
      scroller,
      forward.element,
      form,
    )
    const jump = target
    // After the app has put the view on the page (mount resolves first).
    setTimeout(() => {
      if (jump === null || !jumpTo(list, jump)) scroller.scrollTop = scroller.scrollHeight
    })
    return { element, refreshOn: ['message', 'receipt', 'contact'], refresh, title }
  },
}
