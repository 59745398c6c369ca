/**
 * `sdmp identity rotate|recover`: replace the user identity key (docs/cli.md "Recovery and
 * rotation", docs/protocol/keys.md §5). `rotate` runs on the device holding the key; `recover`
 * on a new device made with `init --join`, with the recovery words `init` showed once.
 * @module
 */
import { readFileSync } from 'node:fs'
import type { IdentityRotated } from '@sdmp/client'
import type { Command, CommandContext } from '../command.js'
import { usageError } from '../cli-error.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** The recovery words, one per line or space-separated, as people write them down. */
export function formatRecoveryWords(words: string): string[] {
  const list = words.split(' ')
  const lines: string[] = []
  for (let i = 0; i < list.length; i += 6)
    lines.push(
      list
        .slice(i, i + 6)
        .map((w, j) => `${String(i + j + 1).padStart(2)} ${w.padEnd(9)}`)
        .join(' ')
        .trimEnd(),
    )
  return lines
}

/** The lines that show new recovery words, once. */
export function recoveryWordsText(ctx: CommandContext, words: string): string[] {
  return [
    '',
    ctx.style.bold('Recovery words: write them down now and keep them offline.'),
    'They are shown once and never stored; with them you can recover this identity on a new',
    'device if this one is lost (sdmp identity recover). Anyone who has them can too.',
    '',
    ...formatRecoveryWords(words).map((l) => `  ${l}`),
  ]
}

/** Read the words from `--words-file FILE` (`-`: standard input), never from an argument. */
function readWords(ctx: CommandContext): string {
  const file = ctx.options['words-file'] as string | undefined
  if (file === undefined)
    throw usageError(
      'identity recover: give --words-file FILE (or - to type or pipe them): words in an argument would stay in your shell history',
    )
  if (file === '-' && process.stdin.isTTY) ctx.err('type your 24 recovery words, then press Ctrl-D')
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (e) {
    throw usageError(`identity recover: cannot read ${file}: ${(e as Error).message}`)
  }
}

function rotatedText(ctx: CommandContext, r: IdentityRotated): string {
  const how = r.kind === 'recovery' ? 'recovered with your recovery words' : 'rotated'
  return [
    `${ctx.style.bold('user')}      ${r.user}`,
    `${ctx.style.bold('replaces')}  ${r.previous}`,
    `identity ${how}: ${r.devices} device${r.devices === 1 ? '' : 's'} and ${r.contacts} contact${r.contacts === 1 ? '' : 's'} trusted by the new key`,
    r.kind === 'recovery'
      ? 'Give your new invite (sdmp invite) to your contacts: their nodes check it against your old identity and move you.'
      : 'Your contacts and other devices follow by sync.',
    ...(r.recoveryWords === undefined ? [] : recoveryWordsText(ctx, r.recoveryWords)),
  ].join('\n')
}

/** `sdmp identity rotate`. */
export const identityRotateCommand: Command = {
  name: 'rotate',
  summary: 'replace your identity key with a new one (on the device that holds it)',
  usage: 'identity rotate [--json]',
  options: { ...ACCOUNT_OPTIONS },
  details: [
    'Makes a new identity key, signs the change with the old one and trusts your devices and',
    'contacts again with the new key (revoked devices stay revoked). Contacts and your other',
    'devices follow by sync. Your recovery words stay the same (docs/protocol/keys.md §5).',
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const r = await withApi(ctx, (api) => api.rotateIdentity())
    return { value: r, text: rotatedText(ctx, r) }
  },
}

/** `sdmp identity recover INVITE --words-file FILE`. */
export const identityRecoverCommand: Command = {
  name: 'recover',
  summary: "on a new device made with 'init --join': recover your identity with its words",
  usage: 'identity recover INVITE --words-file FILE|- [--json]',
  options: {
    'words-file': {
      type: 'string',
      valueName: 'FILE',
      description: 'file with your 24 recovery words (- reads standard input)',
    },
    ...ACCOUNT_OPTIONS,
  },
  args: [{ name: 'INVITE', required: true }],
  details: [
    'INVITE is an invite of your old identity: one you gave a contact, or ask a contact to run',
    "'sdmp contact invite NAME' and send you what it prints.",
    'The words must match the recovery key committed in it. A new',
    'identity key replaces the lost one; this device becomes its only device, and new recovery',
    'words are shown once (the old ones are spent). Then give your new invite to your contacts.',
  ].join('\n'),
  async run(ctx) {
    const words = readWords(ctx)
    const { withApi } = await import('../connect.js')
    const r = await withApi(ctx, (api) => api.recoverIdentity({ invite: ctx.args[0]!, words }))
    return { value: r, text: rotatedText(ctx, r) }
  },
}

/** `sdmp identity`: the group. */
export const identityCommand: Command = {
  name: 'identity',
  summary: 'rotate your identity key, or recover it with your recovery words',
  usage: 'identity <command> [options]',
  options: {},
  subcommands: [identityRotateCommand, identityRecoverCommand],
}
