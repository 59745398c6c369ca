/**
 * The one transport conformance suite (docs/protocol/transport.md): every binding (in-memory,
 * in-memory with latency, TCP, WebSocket) runs the same cases through a {@link TransportPair}.
 * Test-only: imports node:test; published as `@sdmp/transport/conformance`.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, isProtocolError, toBase64url } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import type {
  AuthorizeResult,
  PeerInfo,
  SecureChannel,
  SecureChannelOptions,
} from './channel-types.js'
import type { TransportLimits } from './limits.js'
import { peerRefusal } from './refusal.js'
import type { Listener, ListenerOptions } from './listener.js'

/** A running listener of some binding and a way to dial it. */
export interface TransportEndpoint {
  /** Dial the listener (initiator side). */
  connect(options: Omit<SecureChannelOptions, 'role'>): Promise<SecureChannel>
  readonly listener: Listener
  close(): Promise<void>
}

/** Start a listener of the binding under test. */
export type TransportPair = (options: ListenerOptions) => Promise<TransportEndpoint>

/** A test node identity: seed, public key, fingerprint and the channel options for it. */
export interface TestNode {
  readonly seed: Uint8Array
  readonly publicKey: Uint8Array
  readonly fingerprint: string
  readonly fingerprintOf: (publicKey: Uint8Array) => string
}

/**
 * A fresh node identity. The fingerprint here is base64url(SHA-512(publicKey)), standing in for
 * the key-record fingerprint of docs/protocol/keys.md until core exports it.
 */
export function makeTestNode(provider: CryptoProvider): TestNode {
  const seed = provider.randomBytes(32)
  const publicKey = provider.ed25519.publicKey(seed)
  const fingerprintOf = (key: Uint8Array) => toBase64url(provider.sha512(key))
  return { seed, publicKey, fingerprint: fingerprintOf(publicKey), fingerprintOf }
}

const allow = async (): Promise<AuthorizeResult> => ({ ok: true })

/** Read `n` messages from a channel through its async iterator. */
export async function collect(channel: SecureChannel, n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  if (n === 0) return out
  for await (const m of channel) {
    out.push(m)
    if (out.length === n) break
  }
  return out
}

/** Deterministic test bytes of a given size, distinct per (size, tag). */
function pattern(size: number, tag: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = (i * 31 + tag * 7 + (size & 0xff)) & 0xff
  return out
}

interface Setup {
  client: SecureChannel
  server: SecureChannel
  serverNode: TestNode
  clientNode: TestNode
  endpoint: TransportEndpoint
  errors: Error[]
}

interface SetupOptions {
  serverAuthorize?: (peer: PeerInfo) => Promise<AuthorizeResult>
  clientAuthorize?: (peer: PeerInfo) => Promise<AuthorizeResult>
  limits?: Partial<TransportLimits>
}

/**
 * Run the conformance cases for one binding.
 * @example
 * runTransportConformance({ name: 'tcp', provider, pair: async (o) => { ... } })
 */
