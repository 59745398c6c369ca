/**
 * The README's commands, end to end (issue 15 item 1): `npm start` with the arguments the README
 * gives, on a fresh home, creates it (`sdmp init`) and runs the node on its embedded default
 * (SQLite, no other server); then every command of the README's "with the node running" block
 * runs as written through `npx sdmp` from the repository root, INVITE being a real contact's
 * invite, and the message it sends reaches that contact. Editing the README's commands into
 * ones that do not work fails here.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, realpathSync } from 'node:fs'
import { promisify } from 'node:util'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { registerSecret, tmpDir, waitFor } from '@sdmp/testkit'
import { newHome, startDaemon, stopAllDaemons } from './daemon-proc.js'

/** The repository root, from packages/cli/dist/test. */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

describe('npm start and the README quick start', () => {
  after(stopAllDaemons)
  it(
    "runs README.md's commands as written: npm start, then every command of its sh block",
    { timeout: 240_000 },
    async () => {
      const readme = quickStart(readFileSync(join(ROOT, 'README.md'), 'utf8'))
      const home = join(tmpDir(after, 'sdmp-npm-start-'), 'home')
      const env = { ...withoutSdmp(process.env), SDMP_HOME: home, npm_config_offline: 'true' }
      const child = spawn('npm', ['start', '--', ...readme.startArgs], {
        cwd: ROOT,
        env,
        detached: true,
      })
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
      let out = ''
      let err = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
      try {
        // The lines the README promises (stdout holds the token: never print it).
        const printed = await waitFor(
          () => {
            if (child.exitCode !== null) throw new Error(`npm start exited: ${err}`)
            const peer = /^peer listening on (127\.0\.0\.1:\d+)$/m.exec(out)?.[1]
            const api = /^api listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1]
            const web = /^web: (http:\/\/\S+)\/#token=(\S+)$/m.exec(out)
            return peer && api && web ? { peer, api, web: web[1]!, linkToken: web[2]! } : undefined
          },
          { timeout: 200_000, what: 'npm start to print its addresses and the web link' },
        )
        const token = readFileSync(join(home, 'api-token'), 'utf8').trim()
        registerSecret(token, `api-token of ${home}`)
        assert.ok(printed.web === printed.api, 'the web link is the api address')
        assert.ok(printed.linkToken === token, "the web link holds the home's token")
        const doc = await fetch(`${printed.api}/openapi.json`)
        assert.equal(doc.status, 200)
        assert.equal(((await doc.json()) as { openapi: string }).openapi.slice(0, 2), '3.')
        const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {
          user: string
        }
        const who = await fetch(`${printed.api}/v1/whoami`, {
          headers: { authorization: `Bearer ${token}` },
        })
        assert.equal(who.status, 200)
        assert.equal(((await who.json()) as { user: string }).user, config.user)
        const denied = await fetch(`${printed.api}/v1/whoami`)
        assert.equal(denied.status, 401)

        // The contact the README's INVITE stands for: a running node of its own, so the
        // message the README sends must arrive there.
        const bob = await startDaemon(await newHome(after, 'bob'))
        const bobInvite = (await bob.client.invite()).invite
        const run = promisify(execFile)
        const outputs: string[] = []
        for (const words of readme.commands) {
          const args = words.map((w) => (w === 'INVITE' ? bobInvite : w))
          const r = await run(args[0]!, args.slice(1), { cwd: ROOT, env, maxBuffer: 1 << 24 })
          outputs.push(r.stdout)
        }
        // `npx sdmp invite` printed the invite: bob adds it, then 'hello' reaches bob.
        const inviteAt = readme.commands.findIndex((c) => c.join(' ') === 'npx sdmp invite')
        assert.ok(inviteAt >= 0, 'the README shows npx sdmp invite')
        const aliceInvite = outputs[inviteAt]!.trim()
        await bob.client.addContact({ invite: aliceInvite, name: 'alice' })
        const sent = readme.commands.find((c) => c[2] === 'send')
        assert.ok(sent !== undefined, 'the README sends a message')
        const got = await waitFor(
          async () => (await bob.client.inbox({})).messages.find((m) => m.body === sent[4]),
          { timeout: 60_000, what: "the README's message at its recipient" },
        )
        assert.equal(got.from, config.user)
      } finally {
        try {
          process.kill(-child.pid!, 'SIGTERM')
        } catch {
          // the group is gone already (npm start exited): the assertion above names the cause
        }
        await exited
      }
    },
  )
})

