/**
 * Numeric limits of the client API (docs/api.md §2) that clients read at run time. Kept apart
 * from the schemas so that importing them does not pull the schema builder into a bundle.
 * @module
 */

/**
 * The largest page each listing of the API returns (`?limit`, 1..max): declared once here and
 * read by the request schemas, hence by the validator, the service and the OpenAPI document.
 */
export const API_PAGE_LIMITS = Object.freeze({
  /** `GET /v1/messages`, `GET /v1/posts`. */
  list: 1_000,
  /** `GET /v1/journal`. */
  journal: 10_000,
})

/** Page size of a listing asked without `?limit` (docs/api.md §2). */
export const API_DEFAULT_PAGE = 100

/**
 * Most messages in one `POST /v1/messages/batch` (docs/api.md "Batches"): enough to share one
 * commit among a burst, small enough that one request never holds the node for long.
 */
export const MAX_BATCH_MESSAGES = 256

/** Longest path parameter (ids, fingerprints, contact names, device names). */
export const MAX_PARAM_CHARS = 256

/**
 * Longest chat id (docs/api.md "Chats"): 100 user fingerprints and the dots between them, so
 * that a chat id fits a URL path; a larger group chat is listed but not opened by id.
 */
export const MAX_CHAT_ID_CHARS = 100 * 87 - 1
