/**
 * Resolving `name@domain` (docs/protocol/addresses.md §3-§4): DNS (SVCB at `_sdmp.<domain>`,
 * else SRV at `_sdmp._tcp.<domain>`) names the domain's host, whose well-known document over
 * HTTPS carries the user's invite. The document is verified by address-verify.ts; pinning is
 * address-pins.ts.
 * {@link resolveAddress} is the one entry point, shared by `contact add` and anyone else who
 * needs the identity behind an address.
 * @module
 */
import { lookup as systemLookup, getServers } from 'node:dns'
import { request as httpRequest } from 'node:http'
import type { IncomingMessage, RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { rootCertificates } from 'node:tls'
import { isIP } from 'node:net'
import { ErrorCode, ProtocolError, assertAddress } from '@sdmp/core'
import { MAX_ADDRESS_DOCUMENT_BYTES, WELL_KNOWN_PREFIX } from './address-document.js'
import { verifyDocument } from './address-verify.js'
import type { AddressVerifier, VerifiedDocument } from './address-verify.js'
import { decodeSvcb, parseDnsServer, queryDns } from './dns-query.js'
import type { DnsAnswer, DnsResult, DnsServer, ServiceTarget, SvcbAlias } from './dns-query.js'

/** Time the whole look-up (DNS and HTTPS) may take, ms. */
export const ADDRESS_LOOKUP_TIMEOUT_MS = 15_000

/** How addresses are looked up (the daemon's config; tests point it at a loopback DNS server). */
export interface AddressLookupOptions {
  /** Resolvers as `IP[:PORT]`; default: the system's (node:dns getServers()). */
  readonly dnsServers?: readonly string[]
  /** Extra trusted CA certificates (PEM) for the HTTPS fetch, added to Node's roots. */
  readonly ca?: string | Buffer
  /** Fetch the document over plain http:// (tests and explicit `--insecure-http` only). */
  readonly insecureHttp?: boolean
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/** A resolved, verified address: the verified document and where it came from. */
export interface ResolvedAddress extends VerifiedDocument {
  /** The record kind that named the host, and the document URL. */
  readonly via: 'svcb' | 'srv'
  readonly url: string
}

const fail = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

/**
 * Resolve `address` to its verified bundle.
 * @throws BAD_REQUEST (not an address; a malformed record or document), NOT_FOUND (NXDOMAIN, no
 *   record, no such user at the host), FORBIDDEN (the identity does not claim the address),
 *   REVOKED (its owner revoked that identity), LIMIT_EXCEEDED (oversized DNS reply or
 *   document), TIMEOUT, UNAVAILABLE, and every invite code (INVALID_SIGNATURE for a forgery)
 * @example
 * const r = await resolveAddress(account, 'bob@example.org', { dnsServers: ['127.0.0.1:5353'] })
 * console.log(r.user) // the fingerprint the address publishes, verified
 */
export async function resolveAddress(
  verifier: AddressVerifier,
  address: string,
  options: AddressLookupOptions = {},
): Promise<ResolvedAddress> {
  const a = assertAddress(address, 'address')
  const timeout = AbortSignal.timeout(options.timeoutMs ?? ADDRESS_LOOKUP_TIMEOUT_MS)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal])
  const servers = (options.dnsServers ?? getServers()).map(parseDnsServer)
  if (servers.length === 0) fail(ErrorCode.UNAVAILABLE, 'dns: no resolver configured')
  const { targets, via } = await serviceTargets(servers, a.domain, signal)
  let lastError: unknown
  for (const t of targets) {
    const url = `${options.insecureHttp === true ? 'http' : 'https'}://${t.host}:${t.port}${WELL_KNOWN_PREFIX}${a.local}`
    let body: Uint8Array
    try {
      body = await fetchDocument(url, t, servers, options, signal)
    } catch (e) {
      // The next target may answer; a definite answer (404, too big) is final.
      if (e instanceof ProtocolError && e.code !== ErrorCode.UNAVAILABLE) throw e
      lastError = e
      continue
    }
    return { ...verifyDocument(verifier, a.address, body), via, url }
  }
  throw lastError instanceof ProtocolError
    ? lastError
    : new ProtocolError(ErrorCode.UNAVAILABLE, `no host of ${a.domain} answered`)
}

