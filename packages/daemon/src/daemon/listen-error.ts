/**
 * What a failed bind means, in one line that names the address, the listener and the fix
 * (issue 12 item 7: a busy port used to end as "internal error: listen EADDRINUSE", exit 70, or
 * "tcp: cannot listen" with no port). docs/daemon.md "Listening".
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** Why a bind failed, by errno code. */
const REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EPERM: 'permission denied',
  EADDRNOTAVAIL: 'the address is not one of this machine',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
}

/** The errno code of a listen failure: `e` itself (node:http) or its cause (transport). */
function bindErrno(e: unknown): string | undefined {
  for (const x of [e, (e as { cause?: unknown } | null)?.cause]) {
    const err = x as { code?: unknown; syscall?: unknown } | null | undefined
    if (typeof err?.code !== 'string' || typeof err.syscall !== 'string') continue
    if (['listen', 'bind', 'getaddrinfo'].includes(err.syscall)) return err.code
  }
  return undefined
}

/**
 * Turn a bind failure of the `role` listener at `address` into UNAVAILABLE with the address,
 * the reason and the `sdmp start` option that changes it; any other error is returned as is.
 */
export function describeListenFailure(
  e: unknown,
  role: 'api' | 'peer',
  address: { readonly host: string; readonly port: number },
): unknown {
  const errno = bindErrno(e)
  if (errno === undefined) return e
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  const what = role === 'api' ? 'the client API' : 'peers'
  const why = REASONS[errno] ?? `the system refused (${errno})`
  return new ProtocolError(
    ErrorCode.UNAVAILABLE,
    `cannot listen on ${host}:${address.port} for ${what}: ${why} (choose another with --${role} HOST:PORT)`,
    { cause: e },
  )
}
