/**
 * The CLI framework: help on every command, version, usage errors (exit 2, one stderr line or the
 * error JSON), the exit-code table, internal errors, home resolution and color rules.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { Command } from '../src/command.js'
import { EXIT, PROTOCOL_EXIT_CODES } from '../src/exit-codes.js'
import { resolveHome } from '../src/home.js'
import { runCli } from '../src/main.js'
import { createStyle, formatColumns, shouldColor } from '../src/output.js'
import { COMMANDS } from '../src/registry.js'
import { linesOf, runSdmp } from './run-sdmp.js'

/** Every command path in the registry: ['legacy'], ['legacy', 'verify'], ... */
function commandPaths(list: readonly Command[], prefix: string[] = []): string[][] {
  return list.flatMap((c) => [
    [...prefix, c.name],
    ...commandPaths(c.subcommands ?? [], [...prefix, c.name]),
  ])
}

/** An in-memory run of runCli with a test command table. */
async function runInProcess(
  argv: string[],
  {
    commands,
    env = {},
    isTTY = false,
  }: { commands?: Command[]; env?: Record<string, string>; isTTY?: boolean } = {},
) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s), isTTY },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    ...(commands !== undefined && { commands }),
  })
  return { code, stdout, stderr }
}

const throwing = (error: unknown): Command => ({
  name: 'boom',
  summary: 'throws',
  usage: 'boom',
  options: {},
  run: () => Promise.reject(error),
})

describe('sdmp --help', () => {
  it('lists every command', async () => {
    const run = await runSdmp(['--help'])
    assert.equal(run.code, 0)
    assert.match(run.stdout, /^Usage: sdmp <command>/)
    for (const c of COMMANDS)
      assert.match(run.stdout, new RegExp(`^  ${c.name} +${c.summary}$`, 'm'))
    assert.equal(run.stderr, '')
  })

  for (const path of commandPaths(COMMANDS)) {
    it(`exits 0 with usage for 'sdmp ${path.join(' ')} --help' and -h`, async () => {
      for (const flag of ['--help', '-h']) {
        const run = await runSdmp([...path, flag])
        assert.equal(run.code, 0, run.stderr)
        assert.match(run.stdout, new RegExp(`^Usage: sdmp ${path.join(' ')}`))
        assert.match(run.stdout, /--home DIR/)
        assert.equal(run.stderr, '')
      }
      const json = await runSdmp([...path, '--help', '--json'])
      assert.equal(json.code, 0)
      assert.match(
        (JSON.parse(json.stdout) as { usage: string }).usage,
        new RegExp(`^sdmp ${path.join(' ')}`),
      )
    })
  }
})

describe('sdmp --version', () => {
  it('prints the package version, also as JSON', async () => {
    const manifest = JSON.parse(readFileSync('packages/cli/package.json', 'utf8')) as {
      version: string
    }
    const run = await runSdmp(['--version'])
    assert.equal(run.code, 0)
    assert.equal(run.stdout, `${manifest.version}\n`)
    const json = await runSdmp(['--version', '--json'])
    assert.deepEqual(JSON.parse(json.stdout), { version: manifest.version })
  })
})

describe('usage errors', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'an unknown flag',
      ['legacy', 'verify', 'DIR', '--bogus'],
      /^legacy verify: unknown option '--bogus' \(see 'sdmp legacy verify --help'\)$/,
    ],
    [
      'an unknown short flag',
      ['legacy', 'verify', 'DIR', '-x'],
      /^legacy verify: unknown option '-x' \(see 'sdmp legacy verify --help'\)$/,
    ],
    [
      'a mistyped flag',
      ['send', 'bob', 'hi', '--subjet', 'x'],
      /^send: unknown option '--subjet'; did you mean '--subject'\? \(see 'sdmp send --help'\)$/,
    ],
    [
      'a value on a switch',
      ['legacy', 'verify', 'DIR', '--json=yes'],
      /^legacy verify: option '--json' does not take a value \(see 'sdmp legacy verify --help'\)$/,
    ],
    [
      'a missing flag value',
      ['legacy', 'verify', 'DIR', '--home'],
      /^legacy verify: option '--home' needs a value \(see 'sdmp legacy verify --help'\)$/,
    ],
    ['a missing argument', ['legacy', 'verify'], /^legacy verify: missing argument DIR$/],
    [
      'an extra argument',
      ['legacy', 'verify', 'A', 'B'],
      /^legacy verify: unexpected argument 'B'$/,
    ],
    ['an unknown command', ['frobnicate'], /^unknown command 'frobnicate' \(see 'sdmp --help'\)$/],
    [
      'a mistyped command',
      ['sned', 'bob', 'hi'],
      /^unknown command 'sned'; did you mean 'send'\? \(see 'sdmp --help'\)$/,
    ],
    [
      'a mistyped subcommand',
      ['contact', 'ad', 'x'],
      /^contact: unknown command 'ad'; did you mean 'add'\? \(see 'sdmp contact --help'\)$/,
    ],
    [
      'an unknown subcommand',
      ['legacy', 'frob'],
      /^legacy: unknown command 'frob' \(see 'sdmp legacy --help'\)$/,
    ],
    ['a missing subcommand', ['legacy'], /^legacy: missing command \(one of: verify\)$/],
    ['no command at all', [], /^missing command \(see 'sdmp --help'\)$/],
  ]
  for (const [what, argv, message] of cases) {
    it(`exits 2 with one stderr line for ${what}`, async () => {
      const run = await runSdmp(argv)
      assert.equal(run.code, EXIT.USAGE)
      assert.equal(run.stdout, '')
      const lines = linesOf(run.stderr)
      assert.equal(lines.length, 1, run.stderr)
      assert.match(lines[0]!.replace(/^sdmp: /, ''), message)
      assert.match(lines[0]!, /^sdmp: /)
    })

    it(`exits 2 with the error JSON on stderr for ${what} with --json`, async () => {
      // `--json` first: it is a global flag, accepted before the command.
      const run = await runSdmp(['--json', ...argv])
      assert.equal(run.code, EXIT.USAGE)
      assert.equal(run.stdout, '')
      assert.equal(linesOf(run.stderr).length, 1)
      const doc = JSON.parse(run.stderr) as { error: { code: string; message: string } }
      assert.deepEqual(Object.keys(doc.error), ['code', 'message'])
      assert.equal(doc.error.code, 'USAGE')
      assert.match(doc.error.message, message)
    })
  }

  it('accepts global flags before the command, including --home with a value', async () => {
    const run = await runSdmp([
      '--home',
      '/tmp/x',
      '--json',
      'legacy',
      'verify',
      '../shared/vectors/sdmp-0.12',
    ])
    assert.equal(run.code, 0, run.stderr)
    assert.equal((JSON.parse(run.stdout) as { failed: number }).failed, 2)
  })
})

