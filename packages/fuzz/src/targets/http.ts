/**
 * The HTTP API target (issue 6: every HTTP endpoint; docs/api.md): random requests to every
 * route the real app registers, through `app.request()` (no socket). Methods, path parameters,
 * query strings, auth and content-type headers and JSON bodies are mutated. The service behind
 * the app is a fake whose every method fails with NOT_FOUND, so what runs is the boundary:
 * auth, body reading, strict JSON and shape checks. A 500, a non-JSON error body or an
 * argument that reaches the service with the wrong type is a finding.
 * @module
 */
import fc from 'fast-check'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { closeEventStreams, createApiApp } from '@sdmp/daemon'
import { oversize, randomJsonText, textMutant, utf8 } from '../mutate.js'
import { getWorld } from '../samples.js'
import { FuzzFinding, defineTarget } from '../target.js'
import type { FuzzTarget } from '../target.js'

type ApiOptions = Parameters<typeof createApiApp>[0]
const TOKEN = 'fuzz-token-0123456789'

/** A fake service: checks the arguments the routes pass on, then answers NOT_FOUND. */
export function fakeApi(misuse: string[]): ApiOptions['api'] {
  const check = (method: string, args: unknown[]) => {
    for (const a of args) {
      if (a === undefined || typeof a === 'string') continue
      if (typeof a !== 'object' || a === null || Array.isArray(a) || Object.hasOwn(a, '__proto__'))
        misuse.push(`${method}: route passed ${Array.isArray(a) ? 'array' : typeof a}`)
    }
  }
  return new Proxy({} as ApiOptions['api'], {
    get:
      (_, method) =>
      async (...args: unknown[]) => {
        check(String(method), args)
        throw new ProtocolError(ErrorCode.NOT_FOUND, 'fuzz: nothing here')
      },
  })
}

/** An event feed with nothing in it. */
export const quietFeed: ApiOptions['events'] = {
  processed: 0,
  eventsAfter: async () => [],
  onProcessed: () => () => undefined,
  onPeer: () => () => undefined,
}

/** One request. */
interface Req {
  readonly method: string
  readonly path: string
  readonly query: string
  readonly auth: string | undefined
  readonly contentType: string | undefined
  readonly body: Uint8Array | undefined
  readonly lastEventId: string | undefined
}

const PARAM_VALUES = [
  'x',
  '..',
  '%2e%2e',
  '%00',
  '%ZZ',
  '%F0%9F%98%80',
  '%ED%A0%80',
  'a'.repeat(5000),
  '__proto__',
  'constructor',
  '-1',
  '',
]
const QUERY_NAMES = ['all', 'limit', 'after', 'wait', 'x', '__proto__', 'limit']
const QUERY_VALUES = [
  '',
  '1',
  '0',
  '-1',
  '1000',
  '10001',
  '1e3',
  '9007199254740993',
  'true',
  'false',
  'yes',
  '%00',
  '%ZZ',
  'a'.repeat(300),
]

