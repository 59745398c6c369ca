/**
 * `sdmp start [--peer HOST:PORT] [--api HOST:PORT]`: run the node in the foreground until
 * SIGINT or SIGTERM (docs/cli.md "sdmp start", docs/daemon.md). While it runs, the other
 * commands on this home go through its client API (found through `<home>/daemon.json`).
 * @module
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Command, CommandContext } from '../command.js'
import { CliError } from '../cli-error.js'
import { stopSignal } from '../stop-signal.js'
import { boundHeapGrowth } from '../heap-growth.js'
import { EXIT, PROTOCOL_EXIT_CODES } from '../exit-codes.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/** `sdmp start`. */
export const startCommand: Command = {
  name: 'start',
  summary: 'run this node: sync with peers and serve the client API until stopped',
  usage:
    'start [--peer HOST[:PORT] | --one-port | --no-listen] [--relay ADDRESS]... [--rendezvous URL] [--api HOST[:PORT]] [--public-url URL] [--advertise ADDRESS]... [--api-host NAME]... [--no-link] [--json]',
  options: {
    peer: {
      type: 'string',
      valueName: 'HOST[:PORT]',
      description:
        "listen for peers here (default from config.json: 0.0.0.0 and the home's peer port; port 0 picks one)",
    },
    api: {
      type: 'string',
      valueName: 'HOST[:PORT]',
      description:
        "serve the client API here (default from config.json: 127.0.0.1 and the home's api port; keep it on loopback)",
    },
    'one-port': {
      type: 'boolean',
      description:
        'no peer listener of its own: peers connect as WebSocket to the api port at /v1/peer (put a reverse proxy in front, see --public-url)',
    },
    'no-listen': {
      type: 'boolean',
      description:
        'accept no peer connection at all (behind NAT): peers reach this node through its --relay',
    },
    relay: {
      type: 'string',
      multiple: true,
      valueName: 'ADDRESS',
      description:
        'stay registered on this relay, a node of your own user, given as its WebSocket peer address with its fingerprint: wss://HOST/v1/peer#FINGERPRINT (docs/protocol/relays.md)',
    },
    rendezvous: {
      type: 'string',
      valueName: 'URL',
      description:
        'register this node\'s signed addresses in this directory (http:// or https://) and look up contacts\' nodes there when their known addresses fail (default from config.json "rendezvous")',
    },
    'public-url': {
      type: 'string',
      valueName: 'URL',
      description:
        'the https:// URL a reverse proxy serves this node at: publishes wss://HOST/v1/peer for peers, answers the API for HOST, and trusts X-Forwarded-For from loopback',
    },
    'no-link': {
      type: 'boolean',
      description:
        'do not print the web sign-in link (it holds the API token): for output kept in shared logs',
    },
    'api-host': {
      type: 'string',
      multiple: true,
      valueName: 'NAME',
      description:
        'also answer API requests for this Host name (a reverse proxy, a LAN name); loopback names and the api address always work',
    },
    advertise: {
      type: 'string',
      multiple: true,
      valueName: 'ADDRESS',
      description:
        'publish this peer address for your contacts: HOST:PORT, ws://HOST:PORT/PATH or wss://HOST/PATH (default: the listen addresses)',
    },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'Prints "peer listening on HOST:PORT" and "api listening on http://HOST:PORT" (with --json',
    'a first line {"peer":...,"api":...}), then connection events on stderr. SIGINT or SIGTERM',
    'stops it gracefully: queued writes finish, peers are closed, the store lock is released.',
    'The API needs the bearer token in <home>/api-token; the web client is served at the api',
    'address, and "web: http://HOST:PORT/#token=TOKEN" is the link that signs it in (the token',
    'stays in the fragment, never sent over the network; --no-link leaves it out).',
    'Each home has its own default ports, chosen at init and kept in config.json, so two homes',
    "run side by side without flags; a HOST without :PORT keeps the home's port.",
    'Peers may also connect as WebSocket on the api port at /v1/peer: --one-port makes that the',
    'only way in, and --public-url https://HOST publishes it as wss://HOST/v1/peer behind a',
    'reverse proxy on 443 (docs/daemon.md "One port").',
    'A node behind NAT runs with --no-listen --relay wss://HOST/v1/peer#FINGERPRINT: it keeps a',
    'connection to that node of its user, which relays peers to it, and publishes the relay',
    'address (docs/protocol/relays.md). Every node relays for the other nodes of its user.',
    'config.json may set "acceptPeers": false, "relays": [...] and "rendezvous": "URL" for the',
    'same; the flags win (--peer or --one-port listen even with "acceptPeers": false).',
  ].join('\n'),
  async run(ctx) {
    // A node runs for days: its heap stays near what is live (docs/daemon.md §4 "Memory").
    boundHeapGrowth()
    const node = await import('@sdmp/daemon')
    const { parsePeerAddress } = await import('@sdmp/node')
    const { accountDeps, addressLookupOf } = await import('./account-session.js')
    const config = node.readHomeConfig(ctx.home)
    const onePort = ctx.options['one-port'] === true
    const peerGiven = ctx.options['peer'] !== undefined
    if (onePort && peerGiven)
      throw new CliError('BAD_REQUEST', '--one-port and --peer exclude each other', EXIT.USAGE)
    if (ctx.options['no-listen'] === true && (onePort || peerGiven))
      throw new CliError('BAD_REQUEST', '--no-listen excludes --peer and --one-port', EXIT.USAGE)
    // Flags win over config.json (docs/daemon.md §6): --peer or --one-port listen anyway.
    const noListen =
      ctx.options['no-listen'] === true || (config.acceptPeers === false && !onePort && !peerGiven)
    const relayFlags = ctx.options['relay'] as string[] | undefined
    const relays = relayFlags ?? config.relays ?? []
    const relayFrom = relayFlags ? '--relay' : 'config.json relays'
    for (const r of relays)
      try {
        parsePeerAddress(r)
        if (!/^wss?:\/\//.test(r)) throw new Error('expected ws:// or wss://')
      } catch (e) {
        throw new CliError('BAD_REQUEST', `${relayFrom}: ${(e as Error).message}`, EXIT.USAGE)
      }
    const rendezvousFlag = ctx.options['rendezvous'] as string | undefined
    const rendezvous = rendezvousFlag ?? config.rendezvous
    if (rendezvous !== undefined)
      try {
        node.checkRendezvousUrl(rendezvous)
      } catch (e) {
        const from = rendezvousFlag !== undefined ? '--rendezvous' : 'config.json rendezvous'
        const why = (e as Error).message.replace(/^rendezvous: /, '')
        throw new CliError('BAD_REQUEST', `${from}: ${why}`, EXIT.USAGE)
      }
    const peer = onePort ? null : listenAddress(ctx, 'peer', config.listen.peer, parsePeerAddress)
    const publicUrl = ctx.options['public-url'] as string | undefined
    if (publicUrl !== undefined)
      try {
        node.publicPeerAddress(publicUrl)
      } catch (e) {
        throw new CliError('BAD_REQUEST', `--public-url: ${(e as Error).message}`, EXIT.USAGE)
      }
    const api = listenAddress(ctx, 'api', config.listen.api, parsePeerAddress)
    if (!LOOPBACK.has(api.host))
      ctx.err(
        `sdmp: warning: the client API listens on ${api.host}, not loopback: anyone who can reach it and holds the token controls this node`,
      )
    const advertise = (ctx.options['advertise'] as string[] | undefined) ?? []
    for (const a of advertise) parsePeerAddress(a)
    const apiHosts = (ctx.options['api-host'] as string[] | undefined) ?? []
    const running = node.readDaemonInfo(ctx.home)
    if (running)
      throw new CliError(
        'IN_USE',
        `a daemon already runs on this home (pid ${running.pid}, ${running.api})`,
        PROTOCOL_EXIT_CODES.IN_USE,
      )
    const web = webRoot(ctx)
    const account = await node.Account.open(accountDeps(ctx, { daemon: true }))
    // Penalties and refused connections: rate-limited (docs/daemon.md "Security log").
    const security = node.createSecurityLog({ write: (line) => ctx.err(line) })
    // Instances of one node over one PostgreSQL schema: one at a time dials (dial-lease.ts).
    const { nodeDialLease } = await import('./dial-lease.js')
    const lease = await nodeDialLease(account.config.store)
    let daemon: Awaited<ReturnType<typeof node.Daemon.start>>
    try {
      daemon = await node.Daemon.start({
        ...(lease && { dialLease: lease.lease }),
        account,
        peer,
        api,
        ...(noListen && { listen: false }),
        ...(relays.length > 0 && { relays }),
        ...(rendezvous !== undefined && { rendezvous }),
        ...(advertise.length > 0 && { advertise }),
        ...(publicUrl !== undefined && { publicUrl }),
        ...(apiHosts.length > 0 && { apiHosts }),
        ...(web !== undefined && { webRoot: web }),
        addressLookup: addressLookupOf(ctx),
        event: (name, detail) => {
          if (!security.event(name, detail)) logEvent(ctx, name, detail)
        },
      })
    } catch (e) {
      security.close()
      await lease?.close()
      throw e
    }
    const stopped = stopSignal()
    const apiUrl = daemon.apiUrl!
    const peerAddress = daemon.peerAddress ?? null
    node.writeDaemonInfo(ctx.home, {
      pid: process.pid,
      api: apiUrl,
      peer: peerAddress ?? '',
      ...(daemon.apiSocket !== undefined && { socket: daemon.apiSocket }),
      started: new Date(daemon.startedAt).toISOString(),
    })
    // The sign-in link, as Jupyter prints its tokenized URL (docs/security.md "Web sign-in link").
    const webUrl =
      web === undefined || ctx.options['no-link'] === true
        ? undefined
        : signInLink(apiUrl, node.readApiToken(ctx.home))
    if (ctx.json)
      ctx.out(JSON.stringify({ peer: peerAddress, api: apiUrl, ...(webUrl && { webUrl }) }))
    else {
      ctx.out(
        peerAddress === null
          ? noListen
            ? 'peer not listening (--no-listen or "acceptPeers": false): peers reach this node through its relays'
            : 'peer not listening yet: this device waits for sdmp device join'
          : peerAddress.startsWith('ws')
            ? `peers connect at ${peerAddress}`
            : `peer listening on ${peerAddress}`,
      )
      ctx.out(`api listening on ${apiUrl}`)
      if (webUrl !== undefined) ctx.out(`web: ${webUrl}`)
      else if (web !== undefined)
        ctx.out(`web client at ${apiUrl}/ (sign in with the token in ${ctx.home}/api-token)`)
    }
    const signal = await stopped
    ctx.err(`sdmp: ${signal}: stopping`)
    try {
      await daemon.stop()
    } finally {
      await lease?.close().catch(() => undefined)
      security.close()
      node.removeDaemonInfo(ctx.home)
    }
    return { value: { stopped: true, signal }, text: 'stopped' }
  },
}

/**
 * The web client's sign-in link: the token in the fragment, which browsers never send (the
 * page reads `#token=` and clears it: docs/web.md "Signing in").
 */
export function signInLink(apiUrl: string, token: string): string {
  return `${apiUrl}/#token=${encodeURIComponent(token)}`
}

/**
 * Parse `--NAME HOST:PORT` (port 0 allowed: the OS picks); a HOST alone keeps the port of
 * `fallback` (the home's own port, from config.json). @throws CliError usage
 */
function listenAddress(
  ctx: CommandContext,
  name: 'peer' | 'api',
  fallback: string,
  parse: (text: string) => { host: string; port: number },
): { host: string; port: number } {
  const given = ctx.options[name] as string | undefined
  const hostOnly = given !== undefined && /^(\[[^\]]*\]|[^:[\]]+)$/.test(given)
  const text = hostOnly
    ? `${given}${fallback.slice(fallback.lastIndexOf(':'))}`
    : (given ?? fallback)
  // parsePeerAddress refuses port 0, which is what tests and "pick a free port" need.
  const zero = /:0$/.test(text)
  try {
    const a = parse(zero ? `${text.slice(0, -2)}:1` : text)
    return { host: a.host, port: zero ? 0 : a.port }
  } catch {
    throw new CliError('BAD_REQUEST', `--${name}: expected HOST:PORT, got ${text}`, EXIT.USAGE)
  }
}

