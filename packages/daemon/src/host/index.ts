/**
 * A host for many unrelated users (docs/scale.md "A host for many users"): the host home, its
 * tenants (one host-only node per hosted user) and the process that runs them behind one port.
 * @module
 */
export {
  HOST_CONFIG_VERSION,
  HOST_FILE,
  HOST_QUOTA_DEFAULTS,
  TENANT_NAME,
  hostPaths,
  newHostConfig,
  readHostConfig,
  tenantHome,
  tenantNames,
  writeNewHost,
} from './host-home.js'
export type { HostConfig, HostQuota } from './host-home.js'
export {
  createTenant,
  findTenant,
  joinTenant,
  listTenants,
  removeTenant,
  tenantDeps,
  tenantSchema,
} from './host-tenants.js'
export type { HostDeps, TenantInfo } from './host-tenants.js'
export type { DialLease } from '../daemon/daemon-options.js'
export { Host } from './host-runtime.js'
export type { HostStartOptions, RunningTenant } from './host-runtime.js'
