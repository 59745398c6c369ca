/**
 * The default listen ports of a new home (issue 15 item 7, docs/cli.md "Ports"): two homes on
 * one machine must not collide when started without `--peer`/`--api`. `init` picks a port pair
 * once, derived from the home's path so that two homes almost never start from the same pair,
 * skips pairs in use at that moment, and stores it in `config.json`; `start` then always uses
 * the same ports (a contact's node dials the peer port it learnt, so it must stay put). The
 * default home (`~/.sdmp`) starts from the well-known pair 7420/7421.
 * @module
 */
import { createHash } from 'node:crypto'
import { createServer } from 'node:net'
import { resolve } from 'node:path'

/** The first port of the range: the well-known peer port (the api port is the next one). */
export const HOME_PORT_BASE = 7420
/** Port pairs in the range: peer ports 7420, 7422, ... 15418; api ports one above each. */
export const HOME_PORT_PAIRS = 4000
/** Pairs tried from the derived one before giving up on finding a free pair. */
const TRIES = 32

/** A port pair of the range. */
export interface HomePorts {
  readonly peer: number
  readonly api: number
}

/** The pair at index `k` of the range. */
const pairAt = (k: number): HomePorts => ({
  peer: HOME_PORT_BASE + 2 * (k % HOME_PORT_PAIRS),
  api: HOME_PORT_BASE + 2 * (k % HOME_PORT_PAIRS) + 1,
})

/**
 * The pair a home starts from: index 0 (7420/7421) for the default home, else the first 32
 * bits of SHA-256 of the absolute home path, modulo the number of pairs.
 */
export function derivedHomePorts(home: string, wellKnown: boolean): HomePorts {
  if (wellKnown) return pairAt(0)
  const digest = createHash('sha256').update(resolve(home), 'utf8').digest()
  return pairAt(digest.readUInt32BE(0) % HOME_PORT_PAIRS)
}

/**
 * Whether `port` can be bound on 127.0.0.1 now. A listener on the wildcard address holds the
 * loopback port too (Linux, macOS), so this sees the peer listeners of other nodes as well.
 */
export function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer()
    server.once('error', () => done(false))
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () =>
      server.close(() => done(true)),
    )
  })
}

/**
 * The ports a new home stores: the derived pair, or the next pair of the range both of whose
 * ports are free now. When none of 32 pairs is free, the derived pair anyway: `start` then says
 * which port is in use and which flag changes it.
 */
export async function chooseHomePorts(home: string, wellKnown: boolean): Promise<HomePorts> {
  const first = derivedHomePorts(home, wellKnown)
  const k0 = (first.peer - HOME_PORT_BASE) / 2
  for (let i = 0; i < TRIES; i++) {
    const pair = pairAt(k0 + i)
    if ((await portFree(pair.peer)) && (await portFree(pair.api))) return pair
  }
  return first
}