/** The web client's files: SDMP_WEB_ROOT, else the web package built next to this one. */
function webRoot(ctx: CommandContext): string | undefined {
  const chosen = ctx.env['SDMP_WEB_ROOT']
  if (chosen !== undefined && chosen !== '') return chosen
  // packages/cli/dist/src/commands/start.js -> packages/web/dist/www
  const built = fileURLToPath(new URL('../../../../web/dist/www/', import.meta.url))
  return existsSync(`${built}index.html`) ? built : undefined
}

/** Connection events as one short line each on stderr (fingerprints shortened, no secrets). */
function logEvent(ctx: CommandContext, name: string, detail: Record<string, unknown>): void {
  const peer = typeof detail['peer'] === 'string' ? short(detail['peer']) : undefined
  switch (name) {
    case 'connected':
      return ctx.err(`peer ${peer ?? '?'} connected (${String(detail['role'])})`)
    case 'disconnected':
      return ctx.err(`peer ${peer ?? '?'} disconnected (${String(detail['reason'])})`)
    case 'backoff':
      return ctx.err(
        `peer ${String(detail['address']).replace(/#.*$/, '')} unreachable (${String(detail['code'])}), retry in ${Math.round(Number(detail['delayMs']) / 1000)} s`,
      )
    case 'prekeys':
      return ctx.err(`prekeys: rotated`)
    case 'mail.forward-refused':
      // docs/protocol/forwarding.md §4: never shown; the code is all that is said of it.
      return ctx.err(
        `refused a forwarded message (journal position ${String(detail['position'])}): its embedded original does not verify (${String(detail['code'])})`,
      )
    default:
      return undefined
  }
}
