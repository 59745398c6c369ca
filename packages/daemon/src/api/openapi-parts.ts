/**
 * The building blocks of the OpenAPI document (openapi.ts): the named component schemas (the
 * very TypeBox schemas of `@sdmp/client/schemas`), the error responses every authenticated route
 * can return, and small constructors for bodies, parameters and operations, so each path group
 * (openapi-messaging.ts, openapi-people.ts) reads as a table of routes.
 * @module
 */
import * as S from '@sdmp/client/schemas'
import type { TObject, TSchema } from '@sinclair/typebox'

/** A fragment of the OpenAPI document (a plain JSON object). */
export type Doc = Record<string, unknown>

/** Named schemas of `components.schemas` (each embedded whole; `$ref`s point here). */
export const schemas = {
  Error: S.ApiErrorBody,
  Whoami: S.Whoami,
  Revoked: S.RevokedInfo,
  Status: S.Status,
  SendRequest: S.SendRequest,
  SendBatchRequest: S.SendBatchRequest,
  BatchPublished: S.BatchPublished,
  ForwardRequest: S.ForwardRequest,
  ForwardedFrom: S.ForwardedFrom,
  GroupInfo: S.GroupInfo,
  AttachmentRef: S.AttachmentRef,
  UploadedBlob: S.UploadedBlob,
  AttachmentInfo: S.AttachmentInfo,
  PostRequest: S.PostRequest,
  Published: S.Published,
  Message: S.Message,
  ReceiptInfo: S.ReceiptInfo,
  MessageDetail: S.MessageDetail,
  Post: S.Post,
  Shown: S.Shown,
  Contact: S.Contact,
  ContactAdded: S.ContactAdded,
  ContactRemoved: S.ContactRemoved,
  Device: S.Device,
  DeviceAuthorized: S.DeviceAuthorized,
  DeviceRevoked: S.DeviceRevoked,
  IdentityRotated: S.IdentityRotated,
  Peer: S.Peer,
  SyncRequest: S.SyncRequest,
  SyncResult: S.SyncResult,
  JournalLine: S.JournalLine,
  Block: S.Block,
  Delegation: S.Delegation,
  Rule: S.Rule,
  Settings: S.Settings,
  Profile: S.Profile,
} satisfies Record<string, TSchema>

export const ref = (name: keyof typeof schemas): Doc => ({ $ref: `#/components/schemas/${name}` })

export const errorResponse = (description: string): Doc => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
})
/** Error responses every authenticated route can return. */
export const errors: Record<string, Doc> = {
  '400': errorResponse('BAD_REQUEST, INVALID_ENCODING or SCHEMA_VIOLATION'),
  '401': errorResponse('UNAUTHORIZED: missing or wrong bearer token'),
  '403': errorResponse('FORBIDDEN'),
  '404': errorResponse('NOT_FOUND'),
  '409': errorResponse('CONFLICT'),
  '413': errorResponse('LIMIT_EXCEEDED: body over 2 MiB or a limit of the node'),
  '422': errorResponse('any other ProtocolError code'),
  '500': errorResponse('INTERNAL: a bug; the message is generic'),
  '503': errorResponse('IN_USE or UNAVAILABLE'),
}

export const json = (schema: Doc): Doc => ({ 'application/json': { schema } })
export const binary = {
  'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
}
export const ok = (schema: Doc): Record<string, Doc> => ({
  '200': { description: 'success', content: json(schema) },
  ...errors,
})
export const body = (schema: Doc, required = true): Doc => ({ required, content: json(schema) })
/** The query parameters of a query schema, one per member (all optional). */
export const query = (schema: TObject): Doc[] =>
  Object.entries(schema.properties).map(([name, member]) => ({
    name,
    in: 'query',
    required: false,
    schema: member,
    ...(member.description !== undefined && { description: member.description }),
  }))
export const path = (name: string, schema: TSchema = S.PathParam): Doc => ({
  name,
  in: 'path',
  required: true,
  schema,
})
export const op = (operationId: string, summary: string, rest: Doc): Doc => ({
  operationId,
  summary,
  security: [{ bearer: [] }],
  ...rest,
})
