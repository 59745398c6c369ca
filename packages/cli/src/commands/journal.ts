/**
 * `sdmp journal`: this node's journal, one line per stored resource, hash-chained
 * (docs/protocol/journal.md).
 * @module
 */
import type { JournalLine, SdmpApi } from '@sdmp/client'
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** Lines asked per API call; the API may cap a page lower (docs/api.md), so read until empty. */
const PAGE = 1_000

/** Every journal line, in order, fetched page by page after the last position seen. */
async function allJournalLines(api: SdmpApi): Promise<JournalLine[]> {
  const all: JournalLine[] = []
  for (;;) {
    const after = all.length === 0 ? 0 : all[all.length - 1]!.position
    const { lines } = await api.journal({ after, limit: PAGE })
    all.push(...lines)
    if (lines.length === 0) return all
  }
}

/** `sdmp journal`. */
export const journalCommand: Command = {
  name: 'journal',
  summary: "print this node's journal lines",
  usage: 'journal [--json]',
  options: { ...ACCOUNT_OPTIONS },
  details:
    'Line 1 is the node fingerprint; every other line is lineId@user/resourceId, where lineId\nhashes the line before it. With --json: an array of {"position","line"}.',
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const rows = await withApi(ctx, (api) => allJournalLines(api))
    return { value: rows, text: rows.map((r) => r.line).join('\n') }
  },
}
