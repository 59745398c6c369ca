/**
 * Invites as people hand them over (docs/cli.md "Invites"): pasted as an argument, piped or
 * typed on standard input (`-`), or read from a file; line breaks and spaces a mail client or a
 * terminal added are dropped. A damaged invite is said in plain words, the detail under
 * `--verbose`.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import type { CommandContext, OptionSpecs } from '../command.js'
import { CliError, isProtocolErrorLike, usageError } from '../cli-error.js'
import { exitCodeFor } from '../exit-codes.js'

/** The `--verbose` flag of the commands that take an invite. */
export const VERBOSE_OPTION: OptionSpecs = {
  verbose: { type: 'boolean', description: 'show why an invite was refused' },
}

/** Where an INVITE argument is explained in help. */
export const INVITE_ARG_HELP = [
  'INVITE is the invite text, a file holding it, or - to paste or pipe it (Ctrl-D ends).',
  "A short invite (sdmp-invite:3:) is completed from the inviter's node, which must be running;",
  'a full one (sdmp invite --full) works offline. Either way every signature is checked.',
].join('\n')

/**
 * The invite that `arg` gives: `-` reads standard input, a path of an existing file reads the
 * file, anything else is the invite itself. Whitespace inside is dropped.
 * @throws CliError USAGE when the file or standard input cannot be read
 */
export function readInvite(ctx: CommandContext, arg: string, what: string): string {
  let text = arg
  if (arg === '-') {
    if (process.stdin.isTTY) ctx.err('paste the invite, then press Ctrl-D')
    text = readSource(0, what, 'standard input')
  } else if (!arg.startsWith('sdmp-invite:') && existsSync(arg)) {
    text = readSource(arg, what, arg)
  }
  return text.replace(/\s+/g, '')
}

function readSource(source: string | 0, what: string, label: string): string {
  try {
    return readFileSync(source, 'utf8')
  } catch (e) {
    throw usageError(`${what}: cannot read ${label}: ${(e as Error).message}`)
  }
}

/** Codes by which an invite's own content is refused (a bad signature counts: it was altered). */
const DAMAGED = new Set([
  'INVALID_ENCODING',
  'INVALID_SIGNATURE',
  'LIMIT_EXCEEDED',
  'SCHEMA_VIOLATION',
  'UNKNOWN_SCHEMA',
  'UNSUPPORTED_VERSION',
])

/**
 * Whether `e` refuses the invite's content: a decoding or verification code about the invite, or
 * BAD_REQUEST from the invite decoder itself (its messages start with `invite`), not a refusal
 * of a sound invite (your own, a name already used).
 */
function isDamage(e: unknown): e is Error & { code: string } {
  if (!isProtocolErrorLike(e)) return false
  if (e.code === 'BAD_REQUEST') return /^invite[:.[]/.test(e.message)
  return DAMAGED.has(e.code) && /invite/i.test(e.message)
}

/**
 * Run `fn`; an error about the invite's content becomes "this invite is damaged or incomplete",
 * with the same code and exit code, and the technical detail only with `--verbose`.
 */
export async function explainDamagedInvite<T>(
  ctx: CommandContext,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    if (!isDamage(e)) throw e
    const detail = ctx.options['verbose'] === true ? `: ${e.message}` : ' (--verbose shows why)'
    throw new CliError(
      e.code,
      `this invite is damaged or incomplete: ask for a new one${detail}`,
      exitCodeFor(e.code),
    )
  }
}