/** The hosts to ask, best first: SVCB ServiceMode records, else SRV. */
async function serviceTargets(
  servers: readonly DnsServer[],
  domain: string,
  signal: AbortSignal,
): Promise<{ targets: ServiceTarget[]; via: 'svcb' | 'srv' }> {
  const svcbName = `_sdmp.${domain}`
  const svcb = await ask(servers, svcbName, 'SVCB', signal)
  if (svcb.status === 'ok') {
    const targets = await svcbTargets(servers, svcbName, svcb.answers, signal)
    if (targets.length > 0) return { targets, via: 'svcb' }
  }
  const srvName = `_sdmp._tcp.${domain}`
  const srv = await ask(servers, srvName, 'SRV', signal)
  if (srv.status === 'nxdomain' && svcb.status === 'nxdomain')
    fail(ErrorCode.NOT_FOUND, `${domain} publishes no sdmp host (NXDOMAIN for ${svcbName})`)
  const targets =
    srv.status === 'ok'
      ? srv.answers
          .map((r) => r.data as { priority: number; weight: number; port: number; target: string })
          // RFC 2782: a target of "." says the service is decidedly not offered.
          .filter((d) => d.target !== '' && d.target !== '.')
          .sort((x, y) => x.priority - y.priority || y.weight - x.weight)
          .map((d) => ({ host: d.target.replace(/\.$/, ''), port: d.port, priority: d.priority }))
      : []
  if (targets.length === 0)
    fail(
      ErrorCode.NOT_FOUND,
      `${domain} publishes no sdmp host (no SVCB ${svcbName} or SRV ${srvName})`,
    )
  return { targets, via: 'srv' }
}

/**
 * The ServiceMode targets of the SVCB records `answers` at `name`, lowest priority first. An
 * AliasMode record (RFC 9460 §2.4.2) makes the ServiceMode records beside it void (§2.4.1) and
 * is followed once: aliases at its target are not (addresses.md §3), so a chain or a loop
 * costs one more query and ends with no target (then SRV is asked).
 */
async function svcbTargets(
  servers: readonly DnsServer[],
  name: string,
  answers: readonly DnsAnswer[],
  signal: AbortSignal,
): Promise<ServiceTarget[]> {
  const serviceMode = (records: (ServiceTarget | SvcbAlias)[]) =>
    records
      .filter((t): t is ServiceTarget => t.priority !== 0)
      .sort((x, y) => x.priority - y.priority)
  const records = answers.map((r) => decodeSvcb(r.data as Buffer, name))
  const alias = records.find((r): r is SvcbAlias => r.priority === 0)
  if (alias === undefined) return serviceMode(records)
  if (alias.alias === undefined) return [] // "." : no service offered here (§2.5.1)
  const target = alias.alias
  const next = await ask(servers, target, 'SVCB', signal)
  if (next.status !== 'ok') return []
  return serviceMode(next.answers.map((r) => decodeSvcb(r.data as Buffer, target)))
}

/** Ask the resolvers in turn until one answers. */
async function ask(
  servers: readonly DnsServer[],
  name: string,
  type: 'SRV' | 'SVCB' | 'A' | 'AAAA',
  signal: AbortSignal,
): Promise<DnsResult> {
  let last: unknown
  for (const s of servers) {
    try {
      return await queryDns(s, name, type, { signal })
    } catch (e) {
      // Only "this resolver could not answer" moves on; hostile or oversized replies are final.
      if (
        !(e instanceof ProtocolError) ||
        ![ErrorCode.TIMEOUT, ErrorCode.UNAVAILABLE].includes(e.code as 'TIMEOUT')
      )
        throw e
      last = e
    }
  }
  throw last
}

