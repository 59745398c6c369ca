/**
 * Private homes (issue 12 item 1, docs/security.md "Hardening (issue 12)"): the home holds the
 * user and node keys (secrets in `store/store.db`) and the API token, so it is 0700 and every
 * file in it 0600, whatever the umask. Opening a home that other users can read or write is
 * refused with the command that fixes it, as OpenSSH refuses an unprotected private key.
 * @module
 */
import { chmodSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** Mode bits of group and others: none may be set on a part that holds or reaches a secret. */
const GROUP_OTHER = 0o077
/** Write bits of group and others: refused on the non-secret files (they steer the commands). */
const GROUP_OTHER_WRITE = 0o022

/**
 * The parts of a home checked on every open, relative to the home, with the bits refused:
 * the directories and every file that holds a key, the token or the store (the WAL holds recent
 * secrets too) must be private; `config.json`, `daemon.json` and `store.lock` hold no secret
 * but must not be writable by others (they say which keys and which daemon to use). Blob files
 * are not walked one by one (a home may hold many): they are created 0600 under the 0700
 * `store/blobs` directory, which is checked.
 */
const CHECKED: ReadonlyArray<readonly [string, number]> = [
  ['', GROUP_OTHER],
  ['api-token', GROUP_OTHER],
  ['store', GROUP_OTHER],
  ['store/store.db', GROUP_OTHER],
  ['store/store.db-wal', GROUP_OTHER],
  ['store/store.db-shm', GROUP_OTHER],
  ['store/blobs', GROUP_OTHER],
  ['config.json', GROUP_OTHER_WRITE],
  ['daemon.json', GROUP_OTHER_WRITE],
  ['store/store.lock', GROUP_OTHER_WRITE],
]

/** True where Unix mode bits mean something (not on Windows, where ACLs decide). */
const POSIX_MODES = process.platform !== 'win32'

/**
 * Make a home we create private: the directory 0700 even when it existed before `init` with a
 * looser mode (mkdir never changes an existing directory's mode).
 * @throws FORBIDDEN when it cannot be changed (not our directory)
 */
export function tightenHomeDir(home: string): void {
  if (!POSIX_MODES) return
  try {
    chmodSync(home, 0o700)
  } catch (e) {
    // EPERM: a directory of another user (init on /tmp itself): not a place for keys.
    const why = (e as NodeJS.ErrnoException).code ?? 'error'
    throw new ProtocolError(
      ErrorCode.FORBIDDEN,
      `cannot make ${home} private (${why}): choose a directory you own`,
      { cause: e },
    )
  }
}

/**
 * Refuse a home whose directory, key, token or store files group or others can access, or
 * whose non-secret files they can write.
 * @throws FORBIDDEN naming the first such path, its mode and `chmod -R go-rwx HOME`
 */
export function assertPrivateHome(home: string): void {
  if (!POSIX_MODES) return
  for (const [part, refused] of CHECKED) {
    const path = part === '' ? home : join(home, part)
    let mode: number
    try {
      mode = statSync(path).mode & 0o777
    } catch {
      continue // absent parts (no daemon.json, a store not created yet) are fine
    }
    if ((mode & refused) !== 0)
      throw new ProtocolError(
        ErrorCode.FORBIDDEN,
        `${path} is accessible by other users (mode ${mode.toString(8).padStart(4, '0')}); ` +
          `the home holds your keys: run chmod -R go-rwx ${home}`,
      )
  }
}
