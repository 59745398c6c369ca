/**
 * The account layer: an sdmp home (config.json, api-token, store with keys as secrets) and
 * what a person does with it offline: init and join, devices, invites and contacts, posts,
 * journal and status. Shared by the `sdmp` command and the daemon (docs/cli.md).
 * @module
 */
export { Account, SECRET_NAMES } from './account.js'
export { FULL_AUTHORIZATION, HOST_ONLY_AUTHORIZATION } from './authorizations.js'
export type { AccountDeps } from './account.js'
export {
  HOME_FILES,
  HOME_CONFIG_VERSION,
  DEFAULT_LISTEN,
  homePaths,
  readHomeConfig,
  noHome,
  parseHomeStore,
  INSTANCE_NAME,
} from './home-files.js'
export type { HomeConfig, HomeStore } from './home-files.js'
export { attachInstance } from './account-attach.js'
export {
  HOME_PORT_BASE,
  HOME_PORT_PAIRS,
  chooseHomePorts,
  derivedHomePorts,
  portFree,
} from './home-ports.js'
export type { HomePorts } from './home-ports.js'
export {
  DAEMON_FILE,
  writeDaemonInfo,
  removeDaemonInfo,
  readDaemonInfo,
  API_SOCKET,
  apiSocketPath,
  checkApiSocket,
  readApiToken,
  processAlive,
} from './daemon-info.js'
export type { DaemonInfo } from './daemon-info.js'
export {
  JOIN_PREFIX,
  INVITE_PREFIX,
  MAX_JOIN_CHARS,
  MAX_INVITE_CHARS,
  encodeJoinRequest,
  decodeJoinRequest,
  encodeInvite,
  decodeInvite,
} from './codec.js'
export type { InviteContent } from './codec.js'
export {
  INVITE_REF_PREFIX,
  MAX_INVITE_REF_CHARS,
  createInviteRef,
  decodeInviteRef,
  isInviteRef,
} from './invite-ref.js'
export type { InviteRef } from './invite-ref.js'
export {
  COMPACT_INVITE_PREFIX,
  QR_CAPACITY_BYTES,
  encodeCompactInvite,
  decodeCompactInvite,
} from './compact-invite.js'
export { listDevices, authorizeDevice, revokeDevice, resolveDevice } from './devices.js'
export type { DeviceInfo, DeviceStatus, AuthorizeResult, RevokeResult } from './devices.js'
export {
  createInvite,
  checkInvite,
  addContact,
  removeContact,
  readContacts,
  assertContactName,
  CONTACT_NAME,
} from './contacts.js'
export type { ContactEntry, CheckedInvite } from './contacts.js'
export { listContacts } from './contact-list.js'
export type { ContactInfo } from './contact-list.js'
export { findContact, requireContact } from './contact-names.js'
export { readBlocks, blockUser, unblockUser, hiddenUsers } from './blocks.js'
export type { BlockEntry } from './blocks.js'
export {
  REQUEST_POLICIES,
  readSettings,
  setReadReceipts,
  setRequestPolicy,
  sendsReadReceiptTo,
} from './settings.js'
export type { RequestPolicy, StoredSettings } from './settings.js'
export {
  acceptRequest,
  blockRequest,
  declineRequest,
  readRequests,
  storeRequest,
} from './requests.js'
export type { StoredRequest } from './requests.js'
export { readHomeProfile, readProfile, publishProfile } from './profile.js'
export type { ProfileInfo } from './profile.js'
export { joinUser } from './join.js'
export { publishPost, readJournalLines, accountStatus } from './activity.js'
export type { AccountStatus } from './activity.js'
export { publishPrekey } from './prekey-publish.js'
export { rotateIdentity, recoverIdentity, followRotations, followInvite } from './rotation.js'
export type { Rotated, FollowedContact } from './rotation.js'
export { RECOVERY_WORD_COUNT, newRecoveryKey, recoveryKeyFromWords } from './recovery-words.js'
