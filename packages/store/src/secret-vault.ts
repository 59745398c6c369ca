/**
 * SecretVault: encryption at rest of a node's secrets when the user sets a passphrase
 * (docs/store.md "Secrets"). scrypt turns the passphrase into a 32-byte key; every secret is
 * sealed with ChaCha20-Poly1305 (both from node:crypto) before it reaches `Store.putSecret`.
 * Without a passphrase the vault passes secrets through unchanged.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { Store } from './store.js'
import { assertBytes, assertName } from './validate.js'

/**
 * Local at-rest tags (not wire formats, so they live here rather than in core's domain.ts).
 * The AEAD associated data binds each sealed value to its vault version and secret name, so a
 * sealed record copied under another name does not open.
 */
const TAG_SECRET = 'sdmp/vault-secret/v1'
const TAG_CHECK = 'sdmp/vault-check/v1'
const TAG_LOCAL = 'sdmp/vault-local/v1'
/** Store name of the vault header (salt, cost parameters, key check). */
export const VAULT_HEADER = 'sdmp.vault'
const FORMAT = 1
const NONCE = 12
const TAG_LEN = 16

/** scrypt cost parameters, stored in the vault header so a vault opens with what created it. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number
  readonly r: number
  readonly p: number
}

/**
 * Default cost: N = 2^17, r = 8, p = 1 (128 MiB, about 0.3-0.5 s here), the OWASP password
 * storage recommendation for scrypt. Tests pass cheaper parameters explicitly.
 */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 })

/** Options of {@link SecretVault.open}. */
export interface SecretVaultOptions {
  /** The user's passphrase; omit for a node without encryption at rest. */
  readonly passphrase?: string
  /** Cost parameters for a new vault (an existing vault keeps its own). */
  readonly scrypt?: ScryptParams
}

function unauthorized(): ProtocolError {
  // One message for every cause (wrong passphrase, tampered header): no oracle.
  return new ProtocolError(ErrorCode.UNAUTHORIZED, 'vault: wrong passphrase or damaged vault')
}

function checkParams(p: ScryptParams): boolean {
  const pow2 =
    Number.isSafeInteger(p.N) && p.N >= 2 ** 10 && p.N <= 2 ** 22 && (p.N & (p.N - 1)) === 0
  return (
    pow2 &&
    Number.isSafeInteger(p.r) &&
    p.r >= 1 &&
    p.r <= 32 &&
    Number.isSafeInteger(p.p) &&
    p.p >= 1 &&
    p.p <= 16
  )
}

function deriveKey(passphrase: string, salt: Uint8Array, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { ...p, maxmem: 256 * p.N * p.r + 2 ** 24 },
      (e, key) => (e ? reject(e) : resolve(key)),
    ),
  )
}

function seal(key: Buffer, aad: string, plain: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE)
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_LEN })
  c.setAAD(Buffer.from(aad), { plaintextLength: plain.length })
  const body = Buffer.concat([c.update(plain), c.final()])
  return new Uint8Array(Buffer.concat([Buffer.of(FORMAT), nonce, body, c.getAuthTag()]))
}

/** Open a sealed value; undefined on any failure (callers pick the uniform error). */
function open(key: Buffer, aad: string, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < 1 + NONCE + TAG_LEN || sealed[0] !== FORMAT) return undefined
  try {
    const d = createDecipheriv('chacha20-poly1305', key, sealed.subarray(1, 1 + NONCE), {
      authTagLength: TAG_LEN,
    })
    d.setAAD(Buffer.from(aad), { plaintextLength: sealed.length - 1 - NONCE - TAG_LEN })
    d.setAuthTag(sealed.subarray(sealed.length - TAG_LEN))
    return new Uint8Array(
      Buffer.concat([d.update(sealed.subarray(1 + NONCE, sealed.length - TAG_LEN)), d.final()]),
    )
  } catch {
    return undefined
  }
}

/**
 * Secrets over a Store, sealed when a passphrase is set. Obtain one with {@link SecretVault.open}.
 * @example
 * const vault = await SecretVault.open(store, { passphrase })
 * await vault.put('node-key', secretKey)
 */
export class SecretVault {
  readonly #store: Store
  readonly #key: Buffer | undefined

  private constructor(store: Store, key: Buffer | undefined) {
    this.#store = store
    this.#key = key
  }

