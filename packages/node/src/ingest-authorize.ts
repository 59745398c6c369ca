/**
 * The first half of the ingest pipeline (ingest.ts): decode a batch, order it so identities and
 * trusts come first, and authorize each resource against the trust graph, the block list, the
 * trust closure (admission.ts) and the author quotas (sync.md §9), before anything is stored.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  applyToTrustGraph,
  SEALABLE_KINDS,
  checkResource,
  decodeCompactResource,
  decodeResource,
  isCompactResource,
} from '@sdmp/core'
import type { CompactHash, CryptoProvider, DecodedResource, TrustGraph, Verified } from '@sdmp/core'
import { storedForm } from '@sdmp/store'
import { admission } from './admission.js'
import { BLOCKED, OVER_QUOTA, rejected } from './ingest-outcome.js'
import type { IngestOutcome } from './ingest-outcome.js'
import type { AuthorQuota } from './author-quota.js'

/** Order in which a batch is validated, so that identities and trusts precede what they authorize. */
const KIND_ORDER: Record<string, number> = { identity: 0, trust: 1, revoke: 2, prekey: 3, node: 4 }

/** Only {@link compactReceived} makes a {@link CompactReceived}. */
declare const decoded: unique symbol

/**
 * A resource received in the compact form (a RESOURCE_COMPACT frame, compact.md §7): the JSON
 * text it decodes to, which is what is validated, and the compact bytes, which the store keeps
 * as they came ({@link restingForm}). Made by {@link compactReceived} only, so that `bytes` is
 * always what `compact` decodes to: the store keeps `compact` on the strength of validating
 * `bytes` (verify before store).
 */
export interface CompactReceived {
  readonly bytes: Uint8Array
  readonly compact: Uint8Array
  readonly [decoded]: true
}

/**
 * Decode a received compact text (compact.md §4), keeping it to store as it came.
 * @throws INVALID_ENCODING, LIMIT_EXCEEDED, UNSUPPORTED_VERSION (a malformed compact text)
 */
export function compactReceived(hash: CompactHash, compact: Uint8Array): CompactReceived {
  return { bytes: decodeCompactResource(hash, compact), compact } as CompactReceived
}

/** One item of a batch: its bytes (or decoded form) and the peer it came from. */
export interface Item {
  readonly item: Uint8Array | DecodedResource
  readonly source: string | undefined
  /**
   * The compact form the item's JSON bytes were decoded from (a RESOURCE_COMPACT frame,
   * compact.md §7), stored as it came instead of encoding the JSON again (see {@link restingForm}).
   */
  readonly compact?: Uint8Array | undefined
  /** The inner resource of an envelope this node sealed (`Publication`). */
  readonly inner?: DecodedResource
}

/** One resource of a decoded batch, at index `i` of the input. */
export interface Todo {
  readonly r: DecodedResource
  readonly i: number
  readonly source: string | undefined
  readonly compact?: Uint8Array
  readonly inner?: DecodedResource
}

/** A decoded batch, ordered so that identities and trusts come first. */
export interface Prepared {
  readonly outcomes: IngestOutcome[]
  readonly todo: Todo[]
}

/** A resource authorized for storage. */
export interface Accepted {
  readonly v: Verified
  readonly i: number
  /** Counted against its author's quota already (released if not inserted). */
  readonly reserved: boolean
  /**
   * The bytes the store keeps at rest (compact.md §6): what the quota counts, like
   * `Store.usageOf` (sync.md §9), and handed to the store as `IngestItem.compact`.
   */
  readonly resting: Uint8Array
  readonly inner?: Verified
}

/** What {@link authorizeBatch} decided. */
export interface Authorized {
  /** To store, first copy of each id only. */
  readonly accepted: Accepted[]
  /** Later copies in the batch: input index `i` gets the outcome of `accepted[k]`. */
  readonly copies: { i: number; k: number }[]
  /** Waiting for an authorization that has not arrived: to park. */
  readonly waiting: Todo[]
}

/** What {@link authorizeBatch} needs from its ingestor. */
export interface AuthorizeContext {
  readonly provider: CryptoProvider
  readonly graph: TrustGraph
  readonly quota: AuthorQuota
  /** The node's user (admission closure), undefined admits everything verified. */
  readonly user: string | undefined
  isBlocked(author: string, at: number): boolean
  /** Whether two users are fellow members of one of our groups (groups.md §5; Ingestor.fellows). */
  fellows(a: string, b: string): boolean
  /** Fellow members of one user (groups.md §5; Ingestor.fellowsOf), if the caller knows them. */
  readonly fellowsOf?: ((user: string) => readonly string[]) | undefined
  /** Whether a resource counts against its author's quota. */
  limited(source: string | undefined, r: DecodedResource): boolean
}

/** Decode and order a batch; undecodable items get their outcome at once. */
export function prepareBatch(provider: CryptoProvider, items: readonly Item[]): Prepared {
  const outcomes: IngestOutcome[] = new Array(items.length)
  const todo: Todo[] = []
  items.forEach(({ item, source, inner, compact }, i) => {
    try {
      todo.push({
        r: item instanceof Uint8Array ? decodeResource(provider, item) : item,
        i,
        source,
        ...(inner && { inner }),
        ...(compact && { compact }),
      })
    } catch (e) {
      outcomes[i] = rejected(e)
    }
  })
  // Identities and trusts first, so that what they authorize validates in the same batch.
  todo.sort((a, b) => (KIND_ORDER[a.r.kind] ?? 9) - (KIND_ORDER[b.r.kind] ?? 9) || a.i - b.i)
  return { outcomes, todo }
}

