/**
 * Public posts (`/v1/posts`): publish one, and the list, newest first, shown as text.
 * @module
 */
import type { Post } from '@sdmp/client'
import { field, h, replaceChildren } from '../dom.js'
import { formatTime } from '../format.js'
import { newestFirst } from '../chats.js'
import type { View, ViewContext } from './view.js'

function postItem(ctx: ViewContext, p: Post): HTMLElement {
  return h(
    'li',
    { class: 'post', 'data-id': p.id },
    h(
      'div',
      { class: 'meta' },
      h('span', { class: 'who' }, ctx.nameOf(p.from)),
      ' · ',
      h('time', { datetime: p.created }, formatTime(p.created)),
    ),
    p.subject === null ? null : h('h3', { class: 'subject' }, p.subject),
    h('div', { class: 'body', 'data-type': p.type }, p.body),
  )
}

/** `#/posts`. */
export const postsView: View = {
  title: () => 'Posts',
  async mount(ctx) {
    const list = h('ol', { class: 'posts', 'aria-label': 'posts' })
    const refresh = async (): Promise<void> => {
      const { posts } = await ctx.api.posts()
      await ctx.contacts()
      if (posts.length === 0) replaceChildren(list, h('li', { class: 'empty' }, 'No posts yet.'))
      else replaceChildren(list, ...newestFirst(posts).map((p) => postItem(ctx, p)))
    }
    await refresh()

    const subject = h('input', { id: 'post-subject', maxlength: 256 })
    const type = h(
      'select',
      { id: 'post-type' },
      h('option', { value: 'text' }, 'Plain text'),
      h('option', { value: 'markdown' }, 'Markdown'),
    )
    const body = h('textarea', { id: 'post-body', rows: 5, required: true })
    const publish = h('button', { type: 'submit' }, 'Publish')
    const form = h(
      'form',
      { class: 'publish', 'aria-label': 'Publish a post' },
      h('h2', {}, 'Publish a post'),
      h('p', { class: 'hint' }, 'Posts are signed but not encrypted: every contact can read them.'),
      field('Subject (optional)', subject),
      field('Format', type),
      field('Post', body),
      h('div', { class: 'toolbar' }, publish),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      void ctx.act(publish, async () => {
        await ctx.api.post({
          body: body.value,
          type: type.value === 'markdown' ? 'markdown' : 'text',
          ...(subject.value.trim() !== '' && { subject: subject.value.trim() }),
        })
        form.reset()
        ctx.notice('Post published')
        await refresh()
      })
    })
    const element = h(
      'section',
      { class: 'view posts-view' },
      h('h1', { tabindex: -1 }, 'Posts'),
      form,
      h('h2', {}, 'Recent posts'),
      list,
    )
    return { element, refreshOn: ['post', 'contact'], refresh }
  },
}
