/**
 * The few TypeBox builders the API schemas share: closed objects, string enums, nullable
 * members, and {@link Contract}, the read-only TypeScript type of a schema. TypeBox schemas are
 * plain JSON Schema (docs/api.md; the OpenAPI document embeds them as they are).
 * @module
 */
import { Type } from '@sinclair/typebox'
import type { Static, TLiteral, TProperties, TSchema, TUnion } from '@sinclair/typebox'

/** An object with exactly these members (docs/api.md §Requests: unknown members are refused). */
export const closed = <T extends TProperties>(properties: T, description?: string) =>
  Type.Object(properties, {
    additionalProperties: false,
    ...(description !== undefined && { description }),
  })

/** One of a few strings (`type`, `state`, ...). */
export const oneOf = <const T extends readonly string[]>(
  ...values: T
): TUnion<TLiteral<T[number]>[]> => Type.Union(values.map((v) => Type.Literal(v)))

/** A member that is `null` when absent. */
export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

/** An ISO 8601 time (UTC). */
export const time = () => Type.String({ format: 'date-time' })

/** A string the schema treats as opaque: fingerprints, ids, names. */
export const text = () => Type.String()

/** A count or size: an integer >= 0. */
export const count = () => Type.Integer({ minimum: 0 })

/** Deeply read-only: what a contract type promises its reader. */
export type ReadonlyDeep<T> = T extends (infer I)[]
  ? readonly ReadonlyDeep<I>[]
  : T extends object
    ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> }
    : T

/** The TypeScript type a schema declares, read-only. */
export type Contract<T extends TSchema> = ReadonlyDeep<Static<T>>
