/**
 * A bench stopped by a signal takes the processes it started with it (bench/children.ts): the
 * daemons and Prosody of a bench module used to outlive `pkill -f bench/run.mjs`.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'

const children = new URL('../bench/children.js', import.meta.url).href

/** Whether `pid` is a running process (a zombie waiting to be reaped counts as gone). */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z'
  } catch {
    return false
  }
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
  test(`a bench stopped by ${signal} kills what it tracked and exits as the signal would`, async (t) => {
    const dir = tmpDir(t.after.bind(t), 'sdmp-bench-children-')
    const script = join(dir, 'bench.mjs')
    writeFileSync(
      script,
      `import { spawn } from 'node:child_process'
import { track } from ${JSON.stringify(children)}
const kept = track(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' }))
const done = track(spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }))
done.on('exit', () => process.stdout.write(kept.pid + '\\n'))
setInterval(() => {}, 1e9)
`,
    )
    const bench = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    bench.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    const exited = new Promise<number | null>((r) => bench.on('exit', (code) => r(code)))
    t.after(() => void bench.kill('SIGKILL'))
    await waitFor(() => out.endsWith('\n'), { timeout: 20_000, what: 'the tracked child pid' })
    const pid = Number(out.trim())
    assert.ok(running(pid), 'the tracked child runs before the signal')
    bench.kill(signal)
    assert.equal(await exited, 128 + { SIGTERM: 15, SIGINT: 2, SIGHUP: 1 }[signal])
    await waitFor(() => !running(pid), { timeout: 10_000, what: `child ${pid} to be gone` })
  })
