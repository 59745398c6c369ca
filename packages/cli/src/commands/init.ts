/**
 * `sdmp init [--name NAME]` and `sdmp init --join [--name NAME]`: create a home. The first
 * creates the user and this node, fully authorized; `--join` creates only a node key on a
 * second device and prints the join request to authorize on the first (docs/cli.md).
 * @module
 */
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** `sdmp init`. */
export const initCommand: Command = {
  name: 'init',
  summary: 'create your user identity and this node, or with --join a second device',
  usage: 'init [--name NAME] [--join] [--json]',
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
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'Creates the home directory: config.json, api-token (0600) and store/ with the keys as',
    'secrets (sealed with the passphrase when SDMP_PASSPHRASE or --passphrase-file is set).',
    'Shows your 24 recovery words once: write them down (sdmp identity recover).',
    'Refuses to overwrite an existing home. With --join, run the printed',
    "'sdmp device authorize REQUEST' on your first device; this device learns its trust by sync.",
  ].join('\n'),
  async run(ctx) {
    const { Account } = await import('@sdmp/daemon/account')
    const { accountDeps } = await import('./account-session.js')
    const { recoveryWordsText } = await import('./identity.js')
    const name = ctx.options['name'] as string | undefined
    const join = ctx.options['join'] === true
    const { defaultHome } = await import('../home.js')
    const account = await Account.create(accountDeps(ctx), {
      join,
      wellKnownPorts: ctx.home === defaultHome(),
      ...(name !== undefined && { name }),
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
