/**
 * `<home>/daemon.json`: how commands find a daemon running on their home (docs/cli.md §1).
 * Written by `sdmp start` once its listeners are bound (mode 0600, atomically), removed when it
 * stops. A stale file (the process is gone) or a malformed one is ignored: the store lock, not
 * this file, is what keeps two writers apart.
 * @module
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isJsonObject, parseStrict } from '@sdmp/core'

/** The file name inside the home. */
export const DAEMON_FILE = 'daemon.json'

/** What a running daemon announces. */
export interface DaemonInfo {
  readonly pid: number
  /** `http://HOST:PORT` of the client API. */
  readonly api: string
  /** `HOST:PORT` of the peer listener. */
  readonly peer: string
  /** ISO 8601. */
  readonly started: string
}

/** Write daemon.json (temporary file then rename, 0600). */
export function writeDaemonInfo(home: string, info: DaemonInfo): void {
  const path = join(home, DAEMON_FILE)
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 })
  renameSync(tmp, path)
}

/** Remove daemon.json if it is ours (`pid`). */
export function removeDaemonInfo(home: string, pid = process.pid): void {
  if (readDaemonInfo(home, { checkAlive: false })?.pid === pid)
    rmSync(join(home, DAEMON_FILE), { force: true })
}

/** True when a process with this pid exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The running daemon of `home`, or undefined when there is none: no file, a malformed one, or
 * (unless `checkAlive` is false) a process that no longer exists.
 */
export function readDaemonInfo(
  home: string,
  options: { checkAlive?: boolean } = {},
): DaemonInfo | undefined {
  let v: unknown
  try {
    v = parseStrict(readFileSync(join(home, DAEMON_FILE), 'utf8'), 'daemon.json', 4096)
  } catch {
    return undefined
  }
  if (
    !isJsonObject(v) ||
    typeof v['pid'] !== 'number' ||
    !Number.isSafeInteger(v['pid']) ||
    v['pid'] <= 0 ||
    typeof v['api'] !== 'string' ||
    !/^http:\/\/[^\s/]+$/.test(v['api']) ||
    typeof v['peer'] !== 'string' ||
    typeof v['started'] !== 'string'
  )
    return undefined
  const info = v as unknown as DaemonInfo
  if (options.checkAlive !== false && !processAlive(info.pid)) return undefined
  return info
}

/** The bearer token of the home's client API (`<home>/api-token`). */
export function readApiToken(home: string): string {
  return readFileSync(join(home, 'api-token'), 'utf8').trim()
}
