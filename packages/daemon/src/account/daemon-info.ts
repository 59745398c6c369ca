/**
 * `<home>/daemon.json`: how commands find a daemon running on their home (docs/cli.md §1).
 * Written by `sdmp start` once its listeners are bound (mode 0600, atomically), removed when it
 * stops. A stale file (the process is gone) or a malformed one is ignored: the store lock, not
 * this file, is what keeps two writers apart.
 * @module
 */
import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { ErrorCode, ProtocolError } from '@sdmp/core'
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
  /**
   * The Unix domain socket of the client API, the only way commands reach the daemon (the TCP
   * address above is for the web client). Absent in files of older daemons.
   */
  readonly socket?: string
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
    typeof v['started'] !== 'string' ||
    (v['socket'] !== undefined && (typeof v['socket'] !== 'string' || v['socket'] === ''))
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

/** The socket's name inside the home. */
export const API_SOCKET = 'api.sock'

/** Longest socket path we use: sockaddr_un holds 108 bytes on Linux, 104 on macOS. */
const MAX_SOCKET_PATH = 100

/**
 * Where the daemon of `home` listens for commands: `<home>/api.sock`, or, when that path is too
 * long for a Unix socket, `<tmpdir>/sdmp-<uid>/<hash of the home>.sock` in a directory that
 * must be ours and 0700 (created so; refused otherwise, as ssh refuses a shared agent directory).
 * @throws FORBIDDEN when that directory belongs to someone else or others can enter it
 */
export function apiSocketPath(home: string): string {
  const inHome = join(resolve(home), API_SOCKET)
  if (Buffer.byteLength(inHome) <= MAX_SOCKET_PATH) return inHome
  const dir = join(tmpdir(), `sdmp-${process.getuid?.() ?? 'user'}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  checkPrivateDir(dir)
  const name = createHash('sha256').update(resolve(home)).digest('hex').slice(0, 32)
  return join(dir, `${name}.sock`)
}

/**
 * Check that a daemon socket named in daemon.json is one we may send the token to: a socket
 * owned by this user, in the home itself or in this user's private runtime directory.
 * @throws FORBIDDEN otherwise (someone else's file, a symlink, a directory others can enter)
 */
export function checkApiSocket(home: string, socket: string): void {
  const refuse = (why: string): never => {
    throw new ProtocolError(ErrorCode.FORBIDDEN, `daemon socket ${socket} refused: ${why}`)
  }
  const dir = dirname(socket)
  if (dir !== resolve(home) && dir !== join(tmpdir(), `sdmp-${process.getuid?.() ?? 'user'}`))
    refuse("not in the home or this user's runtime directory")
  if (dir !== resolve(home)) checkPrivateDir(dir)
  const st = lstatSync(socket, { throwIfNoEntry: false })
  if (st === undefined) return // gone: the caller finds no daemon there
  if (!st.isSocket()) refuse('not a socket')
  if (process.getuid && st.uid !== process.getuid()) refuse('owned by another user')
}

function checkPrivateDir(dir: string): void {
  const st = lstatSync(dir)
  const mine = !process.getuid || st.uid === process.getuid()
  if (!st.isDirectory() || !mine || (st.mode & 0o077) !== 0)
    throw new ProtocolError(
      ErrorCode.FORBIDDEN,
      `${dir} must be a directory of this user that no one else can enter (chmod 700 ${dir})`,
    )
}
