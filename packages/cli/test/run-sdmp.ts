/** Test helper: run the real compiled `sdmp` executable as a child process. @module */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** packages/cli/dist/src/bin.js, resolved from this compiled file (dist/test/run-sdmp.js). */
export const BIN = fileURLToPath(new URL('../src/bin.js', import.meta.url))

/** What one run of the executable produced. */
export interface SdmpRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Run `sdmp ...args` with a clean environment (no color, no inherited SDMP_*); `input`, when
 * given, is written to its standard input.
 */
export function runSdmp(
  args: readonly string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<SdmpRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    if (input !== undefined) child.stdin!.end(input)
    let stdout = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The non-empty lines of a stream's output. */
export const linesOf = (text: string): string[] => text.split('\n').filter((l) => l !== '')
