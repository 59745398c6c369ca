/**
 * The DNS side of `name@domain` addresses (docs/protocol/addresses.md §3): one UDP query at a
 * time to the configured resolvers, encoded and decoded with `dns-packet`. Node 20's `dns`
 * module has no SVCB (RFC 9460, type 64), so queries are sent here; `dns-packet` hands SVCB
 * RDATA over as raw bytes, which {@link decodeSvcb} reads with every length checked. Answers are
 * untrusted: a reply larger than {@link MAX_DNS_REPLY_BYTES}, with too many records, truncated,
 * or from another id or question is a coded error, never a crash.
 * @module
 */
import { createSocket } from 'node:dgram'
import { randomInt } from 'node:crypto'
import { isIP } from 'node:net'
import dnsPacket from 'dns-packet'
import type { DecodedPacket } from 'dns-packet'
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** Largest DNS reply read, bytes (RFC 6891's usual EDNS buffer; anything larger is hostile). */
export const MAX_DNS_REPLY_BYTES = 4096
/** Most answer records read from one reply. */
export const MAX_DNS_ANSWERS = 32
/** Time one resolver gets to answer, ms. */
export const DNS_TIMEOUT_MS = 5_000

/** A resolver to ask: an IP address and port. */
export interface DnsServer {
  readonly host: string
  readonly port: number
}

/** Where a service record points: the host, its port, and the ALPN ids it lists (SVCB only). */
export interface ServiceTarget {
  readonly host: string
  readonly port: number
  readonly priority: number
  readonly alpn?: readonly string[]
}

const fail = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

/**
 * Parse `HOST:PORT`, `[V6]:PORT` or a bare IP (port 53) as a resolver address.
 * @throws BAD_REQUEST
 */
export function parseDnsServer(text: string): DnsServer {
  const m =
    /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$|^([0-9.]+)(?::(\d{1,5}))?$|^([0-9a-fA-F:]+)$/.exec(
      text.trim(),
    )
  const host = m?.[1] ?? m?.[3] ?? m?.[5]
  const port = Number(m?.[2] ?? m?.[4] ?? 53)
  if (host === undefined || isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535)
    fail(ErrorCode.BAD_REQUEST, 'dns server: expected IP[:PORT] or [IPv6]:PORT')
  return { host: host!, port }
}

/** One answer record as dns-packet decodes it (SVCB `data` is its raw RDATA). */
export interface DnsAnswer {
  readonly name: string
  readonly type: string
  readonly data: unknown
}

/** The outcome of one query: the answers of the asked type, or NXDOMAIN. */
export type DnsResult =
  | { readonly status: 'ok'; readonly answers: readonly DnsAnswer[] }
  | { readonly status: 'nxdomain' }

/**
 * Ask `server` for `type` records of `name` over UDP; answers whose name or type differ are
 * dropped (a CNAME chain is not followed: `_sdmp` names are ours to publish directly).
 * @throws TIMEOUT, UNAVAILABLE (SERVFAIL, REFUSED, truncated, socket error), LIMIT_EXCEEDED,
 *   BAD_REQUEST (a reply that does not decode or does not match the query), ABORTED
 */
export async function queryDns(
  server: DnsServer,
  name: string,
  type: 'SRV' | 'SVCB' | 'A' | 'AAAA',
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<DnsResult> {
  const id = randomInt(0, 0x10000)
  // dns-packet names types it does not know `UNKNOWN_<n>` (SVCB is type 64, RFC 9460 §14.1).
  const wireType = (type === 'SVCB' ? 'UNKNOWN_64' : type) as 'SRV'
  const query = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: wireType, name, class: 'IN' }],
  })
  const reply = await exchange(server, query, id, options)
  let packet: DecodedPacket
  try {
    packet = dnsPacket.decode(reply)
  } catch (e) {
    throw new ProtocolError(ErrorCode.BAD_REQUEST, `dns: malformed reply for ${name}`, { cause: e })
  }
  const q = packet.questions?.[0]
  if (packet.type !== 'response' || q === undefined || q.name.toLowerCase() !== name.toLowerCase())
    fail(ErrorCode.BAD_REQUEST, `dns: the reply does not answer the question for ${name}`)
  if (((packet.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0)
    fail(
      ErrorCode.UNAVAILABLE,
      `dns: the reply for ${name} was truncated (DNS over TCP is not used)`,
    )
  const rcode = (packet as { rcode?: string }).rcode ?? 'NOERROR'
  if (rcode === 'NXDOMAIN') return { status: 'nxdomain' }
  if (rcode !== 'NOERROR') fail(ErrorCode.UNAVAILABLE, `dns: ${rcode} for ${name}`)
  const answers = (packet.answers ?? []) as DnsAnswer[]
  if (answers.length > MAX_DNS_ANSWERS)
    fail(
      ErrorCode.LIMIT_EXCEEDED,
      `dns: ${answers.length} answers for ${name} exceeds ${MAX_DNS_ANSWERS}`,
    )
  return {
    status: 'ok',
    answers: answers.filter(
      (a) => a.type === wireType && a.name.toLowerCase() === name.toLowerCase(),
    ),
  }
}

/** Send one query and wait for the reply with its id from that server. */
function exchange(
  server: DnsServer,
  query: Buffer,
  id: number,
  options: { timeoutMs?: number; signal?: AbortSignal },
): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? DNS_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4')
    const done = (error: Error | undefined, reply?: Buffer) => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      socket.close()
      if (error) reject(error)
      else resolve(reply!)
    }
    const onAbort = () => done(new ProtocolError(ErrorCode.ABORTED, 'dns: aborted'))
    const timer = setTimeout(
      () => done(new ProtocolError(ErrorCode.TIMEOUT, `dns: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    )
    options.signal?.addEventListener('abort', onAbort, { once: true })
    socket.on('error', (e) =>
      done(new ProtocolError(ErrorCode.UNAVAILABLE, `dns: ${e.message}`, { cause: e })),
    )
    socket.on('message', (msg, from) => {
      // Replies from elsewhere, or to another query (spoofing, a late answer), are ignored.
      if (from.port !== server.port || msg.length < 2 || msg.readUInt16BE(0) !== id) return
      if (msg.length > MAX_DNS_REPLY_BYTES)
        return done(
          new ProtocolError(
            ErrorCode.LIMIT_EXCEEDED,
            `dns: reply of ${msg.length} bytes exceeds ${MAX_DNS_REPLY_BYTES}`,
          ),
        )
      done(undefined, msg)
    })
    // Bigger datagrams than the limit are still received whole, then refused above.
    socket.send(query, server.port, server.host, (e) => {
      if (e) done(new ProtocolError(ErrorCode.UNAVAILABLE, `dns: ${e.message}`, { cause: e }))
    })
  })
}

/** SVCB SvcParamKeys read (RFC 9460 §14.3.2). */
const KEY_ALPN = 1
const KEY_PORT = 3

/**
 * An SVCB AliasMode record (RFC 9460 §2.4.2): the SVCB records to use are at `alias`;
 * undefined when its target is `.`, which says the service is not offered (§2.5.1).
 */
export interface SvcbAlias {
  readonly priority: 0
  readonly alias: string | undefined
}

/**
 * Decode SVCB RDATA (RFC 9460 §2.2): priority, uncompressed TargetName, SvcParams in strictly
 * increasing key order. In ServiceMode `owner` replaces a target of `.` (§2.5.2); AliasMode
 * (priority 0) gives its target alone, its SvcParams unread (addresses.md §3 follows it once).
 * @throws BAD_REQUEST for RDATA that overruns or breaks the format
 */
export function decodeSvcb(data: Uint8Array, owner: string): ServiceTarget | SvcbAlias {
  const bad = (): never => fail(ErrorCode.BAD_REQUEST, 'dns: malformed SVCB record')
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  if (data.length < 3) bad()
  const priority = view.getUint16(0)
  let at = 2
  const labels: string[] = []
  for (;;) {
    if (at >= data.length) bad()
    const len = data[at++]!
    if (len === 0) break
    if (len > 63 || at + len > data.length) bad() // no compression pointers in SVCB (§2.2)
    labels.push(new TextDecoder().decode(data.subarray(at, at + len)))
    at += len
    if (labels.join('.').length > 253) bad()
  }
  if (priority === 0) return { priority, alias: labels.length === 0 ? undefined : labels.join('.') }
  let port = 443
  let alpn: string[] | undefined
  let last = -1
  while (at < data.length) {
    if (at + 4 > data.length) bad()
    const key = view.getUint16(at)
    const len = view.getUint16(at + 2)
    at += 4
    if (key <= last || at + len > data.length) bad()
    last = key
    const value = data.subarray(at, at + len)
    at += len
    if (key === KEY_PORT) {
      if (len !== 2) bad()
      port = (value[0]! << 8) | value[1]!
    } else if (key === KEY_ALPN) {
      alpn = []
      for (let i = 0; i < value.length; ) {
        const n = value[i++]!
        if (n === 0 || i + n > value.length) bad()
        alpn.push(new TextDecoder().decode(value.subarray(i, i + n)))
        i += n
      }
    }
  }
  if (port === 0) bad()
  const host = labels.length === 0 ? owner : labels.join('.')
  return { host, port, priority, ...(alpn !== undefined && { alpn }) }
}

/** Encode SVCB RDATA: for tests and for operators generating their zone (addresses.md §3). */
export function encodeSvcb(target: {
  priority: number
  host: string
  port?: number
  alpn?: readonly string[]
}): Buffer {
  const parts: Buffer[] = [Buffer.from([target.priority >> 8, target.priority & 0xff])]
  for (const label of target.host
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l !== ''))
    parts.push(Buffer.from([label.length]), Buffer.from(label, 'ascii'))
  parts.push(Buffer.from([0]))
  const param = (key: number, value: Buffer) => {
    parts.push(Buffer.from([key >> 8, key & 0xff, value.length >> 8, value.length & 0xff]), value)
  }
  if (target.alpn)
    param(
      KEY_ALPN,
      Buffer.concat(
        target.alpn.map((a) => Buffer.concat([Buffer.from([a.length]), Buffer.from(a)])),
      ),
    )
  if (target.port !== undefined)
    param(KEY_PORT, Buffer.from([target.port >> 8, target.port & 0xff]))
  return Buffer.concat(parts)
}
