/**
 * @sdmp/crypto-node: the native crypto provider preset for Node (node:crypto, sodium-native).
 * @module
 */
export { createNodeProvider } from './node-provider.js'
export type { NodeProviderOptions } from './node-provider.js'
export { createOpensslEd25519, createSodiumEd25519, SEED_CACHE_SIZE } from './node-ed25519.js'
export type { Ed25519Backend, NativeEd25519Options } from './node-ed25519.js'
export { createOpensslX25519, createSodiumX25519 } from './node-x25519.js'
export type { X25519Backend } from './node-x25519.js'
export { sodium } from './sodium.js'
export type { Sodium } from './sodium.js'
