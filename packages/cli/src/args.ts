/**
 * Argument parsing: find the command path (`legacy verify`), then parse the rest strictly with
 * node:util parseArgs. Unknown flags, missing values and wrong argument counts are usage errors.
 * @module
 */
import { didYouMean } from '@sdmp/client/suggest'
import { parseArgs } from 'node:util'
import type { ArgSpec, OptionSpecs, OptionValues } from './command.js'
import { usageError } from './cli-error.js'
import { GLOBAL_OPTIONS } from './global-options.js'

/** The command path found in argv and the tokens left for the strict parse. */
export interface CommandPath {
  /** Names, e.g. ['legacy', 'verify']; empty when argv holds no command. */
  readonly names: readonly string[]
  /** argv without the tokens of the command path. */
  readonly rest: readonly string[]
}

/**
 * Split argv into the command path and the rest. Only global flags may come before a command
 * name; the walk skips them (and the value of `--home DIR`) and stops at `--`.
 * `isGroup(names)` says whether the path so far expects a subcommand.
 */
export function splitCommandPath(
  argv: readonly string[],
  isGroup: (names: readonly string[]) => boolean,
): CommandPath {
  const names: string[] = []
  const taken = new Set<number>()
  let i = 0
  while (i < argv.length) {
    const token = argv[i]!
    if (token === '--') break
    if (token.startsWith('-') && token !== '-') {
      i += takesValue(token) ? 2 : 1
      continue
    }
    if (names.length > 0 && !isGroup(names)) break
    names.push(token)
    taken.add(i)
    i++
  }
  return { names, rest: argv.filter((_, j) => !taken.has(j)) }
}

/** `--home DIR` (not `--home=DIR`) consumes the next token. */
function takesValue(token: string): boolean {
  if (token.includes('=')) return false
  const long = token.startsWith('--') ? token.slice(2) : undefined
  const spec = long !== undefined ? GLOBAL_OPTIONS[long] : shortSpec(token.slice(1))
  return spec?.type === 'string'
}

function shortSpec(letter: string) {
  return Object.values(GLOBAL_OPTIONS).find((o) => o.short === letter)
}

/** Parsed flags and positionals for one command. */
export interface ParsedArgs {
  readonly options: OptionValues
  readonly positionals: readonly string[]
}

/**
 * Parse `tokens` strictly against the global flags plus `options`.
 * @throws CliError USAGE for an unknown flag, a missing flag value or a value given to a switch
 */
export function parseCommandArgs(
  tokens: readonly string[],
  options: OptionSpecs,
  /** The command's name (`contact add`), named in the error and its help hint. */
  command?: string,
): ParsedArgs {
  const merged: OptionSpecs = { ...GLOBAL_OPTIONS, ...options }
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> =
    {}
  for (const [name, spec] of Object.entries(merged)) {
    config[name] = {
      type: spec.type,
      ...(spec.short !== undefined && { short: spec.short }),
      ...(spec.multiple !== undefined && { multiple: spec.multiple }),
    }
  }
  // Ids, fingerprints and short ids are base64url and may start with '-': they are never
  // flags, so they pass through parseArgs as placeholders and come back as they were.
  const held: string[] = []
  const args = tokens.map((t) => (DIGEST_LIKE.test(t) ? `${HELD}${held.push(t) - 1}` : t))
  const restore = <T>(v: T): T | string =>
    typeof v === 'string' && v.startsWith(HELD) ? (held[Number(v.slice(HELD.length))] ?? v) : v
  try {
    const { values, positionals } = parseArgs({
      args,
      options: config,
      strict: true,
      allowPositionals: true,
    })
    const options = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? v.map(restore) : restore(v)]),
    )
    return { options: options as OptionValues, positionals: positionals.map(restore) }
  } catch (e) {
    const message = describeParseError(e, Object.keys(merged))
    if (command === undefined) throw usageError(message)
    throw usageError(`${command}: ${message} (see 'sdmp ${command} --help')`)
  }
}

/**
 * A resource id or fingerprint that starts with '-' (base64url of a SHA-512 digest), or a short
 * id: a prefix of one, 6 characters or more (docs/cli.md "Short ids"; `inbox` prints 10, and one
 * message in 64 has an id that starts with '-'). No flag of this CLI is a single dash and 6 or
 * more characters (the only short flag is `-h`). A short id that starts with '--' reads as a
 * long flag: such a message is named by its full id.
 */
const DIGEST_LIKE = /^-(?:[A-Za-z0-9_-]{85}|[A-Za-z0-9_][A-Za-z0-9_-]{4,83})$/
/** Placeholder prefix of a held id (no user types a NUL). */
const HELD = '\u0000id:'

/** Turn parseArgs' long messages into one short lowercase line; `known`: the option names. */
function describeParseError(e: unknown, known: readonly string[]): string {
  const code = (e as { code?: unknown }).code
  const message = e instanceof Error ? e.message : String(e)
  const quoted = /'(-[^']*)'/.exec(message)?.[1] ?? ''
  const flag = /--[\w-]+/.exec(quoted)?.[0] ?? /-\w/.exec(quoted)?.[0] ?? quoted
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return `unknown option '${flag}'${didYouMean(
      flag,
      known.map((k) => `--${k}`),
    )}`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('ambiguous'))
      return `option '${flag}' needs a value (write ${flag}=VALUE for a value starting with '-')`
    if (message.includes('argument missing')) return `option '${flag}' needs a value`
    return `option '${flag}' does not take a value`
  }
  throw e
}

/**
 * Check positionals against a command's argument list.
 * @throws CliError USAGE naming the missing or unexpected argument
 */
export function checkPositionals(
  commandName: string,
  positionals: readonly string[],
  specs: readonly ArgSpec[],
): void {
  specs.forEach((spec, i) => {
    if (spec.required === true && positionals[i] === undefined)
      throw usageError(`${commandName}: missing argument ${spec.name}`)
  })
  const variadic = specs[specs.length - 1]?.variadic === true
  if (!variadic && positionals.length > specs.length)
    throw usageError(`${commandName}: unexpected argument '${positionals[specs.length]!}'`)
}
