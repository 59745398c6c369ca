/**
 * Helpers of the security tests (issue 6, docs/security.md): list the secrets an account's
 * SQLite store holds, read them through the vault, and register them for the log scan.
 * @module
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { fromBase64url, isSuite } from '@sdmp/core'
import type { RecipientSecret } from '@sdmp/core'
import { registerSecret } from '@sdmp/testkit'
import { closePeers, restartPeer } from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import { SECRET_NAMES } from '../src/account/index.js'

/**
 * The names in the peer's `secrets` table. The Store interface has no listing on purpose, and
 * an open SQLite store holds an exclusive lock, so the peer is closed, read and reopened.
 */
export async function secretNames(peer: Peer): Promise<string[]> {
  await closePeers([peer])
  const db = new Database(join(peer.home, 'store', 'store.db'), {
    readonly: true,
    fileMustExist: true,
  })
  try {
    const rows = db.prepare('SELECT name FROM secrets ORDER BY name').all() as { name: string }[]
    return rows.map((r) => r.name)
  } finally {
    db.close()
    await restartPeer(peer)
  }
}

/** Every secret the peer holds, by name, opened by its vault. */
export async function heldSecrets(peer: Peer): Promise<Map<string, Uint8Array>> {
  const names = await secretNames(peer)
  const account = peer.account
  const out = new Map<string, Uint8Array>()
  for (const name of names) {
    const value = await account.vault.get(name)
    if (value !== undefined) out.set(name, value)
  }
  return out
}

/** The prekey secrets the account holds (`prekey.<keyId>`, JSON as Account.publishPrekey writes). */
export async function prekeySecrets(peer: Peer): Promise<RecipientSecret[]> {
  const out: RecipientSecret[] = []
  for (const [name, value] of await heldSecrets(peer)) {
    if (!name.startsWith(SECRET_NAMES.prekeyPrefix)) continue
    const p = JSON.parse(new TextDecoder().decode(value)) as Record<string, string>
    if (!isSuite(p['suite'])) throw new Error(`${name}: unknown suite`)
    out.push({
      suite: p['suite'],
      publicKey: fromBase64url(p['publicKey']!),
      secretKey: fromBase64url(p['secretKey']!),
    })
  }
  return out
}

/**
 * Register the node seed, the user seed (if held) and every prekey secret key of an account for
 * the whole-run log scan (run-tests.mjs).
 */
export async function registerAccountSecrets(peer: Peer, label: string): Promise<void> {
  const secrets = await heldSecrets(peer)
  const node = secrets.get(SECRET_NAMES.nodeSeed)
  if (node) registerSecret(node, `${label} node seed`)
  const user = secrets.get(SECRET_NAMES.userSeed)
  if (user) registerSecret(user, `${label} user seed`)
  for (const p of await prekeySecrets(peer))
    registerSecret(p.secretKey, `${label} prekey secret key`)
}
