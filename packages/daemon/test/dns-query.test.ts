/**
 * The SVCB RDATA decoder and the resolver address parser (docs/protocol/addresses.md §3): what
 * a resolver or a hostile zone sends is read with every length checked; anything malformed is
 * BAD_REQUEST, never a crash or an out-of-range read.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ProtocolError, isAddress, parseAddress } from '@sdmp/core'
import { decodeSvcb, encodeSvcb, parseDnsServer } from '@sdmp/daemon'

const bad = (f: () => unknown) =>
  assert.throws(f, (e: unknown) => e instanceof ProtocolError && e.code === 'BAD_REQUEST')

describe('decodeSvcb', () => {
  it('reads priority, target, port and alpn; "." is the owner; AliasMode names its target', () => {
    const rdata = encodeSvcb({
      priority: 2,
      host: 'chat.example.org.',
      port: 8443,
      alpn: ['h2', 'http/1.1'],
    })
    assert.deepEqual(decodeSvcb(rdata, '_sdmp.example.org'), {
      host: 'chat.example.org',
      port: 8443,
      priority: 2,
      alpn: ['h2', 'http/1.1'],
    })
    assert.deepEqual(decodeSvcb(encodeSvcb({ priority: 1, host: '.' }), '_sdmp.x.org'), {
      host: '_sdmp.x.org',
      port: 443,
      priority: 1,
    })
    assert.deepEqual(decodeSvcb(encodeSvcb({ priority: 0, host: 'other.org.' }), 'o'), {
      priority: 0,
      alias: 'other.org',
    })
    // RFC 9460 §2.5.1: an AliasMode target of "." says the service is not offered.
    assert.deepEqual(decodeSvcb(encodeSvcb({ priority: 0, host: '.' }), 'o'), {
      priority: 0,
      alias: undefined,
    })
  })

  it('refuses truncated, overrunning, compressed or disordered RDATA', () => {
    const good = encodeSvcb({ priority: 1, host: 'a.example', port: 443, alpn: ['h2'] })
    for (let n = 0; n < good.length; n++) {
      // Every strict prefix is cut inside the name or a parameter, except those ending right
      // after the name (13 bytes) or after the alpn parameter (20): valid, with fewer params.
      if (n === 13 || n === 20) continue
      bad(() => decodeSvcb(good.subarray(0, n), 'o'))
    }
    bad(() => decodeSvcb(Buffer.from([0, 1, 0xc0, 0x0c]), 'o')) // a compression pointer
    bad(() => decodeSvcb(Buffer.from([0, 1, 0, 0, 3, 0, 2, 1, 0, 0, 3, 0, 2, 1, 0]), 'o')) // key repeated
    bad(() => decodeSvcb(Buffer.from([0, 1, 0, 0, 3, 0, 3, 1, 0, 0]), 'o')) // port of 3 bytes
    bad(() => decodeSvcb(Buffer.from([0, 1, 0, 0, 3, 0, 2, 0, 0]), 'o')) // port 0
    bad(() => decodeSvcb(Buffer.from([0, 1, 0, 0, 1, 0, 2, 5, 0x68]), 'o')) // alpn overrun
    bad(() => decodeSvcb(new Uint8Array(0), 'o'))
  })
})

describe('parseDnsServer and addresses', () => {
  it('parses resolvers and refuses names or bad ports', () => {
    assert.deepEqual(parseDnsServer('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 })
    assert.deepEqual(parseDnsServer('[::1]:53'), { host: '::1', port: 53 })
    assert.deepEqual(parseDnsServer('10.0.0.1'), { host: '10.0.0.1', port: 53 })
    for (const s of ['dns.google', '127.0.0.1:0', '127.0.0.1:70000', '', '300.1.1.1'])
      bad(() => parseDnsServer(s))
  })

  it('accepts name@domain in lower case and refuses look-alikes and junk', () => {
    assert.equal(parseAddress(' Alice@Example.ORG. ')?.address, 'alice@example.org')
    for (const s of [
      'alice@localhost',
      'alice@exämple.org',
      '@example.org',
      'a@b@example.org',
      '.alice@example.org',
      'alice@-x.org',
      'sdmp-invite:1:abc',
      `${'a'.repeat(65)}@example.org`,
      `a@${'b'.repeat(240)}.org`,
      42,
      null,
      ['a@b.org'],
    ])
      assert.equal(isAddress(s), false, String(s))
  })
})
