/**
 * The light part of the account layer: reading a home's files (config.json, daemon.json, the
 * api token) without loading keys, the store or native crypto. `sdmp whoami` and the command
 * framework's daemon lookup import only this (`@sdmp/daemon/home`) to stay fast (docs/cli.md).
 * @module
 */
export { HOME_FILES, DEFAULT_LISTEN, homePaths, readHomeConfig, noHome } from './home-files.js'
export type { HomeConfig } from './home-files.js'
export {
  API_SOCKET,
  DAEMON_FILE,
  apiSocketPath,
  checkApiSocket,
  readDaemonInfo,
  readApiToken,
  processAlive,
} from './daemon-info.js'
export type { DaemonInfo } from './daemon-info.js'
export { REVOKED_FILE, describeRevocation, readRevocation } from './revocation.js'
export type { Revocation } from './revocation.js'