describe('error mapping', () => {
  it('maps every ProtocolError code to a distinct-from-usage, non-zero exit code', () => {
    for (const code of Object.values(ErrorCode)) {
      const exit = PROTOCOL_EXIT_CODES[code]
      assert.ok(Number.isInteger(exit) && exit > 2 && exit < 256, `${code} -> ${exit}`)
    }
  })

  it('prints a ProtocolError as one line and exits with its table code', async () => {
    const commands = [throwing(new ProtocolError(ErrorCode.NOT_FOUND, 'message: no such id'))]
    const text = await runInProcess(['boom'], { commands })
    assert.equal(text.code, PROTOCOL_EXIT_CODES.NOT_FOUND)
    assert.equal(text.stderr, 'sdmp: message: no such id\n')
    const json = await runInProcess(['boom', '--json'], { commands })
    assert.deepEqual(JSON.parse(json.stderr), {
      error: { code: 'NOT_FOUND', message: 'message: no such id' },
    })
    assert.equal(json.stdout, '')
  })

  it('prints a bug as a short internal-error line, with the stack only when SDMP_DEBUG=1', async () => {
    const commands = [throwing(new TypeError('x is not a function'))]
    const quiet = await runInProcess(['boom'], { commands })
    assert.equal(quiet.code, EXIT.INTERNAL)
    assert.equal(linesOf(quiet.stderr).length, 1)
    assert.match(quiet.stderr, /^sdmp: internal error: x is not a function/)
    assert.doesNotMatch(quiet.stderr, /\n\s+at /)
    const debug = await runInProcess(['boom'], { commands, env: { SDMP_DEBUG: '1' } })
    assert.equal(debug.code, EXIT.INTERNAL)
    assert.match(debug.stderr, /TypeError: x is not a function\n\s+at /)
  })
})

describe('resolveHome', () => {
  it('prefers --home, then SDMP_HOME, then ~/.sdmp', () => {
    assert.equal(resolveHome('rel/dir', { SDMP_HOME: '/env' }), resolve('rel/dir'))
    assert.equal(resolveHome(undefined, { SDMP_HOME: '/env/home' }), '/env/home')
    assert.equal(resolveHome(undefined, { SDMP_HOME: '' }), join(homedir(), '.sdmp'))
    assert.equal(resolveHome(undefined, {}), join(homedir(), '.sdmp'))
  })

  it('rejects an empty --home as a usage error', () => {
    assert.throws(() => resolveHome('', {}), { name: 'CliError', code: 'USAGE' })
  })
})

describe('color', () => {
  it('colors only on a terminal and never when NO_COLOR is set', () => {
    assert.equal(shouldColor(true, {}), true)
    assert.equal(shouldColor(true, { NO_COLOR: '1' }), false)
    assert.equal(shouldColor(true, { NO_COLOR: '' }), true, 'no-color.org: empty means unset')
    assert.equal(shouldColor(false, {}), false)
    assert.equal(shouldColor(undefined, {}), false)
  })

  it('emits ANSI codes on a TTY, none with NO_COLOR or --json', async () => {
    const argv = ['legacy', 'verify', '../shared/vectors/sdmp-0.12']
    assert.match((await runInProcess(argv, { isTTY: true })).stdout, /\u001b\[32m✓/)
    assert.doesNotMatch(
      (await runInProcess(argv, { isTTY: true, env: { NO_COLOR: '1' } })).stdout,
      /\u001b\[/,
    )
    assert.doesNotMatch(
      (await runInProcess([...argv, '--json'], { isTTY: true })).stdout,
      /\u001b\[/,
    )
  })

  it('aligns columns on visible width, whatever the colors', () => {
    const style = createStyle(true)
    const lines = formatColumns([
      [{ text: 'a', paint: style.ok }, 'x'],
      [{ text: 'long', paint: style.bad }, 'y'],
    ])
    const strip = (s: string) => s.replace(/\u001b\[\d+m/g, '')
    assert.deepEqual(lines.map(strip), ['a     x', 'long  y'])
  })
})
