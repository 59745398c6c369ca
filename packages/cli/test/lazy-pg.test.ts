/**
 * The CLI loads the PostgreSQL driver (`pg`) only for homes whose store is PostgreSQL
 * (account-session.ts): `sdmp` runs in a child process under pg-guard.ts, a resolve hook that
 * logs and refuses every import of `pg`. Commands on a SQLite home (init, whoami, and status,
 * inbox and contacts in direct mode) must neither touch the driver nor fail; `init --store` on
 * PostgreSQL must reach it, which also proves the guard sees what the CLI imports.
 * @module
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { tmpDir } from '@sdmp/testkit'
import { runSdmp } from './run-sdmp.js'

/** The guard, as `--import` wants it (compiled next to this file). */
const GUARD = new URL('./pg-guard.js', import.meta.url).href

/** `sdmp ARGS --home HOME --json` under the guard, logging `pg` imports to `log`. */
function guarded(home: string, log: string, args: string[]) {
  return runSdmp([...args, '--home', home, '--json'], {
    NODE_OPTIONS: `--import=${GUARD}`,
    PG_GUARD_LOG: log,
  })
}

describe('lazy pg', () => {
  it('commands on a SQLite home never import pg', async (t) => {
    const dir = tmpDir((fn) => t.after(fn))
    const home = join(dir, 'home')
    const log = join(dir, 'pg.log')
    for (const args of [
      ['init', '--name', 'alice'],
      ['whoami'],
      ['status'],
      ['inbox', '--all'],
      ['contact', 'list'],
    ]) {
      const run = await guarded(home, log, args)
      assert.equal(run.code, 0, `sdmp ${args.join(' ')}: ${run.stderr}`)
      assert.equal(existsSync(log), false, `sdmp ${args.join(' ')} imported pg`)
    }
    // The direct-mode commands did open the store: init's journal is there.
    const status = JSON.parse((await guarded(home, log, ['status'])).stdout) as {
      counts: { journal: number }
    }
    assert.ok(status.counts.journal > 0)
  })

  it('a PostgreSQL home imports pg when its store is opened (the guard sees it)', async (t) => {
    const dir = tmpDir((fn) => t.after(fn))
    const log = join(dir, 'pg.log')
    // Nothing listens there: the driver is imported before any connection is tried.
    const run = await guarded(join(dir, 'home'), log, [
      'init',
      '--store',
      'postgres://postgres@127.0.0.1:1/none',
      '--schema',
      'lazy_pg_guard',
    ])
    assert.notEqual(run.code, 0)
    assert.match(run.stderr, /pg-guard/)
    assert.match(readFileSync(log, 'utf8'), /store-postgres/)
  })
})