/**
 * The IP address of `host`: a literal as it is; with configured resolvers their A, then AAAA
 * records; else the system's resolver (which also reads /etc/hosts).
 */
async function addressOf(
  host: string,
  servers: readonly DnsServer[],
  options: AddressLookupOptions,
  signal: AbortSignal,
): Promise<string> {
  if (isIP(host) !== 0) return host
  if (options.dnsServers === undefined)
    return new Promise((resolve, reject) =>
      systemLookup(host, (e, ip) =>
        e
          ? reject(
              new ProtocolError(
                ErrorCode.UNAVAILABLE,
                `cannot resolve ${host} (${e.code ?? 'error'})`,
              ),
            )
          : resolve(ip),
      ),
    )
  for (const type of ['A', 'AAAA'] as const) {
    const r = await ask(servers, host, type, signal)
    const ip = r.status === 'ok' ? (r.answers[0]?.data as string | undefined) : undefined
    if (ip !== undefined && isIP(ip) !== 0) return ip
  }
  return fail(ErrorCode.UNAVAILABLE, `cannot resolve ${host}: no A or AAAA record`)
}

/** GET the document at `url` from the target's address; at most the document size limit. */
async function fetchDocument(
  url: string,
  target: ServiceTarget,
  servers: readonly DnsServer[],
  options: AddressLookupOptions,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const ip = await addressOf(target.host, servers, options, signal)
  const u = new URL(url)
  const request: RequestOptions & { servername?: string; ca?: (string | Buffer)[] } = {
    host: ip,
    port: target.port,
    path: u.pathname,
    method: 'GET',
    signal,
    // The certificate is checked against the target name, not the IP we connect to.
    headers: { host: u.host, accept: 'application/json' },
    ...(isIP(target.host) === 0 && { servername: target.host }),
    ...(options.ca !== undefined && { ca: [...rootCertificates, options.ca] }),
  }
  const send = options.insecureHttp === true ? httpRequest : httpsRequest
  return new Promise<Uint8Array>((resolve, reject) => {
    const req = send(request, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0
      if (status !== 200) {
        res.resume()
        return reject(
          status === 404
            ? new ProtocolError(ErrorCode.NOT_FOUND, `no such user at ${u.host} (${u.pathname})`)
            : new ProtocolError(ErrorCode.UNAVAILABLE, `${u.host} answered HTTP ${status}`),
        )
      }
      const declared = Number(res.headers['content-length'] ?? 0)
      const tooBig = () =>
        new ProtocolError(
          ErrorCode.LIMIT_EXCEEDED,
          `address document: more than ${MAX_ADDRESS_DOCUMENT_BYTES} bytes`,
        )
      if (declared > MAX_ADDRESS_DOCUMENT_BYTES) {
        req.destroy()
        return reject(tooBig())
      }
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        size += c.length
        if (size > MAX_ADDRESS_DOCUMENT_BYTES) {
          req.destroy()
          reject(tooBig())
        } else chunks.push(c)
      })
      res.on('end', () => resolve(Buffer.concat(chunks)))
      res.on('error', (e) => reject(wrapNetError(e, u.host, signal)))
    })
    req.on('error', (e) => reject(wrapNetError(e, u.host, signal)))
    req.end()
  })
}

function wrapNetError(e: Error, host: string, signal: AbortSignal): ProtocolError {
  if (e instanceof ProtocolError) return e
  if (signal.aborted)
    return new ProtocolError(ErrorCode.TIMEOUT, `address look-up: ${host} did not answer in time`)
  const code = (e as NodeJS.ErrnoException).code ?? e.message
  return new ProtocolError(ErrorCode.UNAVAILABLE, `cannot fetch from ${host} (${code})`, {
    cause: e,
  })
}
