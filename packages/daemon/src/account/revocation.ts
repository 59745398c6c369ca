/**
 * A revoked device is told (issue 11, docs/protocol/trust.md §6.1): when this node holds a
 * `revoke` of the trust that authorized it, and no other trust of its user still does, it knows
 * when and by which device it was revoked. The fact is kept in `<home>/revoked.json` (so
 * `whoami` can say it without opening the store), publishing is refused with `REVOKED`, and the
 * daemon stops dialling.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, ProtocolError, decodeResource, isJsonObject, parseStrict } from '@sdmp/core'
import type { ContentData, CryptoProvider, TrustGraph } from '@sdmp/core'
import type { Store } from '@sdmp/store'

/** The file name inside the home. */
export const REVOKED_FILE = 'revoked.json'

/** When and by whom this device was revoked. */
export interface Revocation {
  /** ISO 8601: `sdmp.created` of the revoke resource. */
  readonly at: string
  /** The device the revocation was made on (else the key that signed it). */
  readonly by: string
  /** The revoke resource id. */
  readonly resource: string
}

/**
 * The `reason` of a device revocation: it names the device it was made on, so the revoked
 * device can say by which one (the revoke itself is usually signed by the user key).
 */
export function revokeReason(node: string): string {
  return `device revoked from ${node}`
}

/** The device a revocation was made on, from its reason, else its signer. */
function revokedBy(reason: string | undefined, signer: string): string {
  const m = /^device revoked from ([A-Za-z0-9_-]{86})$/.exec(reason ?? '')
  return m?.[1] ?? signer
}

/** The sentence every surface shows (status, whoami, device list, refused commands). */
export function describeRevocation(r: Revocation): string {
  return `this device was revoked on ${r.at.slice(0, 10)} by ${r.by.slice(0, 12)}`
}

/** The error a revoked device gives for anything that would publish. */
export function revokedError(r: Revocation): ProtocolError {
  return new ProtocolError(
    ErrorCode.REVOKED,
    `${describeRevocation(r)}: it can no longer publish (authorize it again from another device)`,
  )
}

/** The recorded revocation of the home, or undefined (no file, or a malformed one). */
export function readRevocation(home: string): Revocation | undefined {
  try {
    const v = parseStrict(readFileSync(join(home, REVOKED_FILE), 'utf8'), REVOKED_FILE, 4096)
    if (
      isJsonObject(v) &&
      typeof v['at'] === 'string' &&
      typeof v['by'] === 'string' &&
      typeof v['resource'] === 'string'
    )
      return { at: v['at'], by: v['by'], resource: v['resource'] }
  } catch {
    // no file
  }
  return undefined
}

/** Record the revocation (0600). */
export function writeRevocation(home: string, r: Revocation): void {
  writeFileSync(join(home, REVOKED_FILE), `${JSON.stringify(r)}\n`, { mode: 0o600 })
}

/**
 * Find the revocation of `node` by `user` in the store: undefined while any trust of `user`
 * still authorizes the node (or the node has no user yet).
 */
export async function findRevocation(
  deps: { store: Store; provider: CryptoProvider; graph: TrustGraph },
  user: string | undefined,
  node: string,
  now: number,
): Promise<Revocation | undefined> {
  if (user === undefined || deps.graph.isNodeOf(node, user, now)) return undefined
  const { store, provider } = deps
  const decode = async (id: string) => {
    const bytes = await store.getResource(id)
    return bytes === undefined ? undefined : decodeResource(provider, bytes)
  }
  let found: Revocation | undefined
  let after = 0
  for (;;) {
    const metas = await store.queryResources({
      kinds: ['revoke'],
      user,
      afterPosition: after,
      limit: 1000,
    })
    if (metas.length === 0) return found
    for (const m of metas) {
      const revoke = await decode(m.id)
      if (revoke === undefined) continue
      const target = await decode((revoke.data as ContentData<'revoke'>).resource)
      if (target?.kind !== 'trust') continue
      if ((target.data as ContentData<'trust'>).trustee !== node) continue
      const at = new Date(revoke.created).toISOString()
      // The earliest revocation is the one that ended this device.
      if (found === undefined || at < found.at)
        found = {
          at,
          by: revokedBy((revoke.data as ContentData<'revoke'>).reason, revoke.signatures[0]!.kid),
          resource: revoke.id,
        }
    }
    after = metas[metas.length - 1]!.position
  }
}

/**
 * What this device knows of its own revocation (trust.md §6.1): loaded from
 * `<home>/revoked.json`, found in the store when a revocation arrives, recorded once, and told
 * to the listeners once.
 */
export class RevocationWatch {
  readonly #home: string
  #revoked: Revocation | undefined
  readonly #listeners = new Set<(r: Revocation) => void>()

  constructor(home: string) {
    this.#home = home
    this.#revoked = readRevocation(home)
  }

  /** When and by whom this device was revoked, once it knows. */
  get revoked(): Revocation | undefined {
    return this.#revoked
  }

  /** Be told once when this device learns it was revoked. */
  onRevoked(listener: (r: Revocation) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Look for a revocation with `find`; record it and tell the listeners the first time. */
  async check(find: () => Promise<Revocation | undefined>): Promise<Revocation | undefined> {
    if (this.#revoked !== undefined) return this.#revoked
    const found = await find()
    if (found === undefined || this.#revoked !== undefined) return this.#revoked
    this.#revoked = found
    writeRevocation(this.#home, found)
    for (const l of this.#listeners) l(found)
    return found
  }
}
