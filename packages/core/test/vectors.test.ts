/**
 * Checks the committed language-neutral vectors in /vectors: each file is byte-identical to a
 * fresh deterministic build, and every case decodes exactly as the file states (valid cases
 * validate with the stated id; invalid ones fail with the stated code).
 * @module
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  TrustGraph,
  applyToTrustGraph,
  canonicalize,
  fingerprintOf,
  fromBase64url,
  fromHex,
  isProtocolError,
  toHex,
  validateResource,
  verifyJournal,
} from '../src/index.js'
import {
  buildEncodingVectors,
  buildJournalVectors,
  buildResourceVectors,
} from './gen/resource-vectors.js'
import { provider } from './world.js'

const read = (name: string) => readFileSync(`vectors/${name}`, 'utf8')
const te = (s: string) => new TextEncoder().encode(s)

describe('vectors', () => {
  for (const [name, build] of [
    ['resource.json', buildResourceVectors],
    ['encoding.json', buildEncodingVectors],
    ['journal.json', buildJournalVectors],
  ] as const) {
    it(`${name} is byte-identical to a fresh deterministic build`, () => {
      assert.equal(
        read(name),
        JSON.stringify(build(), null, 2) + '\n',
        `regenerate with npm run gen-vectors and review the diff`,
      )
    })
  }

  it('resource.json: keys, valid and invalid cases hold', () => {
    const v = JSON.parse(read('resource.json'))
    const now = Date.parse(v.now)
    for (const k of v.keys) {
      const pub = provider.ed25519.publicKey(fromHex(k.seedHex))
      assert.equal(toHex(pub), k.publicKeyHex)
      assert.equal(fingerprintOf(provider, pub), k.fingerprint)
      assert.equal(k.keyRecord, canonicalize(JSON.parse(k.keyRecord)))
    }
    const graph = new TrustGraph()
    for (const c of v.valid) {
      const r = validateResource(provider, te(c.resource), graph, { now })
      assert.equal(r.id, c.id, c.description)
      applyToTrustGraph(graph, r)
    }
    for (const c of v.invalid) {
      assert.throws(
        () => validateResource(provider, te(c.resource), graph, { now }),
        (e) => isProtocolError(e) && e.code === c.code,
        c.description,
      )
    }
  })

  it('encoding.json: canonical forms and base64url cases hold', () => {
    const v = JSON.parse(read('encoding.json'))
    for (const c of v.canonical) assert.equal(canonicalize(JSON.parse(c.input)), c.canonical)
    assert.equal(v.canonical[2].canonical, '[1000,0.1,0,1.5e-7,123456789012345680000,3]')
    for (const c of v.base64url.valid) assert.equal(toHex(fromBase64url(c.text)), c.hex)
    for (const c of v.base64url.invalid)
      assert.throws(
        () => fromBase64url(c.text),
        (e) => isProtocolError(e, c.code),
        c.why,
      )
  })

  it('journal.json: chains verify or break at the stated line', () => {
    const v = JSON.parse(read('journal.json'))
    for (const c of v.valid) assert.equal(verifyJournal(c.lines, provider.sha512).ok, true)
    for (const c of v.invalid) {
      const r = verifyJournal(c.lines, provider.sha512)
      assert.equal(r.ok, false, c.why)
      assert.equal(r.badLine, c.badLine, c.why)
    }
  })
})
