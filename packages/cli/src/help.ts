/**
 * `--help` text for sdmp, for a command group and for a command, plus its JSON form.
 * @module
 */
import type { Command, OptionSpecs } from './command.js'
import { GLOBAL_OPTIONS } from './global-options.js'
import { formatColumns } from './output.js'

/** Help for the whole program: usage and the command list. */
export function programHelp(commands: readonly Command[]): string {
  return [
    'Usage: sdmp <command> [options]',
    '',
    'sdmp: Secure Distributed Messaging Protocol node and command line.',
    '',
    'Commands:',
    ...indent(formatColumns(commands.map((c) => [c.name, c.summary]))),
    '',
    'Global options:',
    ...indent(optionRows(GLOBAL_OPTIONS)),
    '',
    "Run 'sdmp <command> --help' for a command's options.",
  ].join('\n')
}

/** Help for one command or group; `path` is the full command path, e.g. ['legacy', 'verify']. */
export function commandHelp(command: Command, path: readonly string[]): string {
  const lines = [`Usage: sdmp ${command.usage}`, '', command.summary]
  if (command.details !== undefined) lines.push('', command.details)
  if (command.subcommands !== undefined) {
    lines.push('', 'Commands:')
    lines.push(...indent(formatColumns(command.subcommands.map((c) => [c.name, c.summary]))))
  }
  if (Object.keys(command.options).length > 0) {
    lines.push('', 'Options:', ...indent(optionRows(command.options)))
  }
  lines.push('', 'Global options:', ...indent(optionRows(GLOBAL_OPTIONS)))
  if (command.subcommands !== undefined)
    lines.push('', `Run 'sdmp ${path.join(' ')} <command> --help' for a command's options.`)
  return lines.join('\n')
}

/** The `--help --json` document: machine-readable usage of one command or the program. */
export function helpValue(command: Command | undefined, commands: readonly Command[]): unknown {
  if (command === undefined)
    return { usage: 'sdmp <command> [options]', commands: commands.map(summaryOf) }
  return {
    usage: `sdmp ${command.usage}`,
    summary: command.summary,
    options: Object.entries({ ...command.options, ...GLOBAL_OPTIONS }).map(([name, o]) => ({
      name: `--${name}`,
      type: o.type,
      description: o.description,
    })),
    ...(command.subcommands !== undefined && { commands: command.subcommands.map(summaryOf) }),
  }
}

const summaryOf = (c: Command) => ({ name: c.name, summary: c.summary })

function optionRows(options: OptionSpecs): string[] {
  return formatColumns(
    Object.entries(options).map(([name, o]) => {
      const flag = `${o.short !== undefined ? `-${o.short}, ` : '    '}--${name}`
      const value = o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''
      return [flag + value, o.description + (o.multiple === true ? ' (repeatable)' : '')]
    }),
  )
}

const indent = (lines: readonly string[]) => lines.map((l) => `  ${l}`)
