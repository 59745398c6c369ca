/**
 * The small parsers every client API route (api-app.ts) uses: strict query, body and path
 * parameter checks (docs/api.md §2), and the shape of a route with no input.
 * @module
 */
import type { Context } from 'hono'
import { EmptyRequest } from '@sdmp/client/schemas'
import type { Static, TObject } from '@sinclair/typebox'
import { checkBody, checkParam, checkQuery, incomingOf, readJsonBody } from './validate.js'

/** Routes without parameters still refuse unknown ones (a typo should not pass silently). */
export const noQuery = (c: Context): void => void checkQuery(c.req.url, EmptyRequest)

/** Parse a JSON body against its schema; an empty body counts as `{}`. */
export const bodyOf = async <T extends TObject>(c: Context, schema: T): Promise<Static<T>> => {
  noQuery(c) // no route with a body takes query parameters
  return checkBody(await readJsonBody(c.req.raw, incomingOf(c)), schema)
}

/** Parse the query string against its schema. */
export const queryOf = <T extends TObject>(c: Context, schema: T): Static<T> =>
  checkQuery(c.req.url, schema)

/** A path parameter, checked. */
export const param = (c: Context, name: string): string =>
  checkParam(c.req.param(name), `path.${name}`)

/** A route with no parameters and no body. */
export const plain = (run: () => Promise<object>) => async (c: Context) => {
  noQuery(c)
  return c.json(await run())
}
