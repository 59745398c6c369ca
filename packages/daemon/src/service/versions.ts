/**
 * The API shape of a message version (docs/api.md "Edit and delete").
 * @module
 */
import type { Version as ApiVersion } from '@sdmp/client'
import type { Version } from '../mail/edits.js'

/** One version of a message as `GET /v1/messages/{id}/history` shows it. */
export function versionOf(v: Version): ApiVersion {
  return {
    id: v.id,
    at: new Date(v.at).toISOString(),
    body: v.body,
    type: v.type,
    subject: v.subject ?? null,
  }
}