export function runTransportConformance({
  name,
  pair,
  provider,
}: {
  name: string
  pair: TransportPair
  provider: CryptoProvider
}): void {
  async function start(
    after: (fn: () => Promise<void>) => void,
    options: SetupOptions = {},
  ): Promise<{
    endpoint: TransportEndpoint
    serverNode: TestNode
    channels: SecureChannel[]
    errors: Error[]
  }> {
    const serverNode = makeTestNode(provider)
    const channels: SecureChannel[] = []
    const errors: Error[] = []
    const endpoint = await pair({
      provider,
      nodeSeed: serverNode.seed,
      fingerprintOf: serverNode.fingerprintOf,
      authorize: options.serverAuthorize ?? allow,
      ...(options.limits ? { limits: options.limits } : {}),
      onChannel: (c) => channels.push(c),
      onError: (e) => errors.push(e),
    })
    after(() => endpoint.close())
    return { endpoint, serverNode, channels, errors }
  }

  async function connected(
    after: (fn: () => Promise<void>) => void,
    options: SetupOptions = {},
  ): Promise<Setup> {
    const { endpoint, serverNode, channels, errors } = await start(after, options)
    const clientNode = makeTestNode(provider)
    const client = await endpoint.connect({
      provider,
      nodeSeed: clientNode.seed,
      fingerprintOf: clientNode.fingerprintOf,
      authorize: options.clientAuthorize ?? allow,
      expectedPeer: serverNode.fingerprint,
      ...(options.limits ? { limits: options.limits } : {}),
    })
    after(async () => void (await client.close()))
    const server = await waitForValue(() => channels[0], 'server channel')
    return { client, server, serverNode, clientNode, endpoint, errors }
  }

  describe(`transport conformance: ${name}`, () => {
    it(`${name}: handshake authenticates both nodes and carries messages of many sizes both ways`, async (t) => {
      const { client, server, serverNode, clientNode } = await connected((fn) => t.after(fn))
      assert.equal(client.peer.fingerprint, serverNode.fingerprint)
      assert.deepEqual(client.peer.publicKey, serverNode.publicKey)
      assert.equal(server.peer.fingerprint, clientNode.fingerprint)
      assert.equal(client.isOpen && server.isOpen, true)
      const sizes = [0, 1, 15, 16, 17, 255, 1000, 4096, 16_384, 65_000]
      const fromClient = sizes.map((s) => pattern(s, 1))
      const fromServer = sizes.map((s) => pattern(s, 2))
      const gotByServer = collect(server, sizes.length)
      const gotByClient = collect(client, sizes.length)
      for (let i = 0; i < sizes.length; i++) {
        await client.send(fromClient[i]!)
        await server.send(fromServer[i]!)
      }
      assert.deepEqual(await gotByServer, fromClient)
      assert.deepEqual(await gotByClient, fromServer)
      assert.equal(client.stats.messagesSent, sizes.length)
      assert.equal(server.stats.messagesReceived, sizes.length)
    })

    it(`${name}: carries a message of exactly the maximum size and refuses one byte more`, async (t) => {
      const limits = { maxMessageBytes: 100_000 }
      const { client, server } = await connected((fn) => t.after(fn), { limits })
      assert.equal(client.maxMessageBytes, 100_000)
      const big = pattern(100_000, 3)
      const got = collect(server, 1)
      await client.send(big)
      assert.deepEqual((await got)[0], big)
      assert.throws(
        () => client.send(new Uint8Array(100_001)),
        (e: unknown) => isProtocolError(e, ErrorCode.LIMIT_EXCEEDED),
      )
      assert.equal(client.isOpen, true, 'a refused send leaves the channel open')
    })

    it(`${name}: rekeys on schedule and traffic continues under the new keys`, async (t) => {
      const limits = { rekeyAfterFrames: 4 }
      const { client, server } = await connected((fn) => t.after(fn), { limits })
      const n = 40
      const gotByServer = collect(server, n)
      const gotByClient = collect(client, n)
      for (let i = 0; i < n; i++) {
        await client.send(pattern(64 + i, 4))
        await server.send(pattern(64 + i, 5))
      }
      assert.deepEqual(
        await gotByServer,
        Array.from({ length: n }, (_, i) => pattern(64 + i, 4)),
      )
      assert.deepEqual(
        await gotByClient,
        Array.from({ length: n }, (_, i) => pattern(64 + i, 5)),
      )
      const { stats: c } = client
      const { stats: s } = server
      assert.ok(
        c.rekeysSent >= n / 4 - 1 && s.rekeysSent >= n / 4 - 1,
        `rekeys ${c.rekeysSent}/${s.rekeysSent}`,
      )
      // A rekey frame may trail the last message: wait for both counters to match.
      await waitForValue(
        () => s.rekeysReceived === c.rekeysSent && c.rekeysReceived === s.rekeysSent,
        `rekeys received ${s.rekeysReceived}/${c.rekeysSent}, ${c.rekeysReceived}/${s.rekeysSent}`,
      )
    })

    it(`${name}: an explicit close is seen by the peer as clean, with its reason`, async (t) => {
      const { client, server } = await connected((fn) => t.after(fn))
      const local = await client.close('done')
      assert.deepEqual({ ...local }, { by: 'local', clean: true, reason: 'done' })
      const remote = await server.closed
      assert.deepEqual({ ...remote }, { by: 'remote', clean: true, reason: 'done' })
      assert.throws(
        () => server.send(new Uint8Array(1)),
        (e: unknown) => isProtocolError(e, ErrorCode.CLOSED),
      )
    })

    it(`${name}: a listener that refuses trust sends rejected with its reason; no data flows`, async (t) => {
      const seen: PeerInfo[] = []
      const serverAuthorize = async (peer: PeerInfo): Promise<AuthorizeResult> => {
        seen.push(peer)
        return { ok: false, reason: 'untrusted' }
      }
      const { endpoint, serverNode, channels, errors } = await start((fn) => t.after(fn), {
        serverAuthorize,
      })
      const clientNode = makeTestNode(provider)
      const delivered: Uint8Array[] = []
      await assert.rejects(
        endpoint.connect({
          provider,
          nodeSeed: clientNode.seed,
          fingerprintOf: clientNode.fingerprintOf,
          expectedPeer: serverNode.fingerprint,
          authorize: allow,
        }),
        (e: unknown) =>
          isProtocolError(e, ErrorCode.FORBIDDEN) &&
          e.message === 'rejected: untrusted' &&
          peerRefusal(e) === 'untrusted',
      )
      const err = await waitForValue(() => errors[0], 'listener error')
      assert.ok(isProtocolError(err, ErrorCode.FORBIDDEN), String(err))
      assert.equal(err.message, 'refused peer: untrusted')
      assert.equal(peerRefusal(err), undefined, 'our own refusal is not the peer refusing us')
      assert.equal(
        seen[0]?.fingerprint,
        clientNode.fingerprint,
        'the gate saw the authenticated peer',
      )
      assert.equal(channels.length, 0, 'no channel reached the application')
      assert.equal(delivered.length, 0)
    })

    it(`${name}: a dialler that refuses trust fails with refused and the listener sees rejected`, async (t) => {
      const { endpoint, serverNode, channels, errors } = await start((fn) => t.after(fn))
      const clientNode = makeTestNode(provider)
      await assert.rejects(
        endpoint.connect({
          provider,
          nodeSeed: clientNode.seed,
          fingerprintOf: clientNode.fingerprintOf,
          expectedPeer: serverNode.fingerprint,
          authorize: async () => ({ ok: false, reason: 'expired' }),
        }),
        (e: unknown) =>
          isProtocolError(e, ErrorCode.FORBIDDEN) &&
          e.message === 'refused peer: expired' &&
          peerRefusal(e) === undefined,
      )
      const err = await waitForValue(() => errors[0], 'listener error')
      assert.ok(
        isProtocolError(err, ErrorCode.FORBIDDEN) && err.message === 'rejected: expired',
        String(err),
      )
      assert.equal(peerRefusal(err), 'expired')
      assert.equal(channels.length, 0)
    })

    it(`${name}: revoking trust while connected closes the channel on both sides`, async (t) => {
      const { client, server, clientNode, endpoint } = await connected((fn) => t.after(fn))
      const got = collect(server, 1)
      await client.send(pattern(10, 6))
      assert.deepEqual(await got, [pattern(10, 6)])
      assert.equal(endpoint.listener.disconnect(clientNode.fingerprint, 'revoked'), 1)
      const info = await client.closed
      assert.equal(info.by, 'remote')
      assert.equal(info.reason, 'revoked')
      assert.ok(isProtocolError(info.error, ErrorCode.FORBIDDEN), String(info.error))
      assert.equal(info.error?.message, 'rejected: revoked')
      assert.equal(peerRefusal(info.error), 'revoked')
      assert.equal((await server.closed).by, 'local')
      assert.throws(
        () => client.send(new Uint8Array(1)),
        (e: unknown) => isProtocolError(e, ErrorCode.CLOSED),
      )
      await waitForValue(
        () => endpoint.listener.channels.size === 0,
        'listener forgets the channel',
      )
    })

    it(`${name}: dialling a node other than the expected one fails with UNAUTHORIZED`, async (t) => {
      const { endpoint, channels } = await start((fn) => t.after(fn))
      const clientNode = makeTestNode(provider)
      const someoneElse = makeTestNode(provider)
      await assert.rejects(
        endpoint.connect({
          provider,
          nodeSeed: clientNode.seed,
          fingerprintOf: clientNode.fingerprintOf,
          expectedPeer: someoneElse.fingerprint,
          authorize: allow,
        }),
        (e: unknown) => isProtocolError(e, ErrorCode.UNAUTHORIZED),
      )
      assert.equal(channels.length, 0)
    })
  })
}

/** Poll until `get` returns a truthy value (conditions, never fixed sleeps). */
async function waitForValue<T>(
  get: () => T | undefined,
  what: string,
  timeout = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeout
  for (;;) {
    const v = get()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
