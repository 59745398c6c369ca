/**
 * `sdmp sync [--wait]`: reconcile with every reachable peer now (docs/cli.md "Sync",
 * docs/protocol/sync.md). Through a daemon it asks the running peer manager; without one it
 * runs a one-shot sync from this process. With `--wait` it returns once every reachable peer
 * is caught up, showing a live status line on a terminal meanwhile.
 * @module
 */
import type { Contact, Peer, SdmpApi, SyncResult } from '@sdmp/client'
import type { Command, CommandFailure } from '../command.js'
import { PROTOCOL_EXIT_CODES } from '../exit-codes.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'

/** How often the live status line is refreshed while `--wait` runs on a terminal. */
const STATUS_EVERY_MS = 500

/** `connected 2/3 peers` (the numbers people watch while waiting). */
function peerLine(peers: readonly Peer[]): string {
  const connected = peers.filter((p) => p.state === 'connected').length
  return `connected ${connected}/${peers.length} peer${peers.length === 1 ? '' : 's'}`
}

/** Peers whose trust gate refused ours (transport.md §5): not connected, last error forbidden. */
function refusedPeers(peers: readonly Peer[]): Peer[] {
  return peers.filter((p) => p.state !== 'connected' && p.lastError === 'forbidden')
}

/**
 * Why a peer refused us, in words, with what to do: the contact's standing says whether they
 * have not added us yet or removed us; a peer we cannot name gets both possibilities.
 */
export function refusalHint(peer: Peer, contacts: readonly Contact[], me: string | null): string {
  const node = peer.node === null ? (peer.address ?? 'a peer') : `node ${short(peer.node)}`
  if (peer.user !== null && peer.user === me)
    return `your device ${node} refused this one (forbidden): was this device revoked? (sdmp device list on another device)`
  const contact = contacts.find((c) => c.user === peer.user)
  if (contact === undefined)
    return `${node} refused us (forbidden): its user has not added you, or removed you`
  const who = `${contact.name}'s node refused us (forbidden): ${contact.name}`
  if (contact.status === 'removed') return `${who} removed you as a contact`
  if (contact.status === 'waiting')
    return `${who} has not added you yet; give them your invite (sdmp invite)`
  return `${who} has not added you, or removed you`
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
    'command fail (exit 75, TIMEOUT) after printing the peers; a peer whose node refused us',
    '(its user has not added you, or removed you) makes it fail with FORBIDDEN (exit 77) and',
    'says which.',
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { formatPeers } = await import('./peers.js')
    const wait = ctx.options['wait'] === true
    // The status line redraws in place (\r), which ctx.err's whole lines cannot do.
    const tty = !ctx.json && wait && ctx.isTTY && process.stderr.isTTY ? process.stderr : undefined
    const { result, contacts, me } = await withApi(ctx, async (api) => {
      const result = await syncWithStatus(api, wait, tty)
      // Only a refusal needs names: who refused us, and whether they had added us.
      if (!wait || refusedPeers(result.peers).length === 0)
        return { result, contacts: [], me: null }
      const [{ contacts }, { user }] = await Promise.all([api.contacts(), api.whoami()])
      return { result, contacts, me: user }
    })
    const head = result.synced ? ctx.style.ok('synced') : ctx.style.warn('not fully synced')
    const text = [`${head}: ${peerLine(result.peers)}`, formatPeers(result.peers, ctx.style)]
    const refused = wait ? refusedPeers(result.peers) : []
    const failure: CommandFailure | undefined =
      refused.length > 0
        ? {
            code: 'FORBIDDEN',
            message: `sync: ${refused.map((p) => refusalHint(p, contacts, me)).join('; ')}`,
            exitCode: PROTOCOL_EXIT_CODES.FORBIDDEN,
          }
        : wait && !result.synced
          ? {
              code: 'TIMEOUT',
              message: `sync: not every peer was caught up (${peerLine(result.peers)})`,
              exitCode: PROTOCOL_EXIT_CODES.TIMEOUT,
            }
          : undefined
    return { value: result, text: text.join('\n'), ...(failure && { failure }) }
  },
}
