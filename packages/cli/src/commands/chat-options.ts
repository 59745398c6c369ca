/**
 * The paging flags of `inbox`, `chat` and `thread`, kept free of imports so the command table
 * loads fast (docs/cli.md "Paging").
 * @module
 */
import type { OptionSpecs } from '../command.js'

/** `--limit N` and `--before CURSOR`. */
export const PAGE_OPTIONS: OptionSpecs = {
  limit: { type: 'string', valueName: 'N', description: 'at most N per page (1..1000)' },
  before: {
    type: 'string',
    valueName: 'CURSOR',
    description: 'the page before CURSOR (printed after a page when more exist)',
  },
}
