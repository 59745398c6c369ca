/**
 * `sdmp post TEXT`: publish a public (signed, unencrypted) note for everyone who trusts you;
 * `sdmp post edit ID TEXT` and `sdmp post delete ID` change one's own post
 * (docs/protocol/edits.md §4).
 * @module
 */
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { checkId } from './message-input.js'

/** `sdmp post edit ID TEXT`. */
const postEditCommand: Command = {
  name: 'edit',
  summary: 'publish a new version of your post',
  usage: 'post edit ID TEXT [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [
    { name: 'ID', required: true },
    { name: 'TEXT', required: true },
  ],
  details:
    'ID: the full post id. Only its author may edit it (exit 77, FORBIDDEN).\nWith --json: {"post":{...}} with "edited" set.',
  async run(ctx) {
    const id = checkId('post edit', ctx.args[0]!)
    const { withApi } = await import('../connect.js')
    const { post } = await withApi(ctx, (api) => api.editPost(id, { body: ctx.args[1]! }))
    return { value: { post }, text: `edited post ${post.id}` }
  },
}

/** `sdmp post delete ID`. */
const postDeleteCommand: Command = {
  name: 'delete',
  summary: 'delete your post',
  usage: 'post delete ID [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'ID', required: true }],
  details:
    'ID: the full post id. Only its author may delete it (exit 77, FORBIDDEN).\nWith --json: {"post":{...}} with "deleted": true.',
  async run(ctx) {
    const id = checkId('post delete', ctx.args[0]!)
    const { withApi } = await import('../connect.js')
    const { post } = await withApi(ctx, (api) => api.deletePost(id))
    return { value: { post }, text: `deleted post ${post.id}` }
  },
}

/** `sdmp post TEXT` (and its `edit`, `delete`). */
export const postCommand: Command = {
  name: 'post',
  summary: 'publish a public post, signed but not encrypted; or edit or delete one',
  usage: 'post TEXT [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'TEXT', required: true }],
  details: "To post the word 'edit' or 'delete' itself: sdmp post -- edit",
  subcommands: [postEditCommand, postDeleteCommand],
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { id } = await withApi(ctx, (api) => api.post({ body: ctx.args[0]! }))
    return { value: { id }, text: `posted ${id}` }
  },
}
