/** Names of the account's secrets in the store's vault (docs/store.md §8). @module */

/** Secret names in the store (sealed by the vault when a passphrase is set). */
export const SECRET_NAMES = Object.freeze({
  userSeed: 'key.user',
  /** The new user key while a rotation is being recorded (account.ts adoptUser). */
  userSeedNext: 'key.user.next',
  nodeSeed: 'key.node',
  prekeyPrefix: 'prekey.',
  contacts: 'local.contacts',
  /** Refusals observed from contacts' nodes (standing.ts). */
  refusals: 'local.refusals',
  /** Users this user blocked, on this node (blocks.ts). */
  blocks: 'local.blocks',
  /** The user's settings on this node, such as read receipts (settings.ts). */
  settings: 'local.settings',
  /** name@domain addresses pinned to the identity first seen there (address/address-pins.ts). */
  addressPins: 'local.address-pins',
  /** Message requests received, the index (requests.ts). */
  requests: 'local.requests',
  /** One received request's invite, by request id (requests.ts). */
  requestPrefix: 'request.',
  /** Requests a host-only node holds for its user's devices, the index (held-requests.ts). */
  held: 'local.held',
  /** One held request message, by held id (held-requests.ts). */
  heldPrefix: 'held.',
  /** On a reading device: held ids already taken from its hosts, and those to drop there. */
  heldSeen: 'local.held-seen',
  /** The user's forwarding rules on this node (rules.ts). */
  rules: 'local.rules',
})
