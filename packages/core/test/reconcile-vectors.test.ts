/**
 * Checks vectors/sync.json: the file equals a fresh deterministic build, every exchange replays
 * byte for byte from the file's own inputs, and every hostile message fails with its code.
 * @module
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  MemoryReconcileStorage,
  Reconciler,
  fromHex,
  isProtocolError,
  toHex,
} from '../src/index.js'
import type { ReconcilerOptions, SyncKey } from '../src/index.js'
import { SYNC_VECTORS_PATH, buildSyncVectors } from './gen/sync-vectors.js'
import { provider } from './world.js'

interface Exchange {
  name: string
  options: ReconcilerOptions
  a: SyncKey[]
  b: SyncKey[]
  messages: { from: 'a' | 'b'; hex: string }[]
  result: { a: { have: string[]; need: string[] }; b: { have: string[]; need: string[] } }
}

const file = JSON.parse(readFileSync(SYNC_VECTORS_PATH, 'utf8'))
const first: Exchange = file.exchanges[0]
const responder = () =>
  new Reconciler(MemoryReconcileStorage.fromKeys(first.b), provider, first.options)

describe('sync vectors', () => {
  it('sync.json is byte-identical to a fresh deterministic build', () => {
    const fresh = JSON.stringify(buildSyncVectors(provider), null, 2) + '\n'
    assert.equal(
      readFileSync(SYNC_VECTORS_PATH, 'utf8'),
      fresh,
      'regenerate with npm run gen-vectors and review the diff',
    )
  })

  for (const ex of file.exchanges as Exchange[]) {
    it(`replays "${ex.name}" message by message`, () => {
      const sides = {
        a: new Reconciler(MemoryReconcileStorage.fromKeys(ex.a), provider, ex.options),
        b: new Reconciler(MemoryReconcileStorage.fromKeys(ex.b), provider, ex.options),
      }
      assert.equal(toHex(sides.a.initiate()), ex.messages[0]!.hex)
      for (let i = 0; i < ex.messages.length; i++) {
        const m = ex.messages[i]!
        const receiver = m.from === 'a' ? sides.b : sides.a
        const reply = receiver.reconcile(fromHex(m.hex)).reply
        const next = ex.messages[i + 1]
        assert.equal(reply === undefined ? undefined : toHex(reply), next?.hex, `message ${i + 1}`)
      }
      for (const s of ['a', 'b'] as const) {
        assert.deepEqual([...sides[s].have].sort(), ex.result[s].have, `${s}.have`)
        assert.deepEqual([...sides[s].need].sort(), ex.result[s].need, `${s}.need`)
      }
    })
  }

  it("the first exchange teaches each side exactly the other side's extra ids", () => {
    const ids = (keys: SyncKey[]) => new Set(keys.map((k) => k.id))
    const a = ids(first.a)
    const b = ids(first.b)
    assert.deepEqual(first.result.a.have, [...a].filter((x) => !b.has(x)).sort())
    assert.deepEqual(first.result.a.need, [...b].filter((x) => !a.has(x)).sort())
    assert.deepEqual(first.result.b.have, first.result.a.need)
    assert.ok(first.result.a.have.length > 0 && first.result.a.need.length > 0)
  })

  it('the collision exchange lists a range again with 32-byte prefixes', () => {
    const ex = (file.exchanges as Exchange[]).find((e) => e.name.includes('colliding'))!
    // mode 2 (ID_LIST) followed by prefix length 0x20 appears in some message
    assert.ok(
      ex.messages.some((m) => m.hex.includes('0220')),
      'no 32-byte id list',
    )
    assert.equal(ex.result.a.have.length, 1)
    assert.equal(ex.result.b.have.length, 1)
  })

  it('version negotiation: an unknown version gets a reject, a reject raises UNSUPPORTED_VERSION', () => {
    const [unknown, reject] = file.negotiation
    const r = responder().reconcile(fromHex(unknown.messageHex))
    assert.equal(toHex(r.reply!), unknown.replyHex)
    assert.equal(r.done, true)
    const initiator = new Reconciler(
      MemoryReconcileStorage.fromKeys(first.a),
      provider,
      first.options,
    )
    initiator.initiate()
    assert.throws(
      () => initiator.reconcile(fromHex(reject.messageHex)),
      (e) => isProtocolError(e, reject.code),
    )
  })

  for (const bad of file.invalid as { name: string; hex: string; code: string }[]) {
    it(`rejects ${bad.name} with ${bad.code}`, () => {
      assert.throws(
        () => responder().reconcile(fromHex(bad.hex)),
        (e) => isProtocolError(e) && e.code === bad.code,
      )
    })
  }
})
