/**
 * The rendezvous directory (issue 17, docs/protocol/relays.md §7) over real HTTP on loopback:
 * register and look up signed address records; expired records are not served; a record signed
 * by another key and an older record are refused; hostile requests get coded errors.
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createServer } from 'node:http'
import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ErrorCode, isProtocolError, signingKeyFromSeed, toBase64url } from '@sdmp/core'
import { provider } from '@sdmp/testkit/node-world'
import {
  lookupAddressRecord,
  registerAddressRecord,
  signAddressRecord,
  startRendezvousServer,
  verifyAddressRecord,
} from '../src/index.js'

const key = () => signingKeyFromSeed(provider, provider.randomBytes(32))
const HOUR = 3_600_000

async function server(limits = {}) {
  let now = Date.parse('2026-12-05T12:00:00Z')
  const s = await startRendezvousServer({
    provider,
    listen: { host: '127.0.0.1', port: 0 },
    limits,
    clock: () => now,
  })
  after(() => s.close())
  return { s, now: () => now, advance: (ms: number) => (now += ms) }
}

const is = (code: string) => (e: unknown) => isProtocolError(e) && e.code === code

describe('rendezvous directory', () => {
  it('registers a signed record and serves it by fingerprint', async () => {
    const { s, now } = await server()
    const k = key()
    const addresses = ['ws://relay.example.org/v1/relay/' + k.fingerprint, '192.0.2.7:7420']
    await registerAddressRecord(s.url, signAddressRecord(provider, k, addresses, now()))
    const got = await lookupAddressRecord(s.url, k.fingerprint, provider, now())
    assert.deepEqual(got.addresses, addresses)
    assert.equal(got.node, k.fingerprint)
    await assert.rejects(
      lookupAddressRecord(s.url, key().fingerprint, provider, now()),
      is(ErrorCode.NOT_FOUND),
    )
  })

  it('does not serve an expired record', async () => {
    const { s, now, advance } = await server()
    const k = key()
    await registerAddressRecord(s.url, signAddressRecord(provider, k, ['h:1'], now(), HOUR))
    advance(HOUR + 1)
    await assert.rejects(
      lookupAddressRecord(s.url, k.fingerprint, provider, now()),
      is(ErrorCode.NOT_FOUND),
    )
    // Nor accepts one that is already expired, or lives longer than 24 h.
    await assert.rejects(
      registerAddressRecord(s.url, signAddressRecord(provider, k, ['h:1'], now() - 2 * HOUR, HOUR)),
      is(ErrorCode.EXPIRED),
    )
    await assert.rejects(
      registerAddressRecord(s.url, signAddressRecord(provider, k, ['h:1'], now(), 48 * HOUR)),
      is(ErrorCode.EXPIRED),
    )
  })

  it('refuses a record signed by another key', async () => {
    const { s, now } = await server()
    const alice = key()
    const mallory = key()
    // Mallory's signature over a record naming Alice's node and key.
    const real = signAddressRecord(provider, alice, ['h:1'], now())
    const forged = signAddressRecord(provider, mallory, ['h:2'], now())
    await assert.rejects(
      registerAddressRecord(s.url, { record: real.record, signature: forged.signature }),
      is(ErrorCode.INVALID_SIGNATURE),
    )
    // A record naming Alice's node with Mallory's key: the key is not the node's.
    const claim = { ...alice, publicKey: mallory.publicKey, seed: mallory.seed }
    await assert.rejects(
      registerAddressRecord(s.url, signAddressRecord(provider, claim, ['h:2'], now())),
      is(ErrorCode.INVALID_SIGNATURE),
    )
    await assert.rejects(
      lookupAddressRecord(s.url, alice.fingerprint, provider, now()),
      is(ErrorCode.NOT_FOUND),
    )
  })

  it('a stale (older) record cannot replace a newer one; a replay is refused', async () => {
    const { s, now, advance } = await server()
    const k = key()
    const older = signAddressRecord(provider, k, ['old.example:1'], now())
    advance(1000)
    const newer = signAddressRecord(provider, k, ['new.example:1'], now())
    await registerAddressRecord(s.url, newer)
    await assert.rejects(registerAddressRecord(s.url, older), is(ErrorCode.CONFLICT))
    await assert.rejects(registerAddressRecord(s.url, newer), is(ErrorCode.CONFLICT))
    const got = await lookupAddressRecord(s.url, k.fingerprint, provider, now())
    assert.deepEqual(got.addresses, ['new.example:1'])
  })

  it('a client refuses what a hostile directory answers, with codes', async () => {
    const k = key()
    const other = signAddressRecord(provider, key(), ['h:1'], Date.now())
    const answers: Record<string, (res: ServerResponse) => void> = {
      huge: (res) => res.end('x'.repeat(1024 * 1024)),
      chunked: (res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        for (let i = 0; i < 64; i++) res.write('x'.repeat(1024))
        res.end()
      },
      notJson: (res) => res.end('<html>'),
      otherNode: (res) => res.end(JSON.stringify(other)),
      garbage: (res) => res.end('{"record":"%%%","signature":"x"}'),
      badCode: (res) => res.writeHead(500).end('{"error":{"code":"NOPE","message":"m"}}'),
    }
    let answer = answers['huge']!
    const hostile = createServer((_req, res) => answer(res))
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve))
    after(() => new Promise<void>((resolve) => hostile.close(() => resolve())))
    const url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`
    const expected: Record<string, string> = {
      huge: 'LIMIT_EXCEEDED',
      chunked: 'LIMIT_EXCEEDED',
      notJson: 'UNAVAILABLE',
      otherNode: 'INVALID_SIGNATURE',
      garbage: 'INVALID_ENCODING',
      badCode: 'UNAVAILABLE',
    }
    for (const [name, code] of Object.entries(expected)) {
      answer = answers[name]!
      await assert.rejects(lookupAddressRecord(url, k.fingerprint, provider, Date.now()), is(code))
    }
  })

  it('answers hostile input with coded errors and rate limits each source', async () => {
    const { s, now } = await server({ requestsPerWindow: 40 })
    const post = (body: string | Uint8Array) =>
      fetch(`${s.url}/v1/records`, {
        method: 'POST',
        body: typeof body === 'string' ? body : Buffer.from(body),
      }).then(async (r) => ({
        status: r.status,
        code: ((await r.json()) as { error: { code: string } }).error.code,
      }))
    const k = key()
    const good = signAddressRecord(provider, k, ['h:1'], now())
    const cases: [string | Uint8Array, string][] = [
      ['not json', 'INVALID_ENCODING'],
      ['[]', 'BAD_REQUEST'],
      ['{"record":1,"signature":"x"}', 'BAD_REQUEST'],
      [JSON.stringify({ ...good, extra: 1 }), 'BAD_REQUEST'],
      [JSON.stringify({ record: good.record, signature: 'AAAA' }), 'INVALID_ENCODING'],
      [
        JSON.stringify({ record: toBase64url(new Uint8Array([0xff])), signature: good.signature }),
        'INVALID_ENCODING',
      ],
      [JSON.stringify({ __proto__: { x: 1 }, record: good.record }), 'BAD_REQUEST'],
      ['x'.repeat(20_000), 'LIMIT_EXCEEDED'],
      [new Uint8Array([0xc3, 0x28]), 'BAD_REQUEST'],
    ]
    const got: string[] = []
    for (const [body] of cases) got.push((await post(body)).code)
    assert.deepEqual(
      got,
      cases.map(([, code]) => code),
    )
    // Addresses a node record could not hold.
    const badAddr = signAddressRecord(provider, k, ['ftp://nope'], now())
    assert.equal((await post(JSON.stringify(badAddr))).code, 'BAD_REQUEST')
    const notFound = await fetch(`${s.url}/v1/nothing`)
    assert.equal(notFound.status, 404)
    assert.equal(((await notFound.json()) as { error: { code: string } }).error.code, 'NOT_FOUND')
    // The verifier itself: type confusion.
    for (const v of [null, 1, 'x', [], { record: good.record }, { signature: good.signature }])
      assert.throws(() => verifyAddressRecord(provider, v, now()), is(ErrorCode.BAD_REQUEST))
    // Past the budget of this source: 429 LIMIT_EXCEEDED.
    let last = 0
    for (let i = 0; i < 40 && last !== 429; i++)
      last = (await fetch(`${s.url}/v1/records/${k.fingerprint}`)).status
    assert.equal(last, 429)
  })
})
