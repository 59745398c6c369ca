/**
 * `@sdmp/client/schemas`: the request and response schemas of the client API (TypeBox, plain
 * JSON Schema). The daemon compiles the request schemas into its boundary checks and embeds all
 * of them in its OpenAPI document; their TypeScript types are exported by `@sdmp/client`.
 * @module
 */
export * from './schema/requests.js'
export * from './schema/responses.js'
export type { Contract, ReadonlyDeep } from './schema/schema-kit.js'
