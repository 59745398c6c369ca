/**
 * `sdmp rendezvous start [--listen HOST:PORT]`: run a rendezvous directory in the foreground
 * (docs/protocol/relays.md §7, docs/cli.md "sdmp rendezvous"): nodes register signed, expiring
 * address records; lookups are by node fingerprint only and are not logged.
 * @module
 */
import type { Command } from '../command.js'
import { CliError } from '../cli-error.js'
import { stopSignal } from '../stop-signal.js'
import { EXIT } from '../exit-codes.js'

/** `sdmp rendezvous start`. */
const rendezvousStartCommand: Command = {
  name: 'start',
  summary: 'run a rendezvous directory until stopped',
  usage: 'rendezvous start [--listen HOST:PORT] [--json]',
  options: {
    listen: {
      type: 'string',
      valueName: 'HOST:PORT',
      description: 'serve the directory here (default 127.0.0.1:7430; port 0 picks one)',
    },
  },
  details: [
    'Serves POST /v1/records (register a signed record) and GET /v1/records/FINGERPRINT (look one',
    'up) as JSON over HTTP; put a TLS reverse proxy in front for the internet. Records live in',
    'memory, expire within 24 h and are re-registered by their nodes. Prints "rendezvous listening',
    'on http://HOST:PORT" (with --json {"url":...}); SIGINT or SIGTERM stops it. Nothing about a',
    'lookup is logged; the directory still sees the IP address each request comes from.',
  ].join('\n'),
  async run(ctx) {
    const { startRendezvousServer } = await import('@sdmp/daemon')
    const { createNodeProvider } = await import('@sdmp/crypto-node')
    const text = (ctx.options['listen'] as string | undefined) ?? '127.0.0.1:7430'
    const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(text)
    const port = m ? Number(m[2]) : -1
    if (!m || port > 65535)
      throw new CliError('BAD_REQUEST', `--listen: expected HOST:PORT, got ${text}`, EXIT.USAGE)
    const host = m[1]!.replace(/^\[|\]$/g, '')
    const server = await startRendezvousServer({
      provider: createNodeProvider(),
      listen: { host, port },
    })
    const stopped = stopSignal()
    if (ctx.json) ctx.out(JSON.stringify({ url: server.url }))
    else ctx.out(`rendezvous listening on ${server.url}`)
    const signal = await stopped
    ctx.err(`sdmp: ${signal}: stopping`)
    await server.close()
    return { value: { stopped: true, signal }, text: 'stopped' }
  },
}

/** `sdmp rendezvous`: the directory's commands. */
export const rendezvousCommand: Command = {
  name: 'rendezvous',
  summary: 'run a rendezvous directory of signed node address records',
  usage: 'rendezvous start [--listen HOST:PORT] [--json]',
  options: {},
  subcommands: [rendezvousStartCommand],
}
