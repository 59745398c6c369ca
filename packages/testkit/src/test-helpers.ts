/** Test helpers: temp dirs cleaned after the test, condition waits, seeds. @module */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh temporary directory, removed when `after` runs (pass the test context's `after`). */
export function tmpDir(after: (fn: () => void) => void, prefix = 'sdmp-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * Wait until `check` returns a truthy value (or resolves to one); poll every `interval` ms.
 * Tests wait on conditions, never on fixed sleeps.
 * @throws Error naming `what` when `timeout` ms pass first
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  {
    timeout = 10_000,
    interval = 10,
    what = 'condition',
  }: { timeout?: number; interval?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, interval))
  }
}

/** The fast-check seed: `SEED` from the environment, else a fresh one. Print it on failure. */
export function seedFromEnv(): number {
  const fromEnv = process.env['SEED']
  return fromEnv ? Number(fromEnv) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0
}
