/**
 * The CLI driver: find the command, parse flags strictly, run it, print its result (text or one
 * JSON document) and map every failure to one stderr line (or `{"error":{...}}`) and an exit code.
 * Nothing here touches process globals; bin.ts passes them in, so tests can drive it too.
 * @module
 */
import { didYouMean } from '@sdmp/client/suggest'
import type { Command, CommandResult } from './command.js'
import { checkPositionals, parseCommandArgs, splitCommandPath } from './args.js'
import { CliError, isProtocolErrorLike, usageError } from './cli-error.js'
import { EXIT, exitCodeFor } from './exit-codes.js'
import { commandHelp, helpValue, programHelp } from './help.js'
import { resolveHome } from './home.js'
import { createStyle, shouldColor } from './output.js'
import { COMMANDS, findCommand } from './registry.js'
import { cliVersion } from './version.js'

/** A writable text stream; `isTTY` decides whether to color. */
export interface TextSink {
  write(text: string): unknown
  readonly isTTY?: boolean
}

/** The process surface the CLI uses. */
export interface CliIo {
  readonly stdout: TextSink
  readonly stderr: TextSink
  readonly env: Readonly<Record<string, string | undefined>>
  /** The command table; tests pass their own, the executable uses the registry. */
  readonly commands?: readonly Command[]
}

/**
 * Run `sdmp` with `argv` (without node and script) and return the exit code. Never throws.
 * @example process.exitCode = await runCli(process.argv.slice(2), process)
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // Decided before parsing, so even a usage error is reported in the requested format.
  const end = argv.indexOf('--')
  const json = (end < 0 ? argv : argv.slice(0, end)).includes('--json')
  try {
    return await dispatch(argv, io, json)
  } catch (e) {
    return report(e, io, json)
  }
}

async function dispatch(argv: readonly string[], io: CliIo, json: boolean): Promise<number> {
  const commands = io.commands ?? COMMANDS
  const path = splitCommandPath(
    argv,
    (names) => resolvePath(commands, names).command?.subcommands !== undefined,
  )
  let { command, known } = resolvePath(commands, path.names)
  let rest = path.rest
  // A command that runs and also has subcommands (`post TEXT`, `post edit ID TEXT`): a word
  // that names none of them is its first argument (`sdmp post -- edit` posts "edit").
  const parent = known.length > 0 ? resolvePath(commands, known).command : undefined
  if (
    command === undefined &&
    parent?.run !== undefined &&
    known.length === path.names.length - 1
  ) {
    command = parent
    rest = [path.names[known.length]!, ...path.rest]
  }
  if (command === undefined) {
    if (path.names.length > 0) {
      const where = known.length > 0 ? `${known.join(' ')}: ` : ''
      const see = ['sdmp', ...known, '--help'].join(' ')
      const level =
        known.length === 0 ? commands : resolvePath(commands, known).command?.subcommands
      const bad = path.names[known.length]!
      const hint = didYouMean(
        bad,
        (level ?? []).map((c) => c.name),
      )
      throw usageError(`${where}unknown command '${bad}'${hint} (see '${see}')`)
    }
    const { options } = parseCommandArgs(path.rest, {})
    if (options['version'] === true) return print(io, json, { version: cliVersion() }, cliVersion())
    if (options['help'] !== true) throw usageError("missing command (see 'sdmp --help')")
    return print(io, json, helpValue(undefined, commands), programHelp(commands))
  }
  const name = known.join(' ')
  const parsed = parseCommandArgs(rest, command.options, name)
  if (parsed.options['help'] === true)
    return print(io, json, helpValue(command, commands), commandHelp(command, known))
  if (parsed.options['version'] === true)
    return print(io, json, { version: cliVersion() }, cliVersion())
  if (command.run === undefined) {
    const names = (command.subcommands ?? []).map((c) => c.name).join(', ')
    throw usageError(`${name}: missing command (one of: ${names})`)
  }
  checkPositionals(name, parsed.positionals, command.args ?? [])
  const home = resolveHome(parsed.options['home'] as string | undefined, io.env)
  const result = await command.run({
    args: parsed.positionals,
    options: parsed.options,
    home,
    json,
    env: io.env,
    style: createStyle(!json && shouldColor(io.stdout.isTTY, io.env)),
    out: (line) => io.stdout.write(`${line}\n`),
    err: (line) => io.stderr.write(`${line}\n`),
    isTTY: io.stdout.isTTY === true,
  })
  return finish(result, io, json)
}

/** Walk the registry along `names`; `known` is the prefix that named real commands. */
function resolvePath(
  commands: readonly Command[],
  names: readonly string[],
): { command?: Command; known: string[] } {
  let list: readonly Command[] | undefined = commands
  let command: Command | undefined
  const known: string[] = []
  for (const n of names) {
    const next: Command | undefined = list === undefined ? undefined : findCommand(list, n)
    if (next === undefined) return { known }
    command = next
    known.push(n)
    list = next.subcommands
  }
  return command === undefined ? { known } : { command, known }
}

function print(io: CliIo, json: boolean, value: unknown, text: string): number {
  io.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`)
  return EXIT.OK
}

function finish(result: CommandResult, io: CliIo, json: boolean): number {
  if (json) io.stdout.write(`${JSON.stringify(result.value)}\n`)
  else if (result.text !== '') io.stdout.write(`${result.text}\n`)
  if (result.failure === undefined) return EXIT.OK
  writeError(io, json, result.failure.code, result.failure.message)
  return result.failure.exitCode
}

/** Map any thrown value to its stderr report and exit code. */
function report(e: unknown, io: CliIo, json: boolean): number {
  if (e instanceof CliError) {
    writeError(io, json, e.code, e.message)
    return e.exitCode
  }
  if (isProtocolErrorLike(e)) {
    writeError(io, json, e.code, e.message)
    return exitCodeFor(e.code)
  }
  // A bug: a short line for people, the stack only on request (never for user errors).
  const message = e instanceof Error ? e.message : String(e)
  writeError(io, json, 'INTERNAL', `internal error: ${message} (set SDMP_DEBUG=1 for details)`)
  if (io.env['SDMP_DEBUG'] === '1' && e instanceof Error && e.stack !== undefined)
    io.stderr.write(`${e.stack}\n`)
  return EXIT.INTERNAL
}

function writeError(io: CliIo, json: boolean, code: string, message: string): void {
  io.stderr.write(json ? `${JSON.stringify({ error: { code, message } })}\n` : `sdmp: ${message}\n`)
}
