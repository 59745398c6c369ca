/**
 * Publishing this node's prekey (docs/protocol/envelope.md §7): the secret half is kept in the
 * vault before the public half is signed and published, so no published prekey lacks its secret.
 * @module
 */
import { DEFAULT_PREKEY_POLICY, SUITE_HYBRID, generatePrekey, toBase64url } from '@sdmp/core'
import type { Prekey } from '@sdmp/core'
import type { Account } from './account.js'
import { SECRET_NAMES } from './secret-names.js'

/** Generate, store (secret) and publish a prekey for this node (envelope.md §7). */
export async function publishPrekey(account: Account): Promise<Prekey> {
  const now = account.now()
  const prekey = generatePrekey(account.provider, {
    created: now,
    expires: now + DEFAULT_PREKEY_POLICY.validForMs,
  })
  const secret = {
    keyId: prekey.keyId,
    suite: prekey.secret.suite,
    publicKey: toBase64url(prekey.secret.publicKey),
    secretKey: toBase64url(prekey.secret.secretKey),
    created: prekey.created,
    expires: prekey.expires,
  }
  // The secret is kept before the public half is published: never a prekey nobody can open.
  await account.vault.put(
    SECRET_NAMES.prekeyPrefix + prekey.keyId,
    new TextEncoder().encode(JSON.stringify(secret)),
  )
  const resource = account.signForUser(
    {
      kind: 'prekey',
      created: now,
      data: {
        suite: SUITE_HYBRID,
        key: toBase64url(prekey.publicKey),
        expires: new Date(prekey.expires).toISOString(),
      },
    },
    'read_encrypted',
  )
  await account.publish([resource])
  return prekey
}
