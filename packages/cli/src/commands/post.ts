/**
 * `sdmp post TEXT`: publish a public (signed, unencrypted) note for everyone who trusts you.
 * @module
 */
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** `sdmp post TEXT`. */
export const postCommand: Command = {
  name: 'post',
  summary: 'publish a public post, signed but not encrypted',
  usage: 'post TEXT [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'TEXT', required: true }],
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { id } = await withApi(ctx, (api) => api.post({ body: ctx.args[0]! }))
    return { value: { id }, text: `posted ${id}` }
  },
}