const httpTarget = defineTarget(
  'http.api',
  'every API route via app.request() with mutated requests',
  () => {
    const w = getWorld()
    const misuse: string[] = []
    const internal: unknown[] = []
    const app = createApiApp({
      api: fakeApi(misuse),
      events: quietFeed,
      token: TOKEN,
      keepaliveMs: 3_600_000,
      onInternalError: (e) => void internal.push(e),
    })
    const routes = app.routes.filter((r) => r.method !== 'ALL')
    const bodies = [
      JSON.stringify({ to: [w.bob.user.fingerprint], body: 'hi', type: 'text', subject: 's' }),
      JSON.stringify({ body: 'post', type: 'markdown' }),
      JSON.stringify({ invite: 'sdmp-invite:1:e30', name: 'bob' }),
      JSON.stringify({ request: 'sdmp-join:1:e30', hostOnly: true }),
      JSON.stringify({ wait: true, timeoutMs: 10 }),
      '{}',
    ]
    const body = fc.oneof(
      { weight: 5, arbitrary: textMutant(bodies).map(utf8) },
      { weight: 2, arbitrary: fc.constantFrom(...bodies).map(utf8) },
      { weight: 1, arbitrary: randomJsonText.map(utf8) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
      { weight: 1, arbitrary: oversize(utf8(bodies[0]!), 2 * 1024 * 1024) },
    )
    const query = fc
      .array(fc.tuple(fc.constantFrom(...QUERY_NAMES), fc.constantFrom(...QUERY_VALUES)), {
        maxLength: 3,
      })
      .map((pairs) =>
        pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`,
      )
    const req: fc.Arbitrary<Req> = fc
      .record({
        route: fc.nat(routes.length - 1),
        otherMethod: fc.option(
          fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
          { freq: 5 },
        ),
        params: fc.array(fc.constantFrom(...PARAM_VALUES, w.alice.node.fingerprint), {
          minLength: 2,
          maxLength: 2,
        }),
        query: fc.oneof(
          query,
          fc.string({ maxLength: 20 }).map((s) => `?${encodeURIComponent(s)}`),
        ),
        // Mostly the right token, so requests get past auth to the shape checks.
        auth: fc.option(
          fc.oneof(
            { weight: 8, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
            {
              weight: 1,
              arbitrary: fc.constantFrom(
                `Bearer ${TOKEN}x`,
                'Bearer ',
                'bearer x',
                `Basic ${TOKEN}`,
                `Bearer ${TOKEN} `,
                `Bearer ${TOKEN}\u00e9`,
              ),
            },
          ),
          { freq: 12 },
        ),
        contentType: fc.option(
          fc.constantFrom(
            'application/json',
            'text/plain',
            'application/json; charset=latin1',
            'multipart/form-data',
          ),
          { freq: 4 },
        ),
        body: fc.option(body, { freq: 4 }),
        lastEventId: fc.option(
          fc.constantFrom('0', '5', '-1', 'x', '1e3', ' 7 ', '99999999999999999999'),
          { freq: 8 },
        ),
      })
      .map((r) => {
        const route = routes[r.route]!
        let i = 0
        const path = route.path.replace(/:[a-z]+/g, () => r.params[i++ % 2]!)
        const method = r.otherMethod ?? route.method
        return {
          method,
          path,
          query: r.query,
          auth: r.auth ?? undefined,
          contentType: r.contentType ?? undefined,
          body: method === 'GET' || method === 'HEAD' ? undefined : (r.body ?? undefined),
          lastEventId: r.lastEventId ?? undefined,
        }
      })
    return {
      arbitrary: req,
      async run(r: Req) {
        const headers: Record<string, string> = {}
        if (r.auth !== undefined) headers['authorization'] = r.auth
        if (r.contentType !== undefined) headers['content-type'] = r.contentType
        if (r.lastEventId !== undefined) headers['last-event-id'] = r.lastEventId
        const res = await app.request(`http://127.0.0.1${r.path}${r.query}`, {
          method: r.method,
          headers,
          ...(r.body !== undefined ? { body: r.body as Uint8Array<ArrayBuffer> } : {}),
        })
        const type = res.headers.get('content-type') ?? ''
        if (type.startsWith('text/event-stream')) {
          await res.body?.cancel()
          await closeEventStreams(app)
          return
        }
        const text = await res.text()
        if (res.status >= 500 || internal.length > 0)
          throw new FuzzFinding(`${r.method} ${r.path}: status ${res.status} ${text.slice(0, 200)}`)
        if (misuse.length > 0) throw new FuzzFinding(misuse[0]!)
        if (res.status >= 400) {
          let ok = false
          try {
            const b = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
            ok = typeof b.error?.code === 'string' && typeof b.error.message === 'string'
          } catch {
            ok = false
          }
          if (!ok)
            throw new FuzzFinding(
              `${r.method} ${r.path}: error body is not {"error":{code,message}}`,
            )
        }
      },
      close: () => closeEventStreams(app),
    }
  },
)

/** The HTTP targets. */
export const HTTP_TARGETS: readonly FuzzTarget[] = [httpTarget]
