/**
 * Test helper, loaded into a child `sdmp` with `--import` (lazy-pg.test.ts): a module resolve
 * hook that refuses the PostgreSQL driver. Every attempt to import `pg` is appended to the file
 * named by PG_GUARD_LOG (one line: who imported it), then fails, so a command that loads the
 * driver eagerly is caught even when it would not use it.
 * @module
 */
import { appendFileSync } from 'node:fs'
import { register } from 'node:module'
import { isMainThread } from 'node:worker_threads'

// `--import` runs this file on the main thread, which installs it as a hooks module; the
// hooks thread loads it again and only uses the hook below.
if (isMainThread) register(import.meta.url)

/** The `resolve` hook of node:module (the hook API of Node 20.6+). */
export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  next: (specifier: string, context: unknown) => Promise<unknown>,
): Promise<unknown> {
  if (specifier === 'pg' || specifier.startsWith('pg/')) {
    const log = process.env['PG_GUARD_LOG']
    if (log !== undefined) appendFileSync(log, `${context.parentURL ?? '(entry)'}\n`)
    throw new Error(`pg-guard: ${specifier} imported by ${context.parentURL ?? '(entry)'}`)
  }
  return next(specifier, context)
}
