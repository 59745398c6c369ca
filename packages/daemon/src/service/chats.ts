/**
 * The chat routes of the service (docs/api.md "Chats"): the mailbox's chats with the people's
 * names (contact name, else the 10-character short fingerprint), and a chat's messages.
 * @module
 */
import { API_DEFAULT_PAGE } from '@sdmp/client'
import type { ChatSummary } from '@sdmp/client'
import { SHORT_ID_CHARS } from '@sdmp/client/ids'
import { ChatId, ChatsQuery } from '@sdmp/client/schemas'
import type { Account } from '../account/account.js'
import { readContacts } from '../account/contacts.js'
import type { Mailbox } from '../mail/index.js'
import { assertRequest } from './request-check.js'

/** `GET /v1/chats`. @throws BAD_REQUEST */
export async function readChats(
  account: Account,
  mailbox: Mailbox,
  query: ChatsQuery,
): Promise<{ chats: ChatSummary[]; next: string | null }> {
  const { limit = API_DEFAULT_PAGE, before } = assertRequest(ChatsQuery, query, 'query')
  const page = await mailbox.chats({ limit, ...(before !== undefined && { before }) })
  const names = new Map((await readContacts(account)).map((c) => [c.user, c.name]))
  const chats = page.chats.map((c) => ({
    ...c,
    names: c.with.map((u) => names.get(u) ?? u.slice(0, SHORT_ID_CHARS)),
  }))
  return { chats, next: page.next }
}

/** `GET /v1/chats/{id}/messages`. @throws BAD_REQUEST */
export async function readChatMessages(
  mailbox: Mailbox,
  id: string,
  query: ChatsQuery,
): ReturnType<Mailbox['chatMessages']> {
  assertRequest(ChatId, id, 'id')
  const { limit = API_DEFAULT_PAGE, before } = assertRequest(ChatsQuery, query, 'query')
  return mailbox.chatMessages(id, { limit, ...(before !== undefined && { before }) })
}
