/**
 * The mailbox: end-to-end encrypted messages, receipts and the event stream of an account
 * (docs/messaging.md). Wired into the package root by `src/index.ts`.
 * @module
 */
export { Mailbox } from './mailbox.js'
export type { MailboxOptions } from './mailbox.js'
export type { IndexLinger } from './journal-index.js'
export type { AttachmentData, SendRequest, SendResult } from './sender.js'
export { PrekeyBook } from './prekeys.js'
export type { Recipients } from './prekeys.js'
export { MAIL_NS } from './records.js'
