/**
 * A real DNS server on 127.0.0.1 (UDP, port 0) for address tests (docs/protocol/addresses.md
 * §3): answers from a mutable zone, encoded with dns-packet like the resolver side, NXDOMAIN for
 * names it does not hold, and a `hostile` mode that answers every query with an oversized reply.
 * @module
 */
import { createSocket } from 'node:dgram'
import type { AddressInfo } from 'node:net'
import dnsPacket from 'dns-packet'
import { encodeSvcb } from '@sdmp/daemon'

/** One record of the zone. */
export type ZoneRecord =
  | {
      readonly type: 'SVCB'
      /** 0 for AliasMode (RFC 9460 §2.4.2): `host` is then the alias target and has no port. */
      readonly priority: number
      readonly host: string
      readonly port?: number
    }
  | {
      readonly type: 'SRV'
      readonly priority: number
      readonly host: string
      readonly port: number
    }
  | { readonly type: 'A'; readonly ip: string }

/** A running server: `zone` maps a lower-case name to its records. */
export interface TestDnsServer {
  readonly address: string
  readonly zone: Map<string, ZoneRecord[]>
  /** Answer every query with a reply far over the resolver's limit. */
  hostile: boolean
  /** Queries received, as `TYPE name`. */
  readonly queries: string[]
  close(): Promise<void>
}

const TYPES: Record<string, ZoneRecord['type']> = { UNKNOWN_64: 'SVCB', SRV: 'SRV', A: 'A' }

/** Start a server; close it with `close()` (register it with `after`). */
export async function startDnsServer(): Promise<TestDnsServer> {
  const socket = createSocket('udp4')
  const server: TestDnsServer = {
    address: '',
    zone: new Map(),
    hostile: false,
    queries: [],
    close: () => new Promise((r) => socket.close(() => r())),
  }
  socket.on('message', (msg, from) => {
    let query: dnsPacket.DecodedPacket
    try {
      query = dnsPacket.decode(msg)
    } catch {
      return
    }
    const q = query.questions?.[0]
    if (q === undefined) return
    const type = TYPES[q.type]
    server.queries.push(`${type ?? q.type} ${q.name}`)
    const records = server.zone.get(q.name.toLowerCase())
    const answers = (records ?? [])
      .filter((r) => r.type === type)
      .map((r) => ({ name: q.name, ttl: 60, class: 'IN' as const, ...answerOf(r) }))
    if (server.hostile)
      for (let i = 0; i < 300; i++)
        answers.push({
          name: q.name,
          ttl: 60,
          class: 'IN',
          type: 'A',
          data: `10.0.${i >> 8}.${i & 255}`,
        } as never)
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.RECURSION_AVAILABLE | (records === undefined ? 3 : 0), // rcode 3: NXDOMAIN
      questions: [q],
      answers: answers as dnsPacket.Answer[],
    })
    socket.send(reply, from.port, from.address)
  })
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  const { port } = socket.address() as AddressInfo
  return Object.assign(server, { address: `127.0.0.1:${port}` })
}

function answerOf(r: ZoneRecord): object {
  switch (r.type) {
    case 'SVCB':
      return {
        type: 'UNKNOWN_64',
        data: encodeSvcb(
          r.priority === 0
            ? { priority: 0, host: r.host }
            : { priority: r.priority, host: r.host, port: r.port ?? 443, alpn: ['http/1.1'] },
        ),
      }
    case 'SRV':
      return {
        type: 'SRV',
        data: { priority: r.priority, weight: 1, port: r.port, target: r.host },
      }
    case 'A':
      return { type: 'A', data: r.ip }
  }
}
