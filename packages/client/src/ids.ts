/**
 * How people name a message (docs/cli.md "Short ids"): by its 86-character base64url id, or by a
 * prefix of 6 or more of its characters that only one message starts with, as git takes short
 * hashes. Shared by the CLI (what it prints, what it accepts) and the node (what it resolves).
 * No dependencies: the CLI loads it at start-up.
 * @module
 */

/** Characters of a message id `inbox` prints. */
export const SHORT_ID_CHARS = 10

/** Whether `ref` can name a message: a full id, or a prefix of 6 or more of its characters. */
export function isMessageRef(ref: unknown): boolean {
  return typeof ref === 'string' && /^[A-Za-z0-9_-]{6,86}$/.test(ref)
}
