/** SecretVault: sealing at rest, wrong passphrase, tampering and swapped records. @module */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { isProtocolError } from '@sdmp/core'
import { MemoryStore } from '../src/memory-store.js'
import { SecretVault, VAULT_HEADER } from '../src/secret-vault.js'

const sha512 = (d: Uint8Array) => new Uint8Array(createHash('sha512').update(d).digest())
// Cheap cost for tests; the default (N = 2^17) is exercised once below.
const scrypt = { N: 2 ** 10, r: 8, p: 1 }
const secret = new Uint8Array(32).map((_, i) => i + 1)

async function storeWithVault(passphrase = 'correct horse') {
  const store = new MemoryStore({ sha512 })
  await store.open()
  const vault = await SecretVault.open(store, { passphrase, scrypt })
  await vault.put('node-key', secret)
  return { store, vault }
}

const code = (c: string) => (e: unknown) => isProtocolError(e) && e.code === c

describe('SecretVault', () => {
  it('seals secrets at rest and opens them with the passphrase', async () => {
    const { store, vault } = await storeWithVault()
    assert.equal(vault.encrypted, true)
    const raw = await store.getSecret('node-key')
    assert.ok(raw && raw.length === 1 + 12 + 32 + 16, 'format byte, nonce, ciphertext, tag')
    assert.equal(Buffer.from(raw).includes(Buffer.from(secret.subarray(0, 8))), false)
    assert.deepEqual(await vault.get('node-key'), secret)
    const again = await SecretVault.open(store, { passphrase: 'correct horse' })
    assert.deepEqual(await again.get('node-key'), secret)
    assert.equal(await again.get('missing'), undefined)
    await again.delete('node-key')
    assert.equal(await vault.get('node-key'), undefined)
  })

  it('rejects a wrong or missing passphrase with one UNAUTHORIZED error', async () => {
    const { store } = await storeWithVault()
    const messages = new Set<string>()
    for (const options of [{ passphrase: 'wrong' }, { passphrase: 'correct horsE' }, {}]) {
      await assert.rejects(SecretVault.open(store, options), (e: unknown) => {
        assert.ok(isProtocolError(e, 'UNAUTHORIZED'), String(e))
        messages.add(e.message)
        return true
      })
    }
    assert.equal(messages.size, 1, 'uniform message')
  })

  it('rejects a damaged header as UNAUTHORIZED and a tampered or swapped secret as DECRYPT_FAILED', async () => {
    const { store, vault } = await storeWithVault()
    await vault.put('other', new Uint8Array([9, 9]))
    const sealed = (await store.getSecret('node-key'))!
    const flipped = sealed.slice()
    flipped[20] = flipped[20]! ^ 1
    await store.putSecret('node-key', flipped)
    await assert.rejects(vault.get('node-key'), code('DECRYPT_FAILED'))
    await store.putSecret('node-key', (await store.getSecret('other'))!)
    await assert.rejects(
      vault.get('node-key'),
      code('DECRYPT_FAILED'),
      'record moved to another name',
    )
    const header = (await store.getSecret(VAULT_HEADER))!
    const h = JSON.parse(new TextDecoder().decode(header)) as Record<string, unknown>
    await store.putSecret(
      VAULT_HEADER,
      new TextEncoder().encode(JSON.stringify({ ...h, salt: 'AAAAAAAAAAAAAAAAAAAAAA' })),
    )
    await assert.rejects(
      SecretVault.open(store, { passphrase: 'correct horse' }),
      code('UNAUTHORIZED'),
    )
    await store.putSecret(VAULT_HEADER, new TextEncoder().encode('not json'))
    await assert.rejects(
      SecretVault.open(store, { passphrase: 'correct horse' }),
      code('UNAUTHORIZED'),
    )
  })

  it('passes secrets through without a passphrase and guards its header name', async () => {
    const store = new MemoryStore({ sha512 })
    const vault = await SecretVault.open(store)
    assert.equal(vault.encrypted, false)
    await vault.put('k', secret)
    assert.deepEqual(await store.getSecret('k'), secret)
    await assert.rejects(vault.put(VAULT_HEADER, secret), code('BAD_REQUEST'))
    await assert.rejects(vault.get(''), code('BAD_REQUEST'))
    await assert.rejects(SecretVault.open(store, { passphrase: '' }), code('BAD_REQUEST'))
  })

  it('uses scrypt N = 2^17, r = 8, p = 1 by default', async () => {
    const store = new MemoryStore({ sha512 })
    const vault = await SecretVault.open(store, { passphrase: 'pw' })
    await vault.put('k', secret)
    const h = JSON.parse(
      new TextDecoder().decode((await store.getSecret(VAULT_HEADER))!),
    ) as Record<string, unknown>
    assert.deepEqual([h['N'], h['r'], h['p']], [2 ** 17, 8, 1])
    assert.deepEqual(await (await SecretVault.open(store, { passphrase: 'pw' })).get('k'), secret)
  })
})
