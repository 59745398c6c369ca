/**
 * @sdmp/client: the contract of the node's client API (docs/api.md) and a typed client for it.
 * Browser-safe: no `node:` imports, only fetch and streams.
 * @module
 */
export * from './types.js'