  /**
   * Open (or create, on first use with a passphrase) the vault of `store`.
   * @throws UNAUTHORIZED (wrong passphrase, a passphrase-protected vault opened without one,
   *   or a damaged header)
   */
  static async open(store: Store, options: SecretVaultOptions = {}): Promise<SecretVault> {
    const header = await store.getSecret(VAULT_HEADER)
    const { passphrase } = options
    if (passphrase === undefined) {
      if (header !== undefined) throw unauthorized()
      return new SecretVault(store, undefined)
    }
    if (typeof passphrase !== 'string' || passphrase.length === 0)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'passphrase: expected non-empty string')
    if (header === undefined) {
      const params = options.scrypt ?? DEFAULT_SCRYPT
      if (!checkParams(params)) throw new RangeError('vault: scrypt parameters out of range')
      const salt = randomBytes(16)
      const key = await deriveKey(passphrase, salt, params)
      const check = seal(key, TAG_CHECK, new Uint8Array(0))
      const record = {
        v: FORMAT,
        salt: salt.toString('base64url'),
        ...params,
        check: Buffer.from(check).toString('base64url'),
      }
      await store.putSecret(VAULT_HEADER, new TextEncoder().encode(JSON.stringify(record)))
      return new SecretVault(store, key)
    }
    let record: {
      v?: unknown
      salt?: unknown
      N?: unknown
      r?: unknown
      p?: unknown
      check?: unknown
    }
    try {
      record = JSON.parse(new TextDecoder().decode(header)) as typeof record
    } catch {
      throw unauthorized()
    }
    const params = { N: record.N, r: record.r, p: record.p } as ScryptParams
    if (
      record.v !== FORMAT ||
      typeof record.salt !== 'string' ||
      typeof record.check !== 'string' ||
      !checkParams(params)
    )
      throw unauthorized()
    const key = await deriveKey(passphrase, Buffer.from(record.salt, 'base64url'), params)
    if (open(key, TAG_CHECK, Buffer.from(record.check, 'base64url')) === undefined)
      throw unauthorized()
    return new SecretVault(store, key)
  }

  /** True when secrets are sealed (a passphrase is set). */
  get encrypted(): boolean {
    return this.#key !== undefined
  }

  #aad(name: string): string {
    return `${TAG_SECRET}\n${name}`
  }

  /** Store a secret, sealed when encrypted. @throws BAD_REQUEST */
  async put(name: string, value: Uint8Array): Promise<void> {
    this.#checkName(name)
    assertBytes(value, 'secret value')
    await this.#store.putSecret(name, this.#key ? seal(this.#key, this.#aad(name), value) : value)
  }

  /** A secret, or undefined. @throws BAD_REQUEST, DECRYPT_FAILED (tampered or swapped record) */
  async get(name: string): Promise<Uint8Array | undefined> {
    this.#checkName(name)
    const stored = await this.#store.getSecret(name)
    if (stored === undefined || !this.#key) return stored
    const plain = open(this.#key, this.#aad(name), stored)
    if (!plain) throw new ProtocolError(ErrorCode.DECRYPT_FAILED, 'decryption failed')
    return plain
  }

  /** Delete a secret; a missing one is fine. @throws BAD_REQUEST */
  async delete(name: string): Promise<void> {
    this.#checkName(name)
    await this.#store.deleteSecret(name)
  }

  /**
   * Seal a node-local record value (docs/store.md "Local records") under the vault key, bound
   * to its namespace and key: a sealed value copied under another key or namespace does not
   * open. Without a passphrase the value is returned unchanged (nothing to seal with).
   * @example store.putLocal(ns, [{ key, value: vault.sealLocal(ns, key, plain) }])
   */
  sealLocal(ns: string, key: string, value: Uint8Array): Uint8Array {
    assertBytes(value, 'local value')
    return this.#key ? seal(this.#key, this.#localAad(ns, key), value) : value
  }

  /**
   * Open a value sealed by {@link sealLocal} for the same namespace and key.
   * @throws DECRYPT_FAILED (tampered, truncated or moved record; one message for every cause)
   */
  openLocal(ns: string, key: string, sealed: Uint8Array): Uint8Array {
    assertBytes(sealed, 'local value')
    if (!this.#key) return sealed
    const plain = open(this.#key, this.#localAad(ns, key), sealed)
    if (!plain) throw new ProtocolError(ErrorCode.DECRYPT_FAILED, 'decryption failed')
    return plain
  }

  #localAad(ns: string, key: string): string {
    // Namespaces never contain a newline and keys are printable ASCII: the join is unambiguous.
    return `${TAG_LOCAL}\n${ns}\n${key}`
  }

  #checkName(name: string): void {
    assertName(name, 'secret name')
    if (name === VAULT_HEADER)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, `secret name: ${VAULT_HEADER} is reserved`)
  }
}
