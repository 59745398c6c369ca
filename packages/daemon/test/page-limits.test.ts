/**
 * The page limits of the API are declared once (API_PAGE_LIMITS in @sdmp/client, read by the
 * request schemas of @sdmp/client/schemas) and every layer agrees: a regression test for the
 * drift issue 13 found (`GET /v1/journal?limit=5000` passed the validator and the OpenAPI
 * document but the service refused it over 1,000). Every route whose OpenAPI document takes a
 * `limit` is checked, so a new listing is covered as soon as it is documented.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { API_PAGE_LIMITS } from '@sdmp/client'
import type { SdmpApi } from '@sdmp/client'
import { tmpDir } from '@sdmp/testkit'
import { createAccount, startDaemon, stopDaemons } from '@sdmp/testkit/daemon-world'
import { OPENAPI_DOCUMENT } from '../src/api/index.js'

afterEach(stopDaemons)

interface Operation {
  readonly operationId: string
  readonly parameters?: readonly { name: string; in: string; schema: { maximum?: number } }[]
}

/** Every documented GET taking `?limit`: its path, operation (an SdmpApi method) and maximum. */
function limitedRoutes(): { path: string; method: keyof SdmpApi; max: number }[] {
  const out = []
  for (const [path, item] of Object.entries(OPENAPI_DOCUMENT.paths)) {
    const op = (item as { get?: Operation }).get
    const limit = op?.parameters?.find((p) => p.name === 'limit' && p.in === 'query')
    if (op === undefined || limit === undefined) continue
    assert.equal(typeof limit.schema.maximum, 'number', path)
    out.push({ path, method: op.operationId as keyof SdmpApi, max: limit.schema.maximum! })
  }
  return out
}

/**
 * Call a listing method of `api` with `?limit`; a route with a path parameter (`{id}`: a chat)
 * gets `id` first.
 */
const list = (
  api: SdmpApi,
  path: string,
  method: keyof SdmpApi,
  limit: number,
  id: string,
): Promise<unknown> => {
  const fn = api[method] as (...args: unknown[]) => Promise<unknown>
  return path.includes('{id}') ? fn.call(api, id, { limit }) : fn.call(api, { limit })
}

describe('API page limits', () => {
  it('the OpenAPI document documents API_PAGE_LIMITS for every listing', () => {
    const routes = limitedRoutes()
    assert.deepEqual(
      routes.map((r) => [r.path, r.max]),
      [
        ['/v1/messages', API_PAGE_LIMITS.list],
        ['/v1/chats', API_PAGE_LIMITS.list],
        ['/v1/chats/{id}/messages', API_PAGE_LIMITS.list],
        ['/v1/posts', API_PAGE_LIMITS.list],
        ['/v1/journal', API_PAGE_LIMITS.journal],
      ],
    )
  })

  it('the validator and the service accept exactly the documented maximum', async () => {
    const node = await startDaemon(await createAccount(tmpDir(after, 'sdmp-limits-'), 'alice'))
    const service = node.daemon.service
    // A chat id for the routes that take one: notes to self (our own fingerprint).
    const id = (await service.whoami()).user!
    for (const { path, method, max } of limitedRoutes()) {
      // Over HTTP: through the validator, then the service.
      await list(node.api, path, method, max, id)
      await assert.rejects(list(node.api, path, method, max + 1, id), { code: 'BAD_REQUEST' }, path)
      await assert.rejects(list(node.api, path, method, 0, id), { code: 'BAD_REQUEST' }, path)
      // In-process (no HTTP layer): the service alone applies the same bounds.
      await list(service, path, method, max, id)
      await assert.rejects(list(service, path, method, max + 1, id), { code: 'BAD_REQUEST' }, path)
      await assert.rejects(list(service, path, method, 0, id), { code: 'BAD_REQUEST' }, path)
    }
    // The drift that was found: a journal page of 5,000 over both transports.
    assert.ok((await node.api.journal({ limit: 5_000 })).lines.length > 0)
    assert.ok((await service.journal({ limit: 5_000 })).lines.length > 0)
  })
})
