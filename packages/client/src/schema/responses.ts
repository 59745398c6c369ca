/**
 * Every response shape of the client API (docs/api.md), declared once: the TypeScript types
 * that both `SdmpApi` implementations return and the OpenAPI document's schemas come from here.
 * All fingerprints and ids are 86-character base64url digests; times are ISO 8601 (UTC).
 * The shapes live in one module per domain: the node (responses-node.ts), messaging
 * (responses-messages.ts), trust relationships (responses-trust.ts) and the user's policies
 * towards others (responses-policy.ts).
 * @module
 */
export * from './responses-node.js'
export * from './responses-messages.js'
export * from './responses-trust.js'
export * from './responses-policy.js'