/**
 * Authorize a prepared batch at `now`, applying what it authorizes to the trust graph as it
 * goes, and repeating while that unblocks more. Refusals are written into `p.outcomes`.
 */
export function authorizeBatch(ctx: AuthorizeContext, p: Prepared, now: number): Authorized {
  const { outcomes } = p
  const accepted: Accepted[] = []
  /** id -> index in `accepted`; a second copy in the batch is a duplicate of the first. */
  const seen = new Map<string, number>()
  const copies: { i: number; k: number }[] = []
  let todo = p.todo
  let progress = true
  while (progress && todo.length > 0) {
    progress = false
    const retry: Todo[] = []
    for (const item of todo) {
      // Before verifying: a blocked author's resource is refused whatever it carries, and
      // never parked to wait for an authorization.
      if (ctx.isBlocked(item.r.header.user, now)) {
        outcomes[item.i] = { ...BLOCKED, id: item.r.id }
        continue
      }
      try {
        const v = checkResource(ctx.provider, item.r, ctx.graph, { now })
        // Private kinds only ever travel sealed (envelope.md §1): a node never journals a
        // message or receipt in the clear, whoever signed it.
        if (SEALABLE_KINDS.includes(v.kind)) {
          throw new ProtocolError(ErrorCode.FORBIDDEN, `resource: a ${v.kind} must be sealed`)
        }
        // From a peer, only the trust closure is stored (admission.ts, sync.md §9).
        const me = item.source === undefined ? undefined : ctx.user
        const refusal =
          me === undefined
            ? undefined
            : admission(ctx.graph, me, v, now, {
                fellows: ctx.fellows,
                ...(ctx.fellowsOf && { fellowsOf: ctx.fellowsOf }),
                provider: ctx.provider,
              })
        if (refusal === 'not_yet') {
          retry.push(item)
          continue
        }
        if (refusal === 'outside') {
          outcomes[item.i] = {
            id: v.id,
            status: 'rejected',
            code: ErrorCode.FORBIDDEN,
            message: "outside this node's trust closure",
          }
          continue
        }
        const first = seen.get(v.id)
        const reserved = first === undefined && ctx.limited(item.source, v)
        // The form at rest, once per id (a later copy in the batch is not stored).
        const resting = first === undefined ? restingForm(ctx.provider, v, item.compact) : v.bytes
        if (reserved && !ctx.quota.reserve(v.header.user, resting.length)) {
          outcomes[item.i] = { ...OVER_QUOTA, id: v.id }
          continue
        }
        if (applyToTrustGraph(ctx.graph, v)) progress = true
        if (first !== undefined) {
          copies.push({ i: item.i, k: first })
          continue
        }
        seen.set(v.id, accepted.length)
        const inner =
          v.kind === 'encrypted' && item.inner ? checkInner(ctx, item.inner, now) : undefined
        accepted.push({ v, i: item.i, reserved, resting, ...(inner && { inner }) })
      } catch (e) {
        // Missing authorization may arrive later in this batch or from another peer.
        if (e instanceof ProtocolError && e.code === ErrorCode.UNAUTHORIZED_SIGNER) retry.push(item)
        else outcomes[item.i] = rejected(e, item.r.id)
      }
    }
    todo = retry
  }
  return { accepted, copies, waiting: todo }
}

/**
 * Verify the inner resource of an envelope this node sealed, as opening it would (signature
 * and authorization); one that does not verify is simply not handed on, and subscribers open
 * the envelope as they would anyone else's.
 */
function checkInner(
  ctx: AuthorizeContext,
  inner: DecodedResource,
  now: number,
): Verified | undefined {
  try {
    return checkResource(ctx.provider, inner, ctx.graph, { now })
  } catch {
    return undefined
  }
}

/**
 * The form `v` will rest in (stored-form.ts `storedForm`, compact.md §6), computed here rather
 * than by the store so that the quota counts exactly what `usageOf` will count (sync.md §9), and
 * passed on as `IngestItem.compact` so that the store does not encode it a second time.
 *
 * `compact`, when the resource came in that form, is used as it came and never re-encoded: the
 * compact decoder is strict (compact.md §3.1, one encoding per resource; the property test
 * "whatever decodes re-encodes to the same bytes" in packages/core/test/compact.test.ts), so the
 * bytes that decoded to `v.bytes` are exactly the encoding of `v.bytes`. The one cheap guard
 * kept: bytes that do not start like a compact text are not taken for one.
 */
export function restingForm(
  provider: CryptoProvider,
  v: Verified,
  compact: Uint8Array | undefined,
): Uint8Array {
  const received = compact !== undefined && isCompactResource(compact) ? compact : undefined
  return storedForm((data) => provider.sha512(data), {
    id: v.id,
    user: v.header.user,
    kind: v.kind,
    created: v.created,
    bytes: v.bytes,
    ...(received && { compact: received }),
  })
}
