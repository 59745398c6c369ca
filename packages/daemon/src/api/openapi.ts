/**
 * The OpenAPI 3.1 document of the client API (docs/api.md), served at `GET /openapi.json`. Its
 * schemas are the very request and response schemas of `@sdmp/client/schemas` (TypeBox schemas
 * are JSON Schema), so the document, the types and the boundary checks cannot disagree. A test
 * checks that its paths and methods are exactly the app's routes.
 * @module
 */
import * as S from '@sdmp/client/schemas'
import { MESSAGING_PATHS } from './openapi-messaging.js'
import {
  body,
  errorResponse,
  errors,
  json,
  ok,
  op,
  path,
  query,
  ref,
  schemas,
} from './openapi-parts.js'
import { PEOPLE_PATHS } from './openapi-people.js'

/** The OpenAPI 3.1 document of the client API. */
export const OPENAPI_DOCUMENT = Object.freeze({
  openapi: '3.1.0',
  info: {
    title: 'sdmp node client API',
    version: '1',
    description:
      'Local HTTP/JSON API of an sdmp node (docs/api.md). Every /v1 route needs ' +
      '`Authorization: Bearer <token>` (the api-token file of the home).',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas,
  },
  paths: {
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'this document (no authentication)',
        responses: {
          '200': { description: 'the OpenAPI document', content: json({ type: 'object' }) },
        },
      },
    },
    '/.well-known/sdmp/{name}': {
      get: {
        operationId: 'addressDocument',
        summary:
          "the user's address document for name@domain (docs/protocol/addresses.md §2; no " +
          'authentication, any Host)',
        parameters: [path('name')],
        responses: {
          '200': { description: 'the address document', content: json({ type: 'object' }) },
          '404': errorResponse('NOT_FOUND: this node’s user claims no such name'),
        },
      },
    },
    '/v1/whoami': {
      get: op('whoami', 'user and node of this home', { responses: ok(ref('Whoami')) }),
    },
    '/v1/status': {
      get: op('status', 'store counts and daemon state', { responses: ok(ref('Status')) }),
    },
    ...MESSAGING_PATHS,
    ...PEOPLE_PATHS,
    '/v1/peers': {
      get: op('peers', 'peers of the running node', { responses: ok(S.PeerList) }),
    },
    '/v1/sync': {
      post: op('sync', 'sync with every reachable peer now', {
        requestBody: body(ref('SyncRequest'), false),
        responses: ok(ref('SyncResult')),
      }),
    },
    '/v1/journal': {
      get: op('journal', 'journal lines in order', {
        parameters: query(S.JournalQuery),
        responses: ok(S.JournalPage),
      }),
    },
    '/v1/events': {
      get: op(
        'events',
        'Server-Sent Events: journal-derived events (id = journal position) and peer events',
        {
          parameters: [
            ...query(S.EventsQuery),
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              schema: { type: 'string', pattern: '^[0-9]+$' },
            },
          ],
          responses: {
            '200': {
              description:
                'text/event-stream; `event:` is message, receipt, post, contact, device, peer or error; ' +
                '`data:` is the event JSON; a `: keepalive` comment every 15 s',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...errors,
          },
        },
      ),
    },
  },
})
