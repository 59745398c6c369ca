/**
 * `sdmp sync [--wait]`: reconcile with every reachable peer now (docs/cli.md "Sync",
 * docs/protocol/sync.md). Through a daemon it asks the running peer manager; without one it
 * runs a one-shot sync from this process. With `--wait` it returns once every reachable peer
 * is caught up, showing a live status line on a terminal meanwhile.
 * @module
 */
import type { Peer, SdmpApi, SyncResult } from '@sdmp/client'
import type { Command } from '../command.js'
import { PROTOCOL_EXIT_CODES } from '../exit-codes.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** How often the live status line is refreshed while `--wait` runs on a terminal. */
const STATUS_EVERY_MS = 500

/** `connected 2/3 peers` (the numbers people watch while waiting). */
function peerLine(peers: readonly Peer[]): string {
  const connected = peers.filter((p) => p.state === 'connected').length
  return `connected ${connected}/${peers.length} peer${peers.length === 1 ? '' : 's'}`
}

/**
 * Run `sync` while refreshing one status line on `tty` (erased at the end). The line polls
 * `peers()`; a failed poll only skips that refresh.
 */
async function syncWithStatus(
  api: SdmpApi,
  wait: boolean,
  tty: NodeJS.WriteStream | undefined,
): Promise<SyncResult> {
  if (tty === undefined) return api.sync({ wait })
  const started = Date.now()
  let busy = false
  const draw = async () => {
    if (busy) return
    busy = true
    try {
      const { peers } = await api.peers()
      const s = Math.round((Date.now() - started) / 1000)
      tty.write(`\r\u001b[Ksyncing… ${peerLine(peers)} (${s}s)`)
    } catch {
      // A status refresh is best effort; the sync result decides the outcome.
    } finally {
      busy = false
    }
  }
  void draw()
  const timer = setInterval(() => void draw(), STATUS_EVERY_MS)
  try {
    return await api.sync({ wait })
  } finally {
    clearInterval(timer)
    tty.write('\r\u001b[K')
  }
}

/** `sdmp sync`. */
export const syncCommand: Command = {
  name: 'sync',
  summary: 'sync with your peers now, or with --wait until every reachable one is caught up',
  usage: 'sync [--wait] [--json]',
  options: {
    wait: {
      type: 'boolean',
      description: 'return once every reachable peer is caught up (at most 30s)',
    },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'Through a running daemon this asks its peer manager; without one it dials the known',
    'peers from this process once. With --wait, a peer left unsynced after 30s makes the',
    'command fail (exit 75, TIMEOUT) after printing the peers.',
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { formatPeers } = await import('./peers.js')
    const wait = ctx.options['wait'] === true
    // The status line redraws in place (\r), which ctx.err's whole lines cannot do.
    const tty = !ctx.json && wait && ctx.isTTY && process.stderr.isTTY ? process.stderr : undefined
    const result = await withApi(ctx, (api) => syncWithStatus(api, wait, tty))
    const head = result.synced ? ctx.style.ok('synced') : ctx.style.warn('not fully synced')
    const text = [`${head}: ${peerLine(result.peers)}`, formatPeers(result.peers, ctx.style)]
    return {
      value: result,
      text: text.join('\n'),
      ...(wait &&
        !result.synced && {
          failure: {
            code: 'TIMEOUT',
            message: `sync: not every peer was caught up (${peerLine(result.peers)})`,
            exitCode: PROTOCOL_EXIT_CODES.TIMEOUT,
          },
        }),
    }
  },
}
