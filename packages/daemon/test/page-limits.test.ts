/**
 * The page limits of the API are declared once (API_PAGE_LIMITS in @sdmp/client) and every
 * layer agrees: a regression test for the drift issue 13 found (`GET /v1/journal?limit=5000`
 * passed the validator and the OpenAPI document but the service refused it over 1,000).
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { API_PAGE_LIMITS } from '@sdmp/client'
import { tmpDir } from '@sdmp/testkit'
import { createAccount, startDaemon, stopDaemons } from '@sdmp/testkit/daemon-world'
import { OPENAPI_DOCUMENT } from '../src/api/index.js'

afterEach(stopDaemons)

/** The documented maximum of `?limit` on `path`. */
function documentedMax(path: string): number {
  const op = (OPENAPI_DOCUMENT.paths as Record<string, any>)[path].get
  return op.parameters.find((p: { name: string }) => p.name === 'limit').schema.maximum
}

describe('API page limits', () => {
  it('the service, the validator and the OpenAPI document agree', async () => {
    const node = await startDaemon(await createAccount(tmpDir(after, 'sdmp-limits-'), 'alice'))
    assert.equal(documentedMax('/v1/journal'), API_PAGE_LIMITS.journal)
    assert.equal(documentedMax('/v1/messages'), API_PAGE_LIMITS.list)
    assert.equal(documentedMax('/v1/posts'), API_PAGE_LIMITS.list)
    // Over HTTP: through the validator and the service.
    const lines = (await node.api.journal({ limit: 5_000 })).lines
    assert.ok(lines.length > 0)
    await node.api.journal({ limit: API_PAGE_LIMITS.journal })
    await assert.rejects(node.api.journal({ limit: API_PAGE_LIMITS.journal + 1 }), {
      code: 'BAD_REQUEST',
    })
    await node.api.inbox({ limit: API_PAGE_LIMITS.list })
    await assert.rejects(node.api.inbox({ limit: API_PAGE_LIMITS.list + 1 }), {
      code: 'BAD_REQUEST',
    })
    // In-process (no HTTP layer): the service alone applies the same bounds.
    const service = node.daemon.service
    assert.ok((await service.journal({ limit: 5_000 })).lines.length > 0)
    await assert.rejects(service.journal({ limit: API_PAGE_LIMITS.journal + 1 }), {
      code: 'BAD_REQUEST',
    })
  })
})
