/**
 * `sdmp host …`: a host for many unrelated users (docs/scale.md "A host for many users",
 * docs/cli.md "sdmp host"). `init` makes the host home, `add-user` a hosted user's node (then
 * joins it with the user's invite), `list`, `remove-user`, and `start` runs every hosted user's
 * node in one process behind one port. The database driver is imported inside `run`.
 * @module
 */
import type { Command } from '../command.js'
import { CliError } from '../cli-error.js'
import { EXIT } from '../exit-codes.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'
import { assertStopped, positiveInt, withHost } from './host-session.js'
import { hostStartCommand } from './host-start.js'

const hostInitCommand: Command = {
  name: 'init',
  summary: 'create a host home for many users (host.json) on a PostgreSQL database',
  usage:
    'host init --store postgres://USER@HOST:PORT/DB [--domain DOMAIN] [--schema-prefix P] [--quota-bytes N] [--quota-messages N] [--json]',
  options: {
    store: {
      type: 'string',
      valueName: 'URL',
      description: 'the database every hosted user is kept in, one schema each (no password)',
    },
    domain: {
      type: 'string',
      valueName: 'DOMAIN',
      description: 'serve /.well-known/sdmp/NAME only for addresses of this domain',
    },
    'schema-prefix': {
      type: 'string',
      valueName: 'P',
      description: "prefix of the hosted users' schema names (default u_)",
    },
    'quota-bytes': {
      type: 'string',
      valueName: 'N',
      description: 'bytes stored per hosted user before deliveries are refused (default 512 MiB)',
    },
    'quota-messages': {
      type: 'string',
      valueName: 'N',
      description:
        'resources stored per hosted user before deliveries are refused (default 100000)',
    },
  },
  details: [
    'Creates the host home (--home, else SDMP_HOME): host.json and users/. Every hosted user gets',
    'a node of its own there (sdmp host add-user), kept in a schema of its own in this database.',
  ].join('\n'),
  async run(ctx) {
    const { newHostConfig, writeNewHost } = await import('@sdmp/daemon/host')
    const store = ctx.options['store'] as string | undefined
    if (store === undefined)
      throw new CliError('BAD_REQUEST', 'host init needs --store postgres://…', EXIT.USAGE)
    const bytes = positiveInt(ctx, 'quota-bytes')
    const messages = positiveInt(ctx, 'quota-messages')
    let config
    try {
      config = newHostConfig({
        store,
        ...(typeof ctx.options['domain'] === 'string' && { domain: ctx.options['domain'] }),
        ...(typeof ctx.options['schema-prefix'] === 'string' && {
          schemaPrefix: ctx.options['schema-prefix'],
        }),
        quota: {
          ...(bytes !== undefined && { maxBytesPerUser: bytes }),
          ...(messages !== undefined && { maxMessagesPerUser: messages }),
        },
      })
    } catch (e) {
      throw new CliError('BAD_REQUEST', (e as Error).message, EXIT.USAGE)
    }
    writeNewHost(ctx.home, config)
    const { store: _url, ...shown } = config
    return {
      value: { home: ctx.home, ...shown },
      text: `host home at ${ctx.home}\nNext: sdmp host add-user (once per hosted user)`,
    }
  },
}

const hostAddUserCommand: Command = {
  name: 'add-user',
  summary: "make a hosted user's node, or with INVITE join it to its user",
  usage: 'host add-user [--name NAME] | host add-user INVITE [--json]',
  args: [{ name: 'INVITE' }],
  options: {
    name: {
      type: 'string',
      valueName: 'NAME',
      description: "the hosted user's name on this host (a-z 0-9 _; default u + 10 hex digits)",
    },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'Without INVITE: makes a node of its own for a new hosted user, in its own schema, and prints',
    "its join request. On one of the user's devices run",
    '  sdmp device authorize REQUEST --host-only',
    'then sdmp invite there, and here sdmp host add-user INVITE: the waiting node the invite lists',
    'joins its user (as sdmp device join). Run it with the host stopped, then start it again.',
  ].join('\n'),
  async run(ctx) {
    const { createTenant, joinTenant } = await import('@sdmp/daemon/host')
    await assertStopped(ctx)
    const invite = ctx.args[0]
    if (invite !== undefined && ctx.options['name'] !== undefined)
      throw new CliError('BAD_REQUEST', '--name goes without INVITE', EXIT.USAGE)
    return withHost(ctx, async ({ deps }) => {
      if (invite !== undefined) {
        const { explainDamagedInvite, readInvite } = await import('./invite-input.js')
        const text = readInvite(ctx, invite, 'host add-user')
        const joined = await explainDamagedInvite(ctx, () => joinTenant(deps, text))
        return {
          value: joined,
          text: `${joined.name}: node ${short(joined.node)} now hosts user ${short(joined.user)}`,
        }
      }
      const name = ctx.options['name'] as string | undefined
      const made = await createTenant(deps, name)
      return {
        value: made,
        text: [
          `${made.name}: node ${made.node}`,
          '',
          "On one of the user's devices, run:",
          `  sdmp device authorize ${made.request} --host-only`,
          'then make an invite there (sdmp invite) and run here:',
          '  sdmp host add-user INVITE',
        ].join('\n'),
      }
    })
  },
}

const hostListCommand: Command = {
  name: 'list',
  summary: 'the hosted users: names, fingerprints, addresses and what each one stores',
  usage: 'host list [--json]',
  options: {},
  async run(ctx) {
    const { listTenants } = await import('@sdmp/daemon/host')
    return withHost(ctx, async ({ deps, config }) => {
      const users = await listTenants(deps)
      const lines = users.map(
        (u) =>
          `${u.name}  ${u.user === null ? 'waiting for add-user INVITE' : short(u.user)}  ${u.address ?? '-'}  ${u.resources} resources, ${u.bytes} bytes`,
      )
      return {
        value: { users, quota: config.quota },
        text: lines.length > 0 ? lines.join('\n') : 'no hosted users (sdmp host add-user)',
      }
    })
  },
}

const hostRemoveUserCommand: Command = {
  name: 'remove-user',
  summary: "remove a hosted user: its node's homes and its schema with everything stored",
  usage: 'host remove-user NAME|FINGERPRINT [--json]',
  args: [{ name: 'NAME', required: true }],
  options: {},
  details:
    'Takes the name, the node fingerprint or the user fingerprint. Run it with the host stopped.',
  async run(ctx) {
    const { removeTenant } = await import('@sdmp/daemon/host')
    await assertStopped(ctx)
    return withHost(ctx, async ({ deps }) => {
      const removed = await removeTenant(deps, ctx.args[0]!)
      return { value: removed, text: `removed ${removed.name} (node ${short(removed.node)})` }
    })
  },
}

/** `sdmp host`: a host for many unrelated users. */
export const hostCommand: Command = {
  name: 'host',
  summary: 'run a host for many users: one node per hosted user, one process, one port',
  usage: 'host init|add-user|list|remove-user|start [--json]',
  options: {},
  subcommands: [
    hostInitCommand,
    hostAddUserCommand,
    hostListCommand,
    hostRemoveUserCommand,
    hostStartCommand,
  ],
}
