/**
 * Keys at rest for an account: opening a home's vault (refusing a passphrase mismatch in either
 * direction) and loading a signing key checked against the fingerprint in config.json.
 * @module
 */
import { ErrorCode, ProtocolError, signingKeyFromSeed } from '@sdmp/core'
import type { CryptoProvider, SigningKey } from '@sdmp/core'
import { SecretVault, VAULT_HEADER } from '@sdmp/store'
import type { ScryptParams, Store } from '@sdmp/store'

/** What the vault needs from the account dependencies. */
export interface VaultDeps {
  readonly passphrase?: string
  readonly scrypt?: ScryptParams
}

/** SecretVault options from the account dependencies. */
export function vaultOptions(deps: VaultDeps): { passphrase?: string; scrypt?: ScryptParams } {
  return {
    ...(deps.passphrase !== undefined && { passphrase: deps.passphrase }),
    ...(deps.scrypt !== undefined && { scrypt: deps.scrypt }),
  }
}

/**
 * Open an existing home's vault. Opening SecretVault with a passphrase on a home that has none
 * would create a header and seal new secrets among plain ones, so that is refused.
 * @throws UNAUTHORIZED (passphrase missing, wrong, or given for a home without one)
 */
export async function openVault(store: Store, deps: VaultDeps): Promise<SecretVault> {
  const sealed = (await store.getSecret(VAULT_HEADER)) !== undefined
  if (deps.passphrase !== undefined && !sealed)
    throw new ProtocolError(
      ErrorCode.UNAUTHORIZED,
      'this home has no passphrase, but one was given (unset SDMP_PASSPHRASE)',
    )
  if (deps.passphrase === undefined && sealed)
    throw new ProtocolError(
      ErrorCode.UNAUTHORIZED,
      'the keys of this home are sealed: a passphrase is needed (SDMP_PASSPHRASE or --passphrase-file)',
    )
  return SecretVault.open(store, vaultOptions(deps))
}

/** A key from the vault, checked against the fingerprint config.json names. */
export async function loadKey(
  provider: CryptoProvider,
  vault: SecretVault,
  name: string,
  expected: string,
): Promise<SigningKey> {
  const seed = await vault.get(name)
  if (seed === undefined || seed.length !== 32)
    throw new ProtocolError(
      ErrorCode.INCOMPATIBLE_STORE,
      `store: secret ${name} missing or damaged`,
    )
  const key = signingKeyFromSeed(provider, seed)
  if (key.fingerprint !== expected)
    throw new ProtocolError(
      ErrorCode.INCOMPATIBLE_STORE,
      `store: ${name} does not match config.json (a store from another home?)`,
    )
  return key
}

/**
 * The user key, if this device holds one. A rotation writes the new key as `next`, then
 * config.json, then the key itself (account.ts adoptUser): a `next` key matching config.json
 * finishes an interrupted rotation; one that does not was never adopted and is dropped.
 */
export async function loadUserKey(
  provider: CryptoProvider,
  vault: SecretVault,
  names: { readonly userSeed: string; readonly userSeedNext: string },
  user: string | null,
): Promise<SigningKey | undefined> {
  const next = await vault.get(names.userSeedNext)
  if (next !== undefined) {
    if (next.length === 32 && signingKeyFromSeed(provider, next).fingerprint === user) {
      await vault.put(names.userSeed, next)
      await vault.delete(names.userSeedNext)
    } else await vault.delete(names.userSeedNext)
  }
  if ((await vault.get(names.userSeed)) === undefined) return undefined
  return loadKey(provider, vault, names.userSeed, user ?? '')
}
