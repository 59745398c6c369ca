/**
 * The shape every `sdmp` command module exports, and the context the framework hands to it.
 * One file per verb under commands/; the registry lists them (docs/cli.md, issue 5 contract).
 * @module
 */
import type { Style } from './output.js'

/** One flag a command accepts; parsed by node:util parseArgs in strict mode. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  /** Repeatable flag (`--attach A --attach B`): the value is an array. */
  readonly multiple?: boolean
  /** One line for `--help`. */
  readonly description: string
  /** Placeholder shown in help for string flags, e.g. `DIR` in `--home DIR`. */
  readonly valueName?: string
}

/** The flags of a command, by long name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>

/** One positional argument; the framework checks counts before `run` is called. */
export interface ArgSpec {
  readonly name: string
  readonly required?: boolean
  /** Takes every remaining positional (only on the last argument). */
  readonly variadic?: boolean
}

/** Parsed flag values, as parseArgs returns them. */
export type OptionValues = Readonly<
  Record<string, string | boolean | string[] | boolean[] | undefined>
>

/** What a command's `run` receives. Commands never read process.argv or process.env directly. */
export interface CommandContext {
  /** Positional arguments after the command path, already checked against `args`. */
  readonly args: readonly string[]
  /** Command and global flag values. */
  readonly options: OptionValues
  /** Absolute home directory: `--home`, else SDMP_HOME, else ~/.sdmp. Not created here. */
  readonly home: string
  /** `--json` was given: the result's `value` is printed as one JSON document. */
  readonly json: boolean
  readonly env: Readonly<Record<string, string | undefined>>
  /** Colors for people-facing text; all identity functions when color is off. */
  readonly style: Style
  /**
   * Print one line now, for long-running commands (`start`, `sync --wait`) whose output cannot
   * wait for the result. Everything else returns its output in the result.
   */
  readonly out: (line: string) => void
  /** One line on stderr now: live status and logs, never the result. */
  readonly err: (line: string) => void
  /** stdout is a terminal (live status lines may redraw). */
  readonly isTTY: boolean
}

/** A failure the command itself decided on (for example: some checks failed). */
export interface CommandFailure {
  /** Stable upper-case code, printed in the `{"error":{...}}` document. */
  readonly code: string
  /** One lowercase line, no trailing period. */
  readonly message: string
  readonly exitCode: number
}

/** What `run` returns; the framework prints it, so `--json` handling lives in one place. */
export interface CommandResult {
  /** Printed as one JSON document on stdout with `--json`. */
  readonly value: unknown
  /** Printed on stdout without `--json` (may be empty). */
  readonly text: string
  /** Set when the outcome is a failure: non-zero exit and an error line on stderr. */
  readonly failure?: CommandFailure
}

/**
 * A command (`sdmp <name>`) or a group of subcommands (`sdmp legacy verify`). A group has
 * `subcommands`, and `run` only when it does something without one (`sdmp settings` shows
 * them, as `sdmp settings show` does); a leaf has `run`.
 */
export interface Command {
  readonly name: string
  /** One line for the command list in `sdmp --help`. */
  readonly summary: string
  /** The usage line without the leading `sdmp `, e.g. `legacy verify DIR [--json]`. */
  readonly usage: string
  readonly options: OptionSpecs
  readonly args?: readonly ArgSpec[]
  /** Extra paragraphs for `--help`. */
  readonly details?: string
  readonly subcommands?: readonly Command[]
  run?(ctx: CommandContext): Promise<CommandResult>
}