describe('npx sdmp (the README commands)', () => {
  it(
    'runs the workspace command, never a package from the registry',
    { timeout: 120_000 },
    async () => {
      // npm links the bin at install time only when its file exists: it is a committed file.
      const bin = realpathSync(join(ROOT, 'node_modules', '.bin', 'sdmp'))
      assert.equal(bin, realpathSync(join(ROOT, 'packages', 'cli', 'bin', 'sdmp.js')))
      // Offline: if the workspace bin were not linked, npx would look for a public package named
      // `sdmp` (the supply-chain trap of issue 15) and fail here instead of fetching it.
      const env = { ...withoutSdmp(process.env), npm_config_offline: 'true' }
      const run = promisify(execFile)
      const help = await run('npx', ['sdmp', '--help'], { cwd: ROOT, env })
      assert.match(help.stdout, /Usage: sdmp/)
      const home = join(tmpDir(after, 'sdmp-npx-'), 'home')
      const init = await run('npx', ['sdmp', '--home', home, 'init', '--json'], { cwd: ROOT, env })
      const made = JSON.parse(init.stdout) as { user: string }
      const who = await run('npx', ['sdmp', '--home', home, 'whoami', '--json'], { cwd: ROOT, env })
      assert.equal((JSON.parse(who.stdout) as { user: string }).user, made.user)
    },
  )
})

/**
 * The README's quick start, as it is written: the arguments its text gives `npm start` (the
 * `npm start -- ...` example with loopback port 0), after checking that its first sh block is
 * `npm start` and `npm test`, and the commands of the sh block after "With the node running",
 * split as a shell would (quotes, trailing comments).
 */
function quickStart(readme: string): { startArgs: string[]; commands: string[][] } {
  const section = readme.slice(readme.indexOf('## Quick start'))
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  const setup = blocks[0]!.split('\n').map((l) => shellWords(l).join(' '))
  assert.deepEqual(setup.filter(Boolean), ['npm start', 'npm test'], 'two set-up commands')
  const example = /`npm start -- ([^`]+)`/.exec(section)
  assert.ok(example !== null, 'the README shows npm start -- with loopback ports')
  const startArgs = shellWords(example[1]!)
  assert.deepEqual(startArgs, ['--peer', '127.0.0.1:0', '--api', '127.0.0.1:0'])
  const running = section.indexOf('With the node running')
  assert.ok(running >= 0, 'the README says what to run with the node running')
  const block = /```sh\n([\s\S]*?)```/.exec(section.slice(running))![1]!
  const commands = block
    .split('\n')
    .map(shellWords)
    .filter((w) => w.length > 0)
  assert.ok(commands.length >= 4, 'the README lists the everyday commands')
  for (const c of commands) assert.deepEqual(c.slice(0, 2), ['npx', 'sdmp'])
  return { startArgs, commands }
}

/** Split one shell line into words: single and double quotes, `#` comments, no expansion. */
function shellWords(line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (ch === "'" || ch === '"') {
      const close = line.indexOf(ch, i + 1)
      assert.ok(close > i, `unclosed quote in ${line}`)
      word = (word ?? '') + line.slice(i + 1, close)
      i = close
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (ch === '#' && word === undefined) break
    else word = (word ?? '') + ch
  }
  if (word !== undefined) words.push(word)
  return words
}

/** The environment without inherited SDMP_* variables (a passphrase, another home). */
function withoutSdmp(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('SDMP_')))
}
