/**
 * A user's devices (docs/cli.md "Devices"): list the nodes the user has trusted with their
 * authorizations and status, authorize a new node from its join request (full or host-only,
 * trust.md §9), and revoke a node's trusts (trust.md §6: removing a device is revoking its trust).
 * @module
 */
import { revokeReason } from './revocation.js'
import { ErrorCode, ProtocolError, decodeResource, validateResource } from '@sdmp/core'
import type { Authorization, ContentData, DecodedResource } from '@sdmp/core'
import type { ResourceQuery, Store } from '@sdmp/store'
import type { Account } from './account.js'
import { FULL_AUTHORIZATION, HOST_ONLY_AUTHORIZATION } from './authorizations.js'
import { decodeJoinRequest } from './codec.js'

/** Status of a device: a trust in force, or why not. `pending`: a joined device not yet trusted. */
export type DeviceStatus = 'active' | 'revoked' | 'expired' | 'pending'

/** One device of the user, as `sdmp device list` shows it. */
export interface DeviceInfo {
  readonly node: string
  readonly name?: string
  /** Union of the authorizations of its trusts in force (or of its newest trust otherwise). */
  readonly authorization: readonly Authorization[]
  readonly status: DeviceStatus
  /** True for the node this home runs. */
  readonly self: boolean
  /** Ids of the trusts naming it, oldest first. */
  readonly trusts: readonly string[]
}

/** Every stored resource matching `query`, decoded, in journal order. */
export async function storedResources(
  store: Store,
  query: Omit<ResourceQuery, 'afterPosition' | 'limit'>,
  provider: Account['provider'],
): Promise<DecodedResource[]> {
  const out: DecodedResource[] = []
  let after = 0
  for (;;) {
    const metas = await store.queryResources({ ...query, afterPosition: after, limit: 500 })
    if (metas.length === 0) return out
    for (const m of metas) {
      const bytes = await store.getResource(m.id)
      if (bytes) out.push(decodeResource(provider, bytes))
    }
    after = metas[metas.length - 1]!.position
  }
}

/** The `name` of a stored identity, if it has one. */
export async function identityName(account: Account, fp: string): Promise<string | undefined> {
  const id = account.ingestor.graph.identity(fp)?.id
  const bytes = id === undefined ? undefined : await account.store.getResource(id)
  if (!bytes) return undefined
  return (decodeResource(account.provider, bytes).data as ContentData<'identity'>).name
}

/** The user's devices, this node first, then by fingerprint. */
export async function listDevices(account: Account): Promise<DeviceInfo[]> {
  const user = account.user
  const graph = account.ingestor.graph
  const now = account.now()
  if (user === undefined) {
    const name = await identityName(account, account.node)
    return [
      {
        node: account.node,
        ...(name !== undefined && { name }),
        authorization: [],
        status: 'pending',
        self: true,
        trusts: [],
      },
    ]
  }
  const byNode = new Map<string, DecodedResource<'trust'>[]>()
  for (const r of await storedResources(
    account.store,
    { kinds: ['trust'], user },
    account.provider,
  )) {
    const t = r as DecodedResource<'trust'>
    if (graph.identity(t.data.trustee)?.type !== 'node') continue
    byNode.set(t.data.trustee, [...(byNode.get(t.data.trustee) ?? []), t])
  }
  const out: DeviceInfo[] = []
  for (const [node, trusts] of byNode) {
    const active = graph.trustsBetween(user, node, now)
    const newest = trusts[trusts.length - 1]!
    const status: DeviceStatus =
      active.length > 0 ? 'active' : graph.isRevoked(newest.id, user) ? 'revoked' : 'expired'
    const authorization =
      active.length > 0
        ? FULL_AUTHORIZATION.filter((a) => active.some((t) => t.authorization.includes(a)))
        : newest.data.authorization
    const name = await identityName(account, node)
    out.push({
      node,
      ...(name !== undefined && { name }),
      authorization,
      status,
      self: node === account.node,
      trusts: trusts.map((t) => t.id),
    })
  }
  return out.sort((a, b) => Number(b.self) - Number(a.self) || (a.node < b.node ? -1 : 1))
}

