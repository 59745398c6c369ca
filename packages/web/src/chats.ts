/**
 * The web client's chat data (docs/web.md §Chats), the one module that knows where chats come
 * from: the node's chat routes (docs/api.md "Chats"). A chat is the set of people in a message
 * other than me; its id is their sorted fingerprints joined by '.', so a 1:1 chat's id is the
 * contact's fingerprint and a contact's chat opens before any message (`Message.chat` carries
 * it). Search has no route: it runs in the browser over the latest messages this node holds,
 * loaded page by page (`GET /v1/messages?all=true&before=…`), at most {@link SEARCH_LIMIT}.
 * @module
 */
import type { ChatSummary, Message, SdmpApi } from '@sdmp/client'

/** Chats listed (and counted for the title's unread number): the API's largest page. */
export const CHATS_LIMIT = 1_000
/** Messages of a chat loaded at once; "Show older messages" loads the next page. */
export const CHAT_PAGE = 100
/** Most messages search looks through, newest first. */
export const SEARCH_LIMIT = 5_000

export type { ChatSummary }

/** A page of a chat, newest first, and the cursor of the older page (null: no more). */
export interface ChatPage {
  readonly messages: readonly Message[]
  readonly next: string | null
}

/** The optional explanation of a message's state (`waiting`/`rejected`), absent on older nodes. */
export function reasonOf(m: Message): string | null {
  const reason = (m as { reason?: unknown }).reason
  return typeof reason === 'string' && reason !== '' ? reason : null
}

/** The people of a chat id (empty for none, and for a group chat: see {@link groupOfChat}). */
export function chatMembers(id: string): string[] {
  return id === '' || groupOfChat(id) !== undefined ? [] : id.split('.')
}

/** The group id of a group chat id (`g-<id>`, docs/protocol/groups.md §6), else undefined. */
export function groupOfChat(id: string): string | undefined {
  return /^g-[A-Za-z0-9_-]{86}$/.test(id) ? id.slice(2) : undefined
}

/** A group membership change as a sentence with names ("Alice added Carol"). */
export function groupEventText(
  e: { readonly kind: string; readonly users: readonly string[]; readonly by: string },
  nameOf: (user: string) => string,
): string {
  const users = e.users.map(nameOf).join(', ')
  if (e.kind === 'create')
    return `${nameOf(e.by)} created the group${users === '' ? '' : ` with ${users}`}`
  return `${nameOf(e.by)} ${e.kind === 'add' ? 'added' : 'removed'} ${users}`
}

/** Newest first by creation time (the API's order is not relied upon). */
export function newestFirst<T extends { readonly created: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => Date.parse(b.created) - Date.parse(a.created))
}

/** The chats, most recent activity first. */
export async function listChats(api: SdmpApi): Promise<readonly ChatSummary[]> {
  return (await api.chats({ limit: CHATS_LIMIT })).chats
}

/** One page of a chat's messages, newest first; `before` is the previous page's `next`. */
export async function chatPage(api: SdmpApi, id: string, before?: string): Promise<ChatPage> {
  return api.chatMessages(id, { limit: CHAT_PAGE, ...(before !== undefined && { before }) })
}

/** Received messages not read yet, over every chat. */
export async function unreadTotal(api: SdmpApi): Promise<number> {
  return (await listChats(api)).reduce((sum, c) => sum + c.unread, 0)
}

/**
 * Messages whose body, subject or attachment names contain every word of `query` (case and
 * accents ignored), newest first, among the latest {@link SEARCH_LIMIT} this node holds.
 */
export async function searchMessages(api: SdmpApi, query: string): Promise<Message[]> {
  const words = fold(query)
    .split(/\s+/)
    .filter((w) => w !== '')
  if (words.length === 0) return []
  const hits: Message[] = []
  let before: string | null | undefined
  let seen = 0
  do {
    const page = await api.inbox({
      all: true,
      limit: CHATS_LIMIT,
      ...(before != null && { before }),
    })
    for (const m of page.messages) {
      const text = fold(
        [m.body, m.subject ?? '', ...(m.attachments ?? []).map((a) => a.name)].join('\n'),
      )
      if (words.every((w) => text.includes(w))) hits.push(m)
    }
    seen += page.messages.length
    before = page.next
  } while (before !== null && seen < SEARCH_LIMIT)
  return newestFirst(hits)
}

/** Lower case without diacritics, for matching. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}
