/**
 * `sdmp init [--name NAME]` and `sdmp init --join [--name NAME]`: create a home. The first
 * creates the user and this node, fully authorized; `--join` creates only a node key on a
 * second device and prints the join request to authorize on the first (docs/cli.md).
 * `--store postgres://… --schema NAME` keeps the store in PostgreSQL, and `--attach` makes the
 * home one more instance of the node already in that schema (docs/scale.md "Instances as daemon
 * processes").
 * @module
 */
import type { Command, CommandContext } from '../command.js'
import { CliError } from '../cli-error.js'
import { EXIT } from '../exit-codes.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** `sdmp init`. */
export const initCommand: Command = {
  name: 'init',
  summary: 'create your user identity and this node, or with --join a second device',
  usage:
    'init [--name NAME] [--join] [--store postgres://USER@HOST/DB --schema NAME [--attach [--instance NAME]]] [--json]',
  options: {
    name: {
      type: 'string',
      valueName: 'NAME',
      description: 'your name (with --join: this device name)',
    },
    join: {
      type: 'boolean',
      description: 'create only a node key and print a join request for your first device',
    },
    store: {
      type: 'string',
      valueName: 'URL',
      description:
        'keep the store in PostgreSQL (postgres://USER@HOST:PORT/DB, no password: PGPASSWORD or ~/.pgpass) instead of <home>/store',
    },
    schema: {
      type: 'string',
      valueName: 'NAME',
      description: 'the PostgreSQL schema of this node (with --store; one schema per node)',
    },
    attach: {
      type: 'boolean',
      description:
        'with --store: this home is one more instance of the node already in that schema (same keys, its own ports and mailbox index)',
    },
    instance: {
      type: 'string',
      valueName: 'NAME',
      description: 'with --attach: the instance name (a-z 0-9 -; default random)',
    },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'Creates the home directory: config.json, api-token (0600) and store/ with the keys as',
    'secrets (sealed with the passphrase when SDMP_PASSPHRASE or --passphrase-file is set).',
    'Shows your 24 recovery words once: write them down (sdmp identity recover).',
    'Refuses to overwrite an existing home. With --join, run the printed',
    "'sdmp device authorize REQUEST' on your first device; this device learns its trust by sync.",
    'With --store the keys are secrets in the PostgreSQL schema, and config.json records the',
    'URL and schema. Several daemons of one node (a host for many devices) are one home each,',
    "made with 'init --store URL --schema NAME --attach' on each further machine or directory",
    '(docs/scale.md).',
  ].join('\n'),
  async run(ctx) {
    const { Account } = await import('@sdmp/daemon/account')
    const { accountDeps } = await import('./account-session.js')
    const { recoveryWordsText } = await import('./identity.js')
    const name = ctx.options['name'] as string | undefined
    const join = ctx.options['join'] === true
    const shared = await sharedStoreOf(ctx)
    if (ctx.options['attach'] === true) {
      if (shared === undefined)
        throw new CliError('BAD_REQUEST', '--attach needs --store and --schema', EXIT.USAGE)
      const { attachInstance } = await import('@sdmp/daemon/account')
      const instance = ctx.options['instance'] as string | undefined
      const account = await attachInstance(accountDeps(ctx), shared, instance)
      try {
        const value = {
          node: account.node,
          user: account.user ?? null,
          instance: account.config.instance!,
        }
        return {
          value,
          text: `instance ${value.instance} of node ${value.node} at ${ctx.home}`,
        }
      } finally {
        await account.close()
      }
    }
    const { defaultHome } = await import('../home.js')
    const account = await Account.create(accountDeps(ctx), {
      join,
      wellKnownPorts: ctx.home === defaultHome(),
      ...(name !== undefined && { name }),
      ...(shared && { store: shared }),
    })
    try {
      const b = ctx.style.bold
      if (join) {
        const request = await account.joinRequest()
        return {
          value: { node: account.node, request },
          text: [
            `${b('node')}  ${account.node}`,
            `${b('home')}  ${ctx.home}`,
            '',
            'On your first device, run:',
            `  sdmp device authorize ${request}`,
          ].join('\n'),
        }
      }
      const user = account.user!
      const words = account.recoveryWords!
      return {
        value: { user, node: account.node, uri: `sdmp://${user}`, recoveryWords: words },
        text: [
          `${b('user')}  ${user}`,
          `${b('node')}  ${account.node}`,
          `${b('uri ')}  sdmp://${user}`,
          `${b('home')}  ${ctx.home}`,
          ...recoveryWordsText(ctx, words),
          '',
          'Next: with your node running (sdmp start), give your invite (sdmp invite) to a contact',
          'and add theirs with sdmp contact add INVITE.',
        ].join('\n'),
      }
    } finally {
      await account.close()
    }
  },
}

/**
 * The PostgreSQL store of `--store URL --schema NAME`, checked; undefined without `--store`.
 * @throws CliError usage (a flag without its partner, a bad URL or schema)
 */
async function sharedStoreOf(ctx: CommandContext) {
  const url = ctx.options['store'] as string | undefined
  const schema = ctx.options['schema'] as string | undefined
  const instance = ctx.options['instance'] as string | undefined
  if (instance !== undefined && ctx.options['attach'] !== true)
    throw new CliError('BAD_REQUEST', '--instance goes with --attach', EXIT.USAGE)
  if (url === undefined) {
    if (schema !== undefined)
      throw new CliError('BAD_REQUEST', '--schema goes with --store', EXIT.USAGE)
    return undefined
  }
  if (schema === undefined)
    throw new CliError('BAD_REQUEST', '--store needs --schema NAME', EXIT.USAGE)
  const { parseHomeStore, INSTANCE_NAME } = await import('@sdmp/daemon/account')
  if (instance !== undefined && !INSTANCE_NAME.test(instance))
    throw new CliError('BAD_REQUEST', '--instance: a-z 0-9 and -, 32 at most', EXIT.USAGE)
  try {
    return parseHomeStore(url, schema)
  } catch (e) {
    throw new CliError('BAD_REQUEST', (e as Error).message, EXIT.USAGE)
  }
}
