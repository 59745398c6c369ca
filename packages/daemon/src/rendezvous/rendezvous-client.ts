/**
 * A node's side of the rendezvous directory (docs/protocol/relays.md §7): register its signed
 * address record, and look up another node's, checked here against the fingerprint asked for:
 * the directory is not trusted, it can only withhold or serve an old (still unexpired) record.
 * @module
 */
import { ErrorCode, ProtocolError, isProtocolError } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { verifyAddressRecord } from './address-record.js'
import type { AddressRecord, SignedAddressRecord } from './address-record.js'

const CODES = new Set<string>(Object.values(ErrorCode))
/** Largest answer read from a directory: a record is at most 8 KiB of base64url (relays.md §6). */
export const MAX_RENDEZVOUS_ANSWER_BYTES = 32 * 1024

/** The body of `res`, refused past {@link MAX_RENDEZVOUS_ANSWER_BYTES} (a hostile directory). */
async function boundedText(res: Response): Promise<string> {
  const tooBig = () =>
    new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'rendezvous: answer larger than 32 KiB')
  const declared = Number(res.headers.get('content-length') ?? 0)
  if (declared > MAX_RENDEZVOUS_ANSWER_BYTES) {
    await res.body?.cancel().catch(() => undefined)
    throw tooBig()
  }
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = res.body?.getReader()
  for (;;) {
    const next = await reader?.read()
    if (next === undefined || next.done) break
    size += next.value.byteLength
    if (size > MAX_RENDEZVOUS_ANSWER_BYTES) {
      await reader!.cancel().catch(() => undefined)
      throw tooBig()
    }
    chunks.push(next.value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function call(url: string, init: RequestInit): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) })
  } catch (cause) {
    throw new ProtocolError(ErrorCode.UNAVAILABLE, 'rendezvous: cannot connect', { cause })
  }
  let text: string
  try {
    text = await boundedText(res)
  } catch (e) {
    if (isProtocolError(e)) throw e
    throw new ProtocolError(ErrorCode.UNAVAILABLE, 'rendezvous: answer cut off', { cause: e })
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ProtocolError(
      ErrorCode.UNAVAILABLE,
      `rendezvous: answered ${res.status} without JSON`,
    )
  }
  if (res.ok) return body
  const e = (body as { error?: { code?: unknown; message?: unknown } }).error
  const code = typeof e?.code === 'string' && CODES.has(e.code) ? e.code : ErrorCode.UNAVAILABLE
  const message = typeof e?.message === 'string' ? e.message.slice(0, 200) : `status ${res.status}`
  throw new ProtocolError(code as ErrorCode, message)
}

/** Register a signed record. @throws the directory's code (CONFLICT, EXPIRED, ...) or UNAVAILABLE */
export async function registerAddressRecord(
  base: string,
  signed: SignedAddressRecord,
): Promise<void> {
  await call(new URL('/v1/records', base).href, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(signed),
  })
}

/**
 * Look up the record of `node` and verify it (signature, key of that node, not expired).
 * @throws NOT_FOUND (none held), INVALID_SIGNATURE (a record not of that node), UNAVAILABLE
 */
export async function lookupAddressRecord(
  base: string,
  node: string,
  provider: CryptoProvider,
  now: number,
): Promise<AddressRecord> {
  const body = await call(new URL(`/v1/records/${encodeURIComponent(node)}`, base).href, {})
  let record: AddressRecord
  try {
    record = verifyAddressRecord(provider, body, now)
  } catch (e) {
    if (isProtocolError(e)) throw e
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'rendezvous: malformed record')
  }
  if (record.node !== node)
    throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'rendezvous: a record of another node')
  return record
}

/**
 * A rendezvous directory is an `http://` or `https://` URL without credentials (relays.md §6).
 * @throws BAD_REQUEST
 */
export function checkRendezvousUrl(text: string): void {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ProtocolError(ErrorCode.BAD_REQUEST, `rendezvous: not a URL: ${text.slice(0, 100)}`)
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'rendezvous: expected an http:// or https:// URL without credentials',
    )
}