/** What `device authorize` did. */
export interface AuthorizeResult {
  readonly node: string
  readonly name?: string
  readonly trust: string
  readonly authorization: readonly Authorization[]
}

/**
 * Authorize the node of a join request: store its identity and publish a trust to it.
 * @throws BAD_REQUEST (not a node identity, or this node), CONFLICT (already active), the
 *   decoding and validation codes of the request, FORBIDDEN (this device may not create trusts)
 */
export async function authorizeDevice(
  account: Account,
  request: string,
  options: { hostOnly?: boolean } = {},
): Promise<AuthorizeResult> {
  const user = account.requireUser()
  const bytes = decodeJoinRequest(request)
  const identity = validateResource(account.provider, bytes, account.ingestor.graph, {
    now: account.now(),
  })
  const data = identity.data as ContentData<'identity'>
  if (identity.kind !== 'identity' || data.type !== 'node')
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'join request: expected a node identity')
  const node = identity.header.user
  if (node === account.node)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'join request: that is this node')
  if (account.ingestor.graph.trustsBetween(user, node, account.now()).length > 0)
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      `node ${short(node)} is already a device of this user (revoke it first to change it)`,
    )
  const authorization = options.hostOnly === true ? HOST_ONLY_AUTHORIZATION : FULL_AUTHORIZATION
  await account.publish([bytes])
  const trust = account.signForUser(
    { kind: 'trust', data: { trustee: node, authorization: [...authorization] } },
    'create_trust',
  )
  await account.publish([trust])
  return {
    node,
    ...(data.name !== undefined && { name: data.name }),
    trust: trust.id,
    authorization,
  }
}

/**
 * Resolve a device reference: a fingerprint, a unique prefix of at least 6 characters, or a
 * device name.
 * @throws NOT_FOUND, BAD_REQUEST (ambiguous)
 */
export function resolveDevice(devices: readonly DeviceInfo[], ref: string): DeviceInfo {
  const exact = devices.find((d) => d.node === ref)
  if (exact) return exact
  const matches = devices.filter(
    (d) => d.name === ref || (ref.length >= 6 && d.node.startsWith(ref)),
  )
  if (matches.length === 1) return matches[0]!
  if (matches.length > 1)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `device ${ref}: ambiguous, give more of the fingerprint`,
    )
  throw new ProtocolError(ErrorCode.NOT_FOUND, `no device ${ref} (see sdmp device list)`)
}

/** What `device revoke` did. */
export interface RevokeResult {
  readonly node: string
  /** Ids of the revoke resources published. */
  readonly revokes: readonly string[]
}

/**
 * Revoke every trust in force from the user to a device.
 * @throws NOT_FOUND, BAD_REQUEST (this node, ambiguous), CONFLICT (nothing in force),
 *   FORBIDDEN (this device may not revoke)
 */
export async function revokeDevice(account: Account, ref: string): Promise<RevokeResult> {
  const user = account.requireUser()
  const device = resolveDevice(await listDevices(account), ref)
  if (device.self)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'cannot revoke this node from itself (revoke it from another device)',
    )
  const active = account.ingestor.graph.trustsBetween(user, device.node, account.now())
  if (active.length === 0)
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      `device ${short(device.node)} is already ${device.status}`,
    )
  const revokes = active.map((t) =>
    account.signForUser(
      { kind: 'revoke', data: { resource: t.id, reason: revokeReason(account.node) } },
      'revoke',
    ),
  )
  await account.publish(revokes)
  return { node: device.node, revokes: revokes.map((r) => r.id) }
}

/** The first 12 characters of a fingerprint, for messages. */
export function short(fp: string): string {
  return `${fp.slice(0, 12)}…`
}
