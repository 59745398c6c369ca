/**
 * The CLI argument target (docs/fuzz.md §3, docs/cli.md): random argv built from every command
 * path, flag and value of the real registry goes through the framework's own parse (runCli).
 * Each command's `run` is replaced by a stub, so parsing is all that runs and nothing touches
 * a home directory. A bad argv must end as a CLI error (usage) or a coded error; an INTERNAL
 * exit means something else escaped the parser.
 * @module
 */
import fc from 'fast-check'
import { COMMANDS, EXIT, runCli } from '@sdmp/cli'
import type { Command } from '@sdmp/cli'
import { codeUnits } from '../mutate.js'
import { FuzzFinding, defineTarget } from '../target.js'
import type { FuzzTarget } from '../target.js'

/** The registry with every `run` stubbed: success with no output. */
function stubbed(list: readonly Command[]): Command[] {
  return list.map((c) => ({
    ...c,
    ...(c.run ? { run: async () => ({ value: null, text: '' }) } : {}),
    ...(c.subcommands ? { subcommands: stubbed(c.subcommands) } : {}),
  }))
}

/** Every command name and every flag spelling (long, `=value`, short) of the registry. */
function vocabulary(list: readonly Command[]): { names: string[]; flags: string[] } {
  const names = new Set<string>()
  const flags = new Set<string>(['--home', '--json', '--help', '-h', '--version'])
  const walk = (cs: readonly Command[]) => {
    for (const c of cs) {
      names.add(c.name)
      for (const [long, spec] of Object.entries(c.options)) {
        flags.add(`--${long}`)
        flags.add(`--${long}=`)
        flags.add(`--no-${long}`)
        if (spec.short !== undefined) flags.add(`-${spec.short}`)
      }
      if (c.subcommands) walk(c.subcommands)
    }
  }
  walk(list)
  return { names: [...names], flags: [...flags] }
}

/** Values a flag or argument might get: empty, dashes, odd unicode, long, path-like, numbers. */
const VALUES = [
  '',
  '-',
  '--',
  '---',
  '-x',
  '=',
  '--=',
  '.',
  '..',
  '/',
  '\u0000',
  '\ud800',
  '😀',
  'x'.repeat(5000),
  '1e999',
  '-1',
  'NaN',
  '__proto__',
  'constructor',
  'sdmp-invite:1:',
  'sdmp-join:1:e30',
]

const cliTarget = defineTarget('cli.args', 'runCli parse of random argv over every command', () => {
  const commands = stubbed(COMMANDS)
  const { names, flags } = vocabulary(COMMANDS)
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names) },
    { weight: 4, arbitrary: fc.constantFrom(...flags) },
    { weight: 2, arbitrary: fc.constantFrom(...VALUES) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...flags), fc.constantFrom(...VALUES))
        .map(([f, v]) => `${f}${f.endsWith('=') ? '' : '='}${v}`),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: codeUnits(12) },
  )
  const env = { SDMP_HOME: '/nonexistent/sdmp-fuzz-home', HOME: '/nonexistent' }
  return {
    arbitrary: fc.array(token, { maxLength: 8 }),
    async run(argv: string[]) {
      let err = ''
      const sink = { write: (t: string) => void (err += t), isTTY: false }
      let code: number
      try {
        code = await runCli(argv, {
          stdout: { write: () => true, isTTY: false },
          stderr: sink,
          env,
          commands,
        })
      } catch (e) {
        throw new FuzzFinding(`runCli threw (it returns an exit code): ${String(e)}`)
      }
      if (code === EXIT.INTERNAL || err.includes('INTERNAL') || err.includes('internal error'))
        throw new FuzzFinding(
          `argv parse escaped as an internal error: ${err.trim().slice(0, 200)}`,
        )
    },
  }
})

/** The CLI targets. */
export const CLI_TARGETS: readonly FuzzTarget[] = [cliTarget]
