/**
 * Multi-user hosts in a test world (docs/scale.md §9): host deps over one shared PostgreSQL,
 * a hosted user made the way `sdmp host add-user` and the user's device make one, and whether
 * every instance's tenant already knows a node (a tenant learns its user's new contact from the
 * user's device: wait for it before that device goes offline).
 * @module
 */
import type { Store } from '@sdmp/store'
import type { DialLease } from '@sdmp/daemon'
import { createTenant, joinTenant } from '@sdmp/daemon/host'
import type { Host, HostDeps } from '@sdmp/daemon/host'
import { provider } from '../node-world/index.js'
import { CHEAP_SCRYPT } from './accounts.js'
import type { TestDaemon } from './daemons.js'

/** What the host needs of one process's shared PostgreSQL (store-postgres `SharedPostgres`). */
export interface HostPostgres {
  store(config: { schema: string; sha512: (data: Uint8Array) => Uint8Array }): Store
  lease(name: string, retryMs?: number): DialLease
}

/**
 * The deps of one host instance on `pg` (one per instance, as separate processes would have),
 * with the dial lease retried every `leaseRetryMs` (fast in tests); undefined: no lease.
 */
export function hostDepsOn(home: string, pg: HostPostgres, leaseRetryMs?: number): HostDeps {
  return {
    home,
    provider,
    scrypt: CHEAP_SCRYPT,
    createStore: (schema) => pg.store({ schema, sha512: provider.sha512 }),
    ...(leaseRetryMs !== undefined && { lease: (name) => pg.lease(name, leaseRetryMs) }),
  }
}

/**
 * Host `device`'s user as tenant `name`: the tenant's join request authorized `--host-only` on
 * the device, then the device's invite joined on the host. @returns the tenant's node
 */
export async function hostUser(deps: HostDeps, device: TestDaemon, name: string): Promise<string> {
  const made = await createTenant(deps, name)
  await device.api.authorizeDevice({ request: made.request, hostOnly: true })
  await joinTenant(deps, (await device.api.invite()).invite)
  return made.node
}

/** Whether tenant `tenant` knows node `node` (a trusted user's node) on every instance. */
export function tenantsKnow(hosts: readonly Host[], tenant: string, node: string): boolean {
  return hosts.every((h) => {
    const graph = h.tenant(tenant)?.daemon.account.ingestor.graph
    return graph !== undefined && graph.usersOfNode(node, Date.now()).length > 0
  })
}
