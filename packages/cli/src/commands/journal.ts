/**
 * `sdmp journal`: this node's journal, one line per stored resource, hash-chained
 * (docs/protocol/journal.md).
 * @module
 */
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** `sdmp journal`. */
export const journalCommand: Command = {
  name: 'journal',
  summary: "print this node's journal lines",
  usage: 'journal [--json]',
  options: { ...ACCOUNT_OPTIONS },
  details:
    'Line 1 is the node fingerprint; every other line is lineId@user/resourceId, where lineId\nhashes the line before it. With --json: an array of {"position","line"}.',
  async run(ctx) {
    const { readJournalLines } = await import('@sdmp/node/account')
    const { withAccount } = await import('./account-session.js')
    const rows = await withAccount(ctx, (a) => readJournalLines(a))
    return { value: rows, text: rows.map((r) => r.line).join('\n') }
  },
}
