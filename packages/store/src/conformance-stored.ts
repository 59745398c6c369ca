/**
 * Conformance cases for the stored form (docs/protocol/compact.md §6): whatever a backend keeps
 * at rest, getResource gives back the exact canonical JSON bytes of signed resources, whether
 * they came as JSON or with their compact form, and after a reopen.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  createNobleProvider,
  encodeCompactResource,
  resourceJsonBytes,
  signResource,
  signingKeyFromSeed,
  toBase64url,
} from '@sdmp/core'
import type { Harness } from './conformance-kit.js'
import type { IngestItem } from './store.js'

/** `n` signed posts (distinct bodies, base64url inside) by one user's key, as items. */
export function signedItems(n: number, from = 0): IngestItem[] {
  const provider = createNobleProvider()
  const key = signingKeyFromSeed(provider, new Uint8Array(32).fill(7))
  return Array.from({ length: n }, (_, k) => {
    const i = from + k
    const r = signResource(
      provider,
      {
        kind: 'post',
        user: key.fingerprint,
        created: 1_767_225_600_000 + i,
        data: { body: `post ${i} ${toBase64url(new Uint8Array(24).fill(i))}`, type: 'text' },
      },
      [key],
    )
    return { id: r.id, user: key.fingerprint, kind: r.kind, created: r.created, bytes: r.bytes }
  })
}

/** Register the stored-form cases for one backend. */
export function registerStoredCases(h: Harness): void {
  const n = h.name
  describe(`${n}: stored form`, () => {
    it(`${n}: signed resources come back as their exact JSON bytes, also after reopen`, () =>
      h.with(async (store) => {
        const items = signedItems(6)
        const provider = createNobleProvider()
        // Half of them arrive with their compact form already (a RESOURCE_COMPACT frame).
        const puts = items.map((it, i) =>
          i % 2 === 0 ? { ...it, compact: encodeCompactResource(provider, it.bytes) } : it,
        )
        await store.putResources(puts)
        for (const it of items) {
          assert.deepEqual(await store.getResource(it.id), it.bytes)
          // The bytes at rest, in whichever form, stand for exactly the same JSON.
          if (store.getStoredResource === undefined) continue
          const raw = await store.getStoredResource(it.id)
          assert.deepEqual(resourceJsonBytes(provider, raw!), it.bytes)
        }
        assert.equal(await store.getStoredResource?.(signedItems(1, 99)[0]!.id), undefined)
        if (!h.options.persistent) return store
        const reopened = await h.options.reopen!(store)
        for (const it of items) assert.deepEqual(await reopened.getResource(it.id), it.bytes)
        return reopened
      }))
  })
}
