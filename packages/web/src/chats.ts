/**
 * The web client's chat data (docs/web.md §Chats), the one module that knows where chats come
 * from. A chat is the set of people in a message other than me (the chat contract,
 * docs/api.md): for a received message its sender and recipients, for a sent one its
 * recipients, minus me; nobody left is a note to self. Its id is their sorted fingerprints
 * joined by '.', so a 1:1 chat's id is the contact's fingerprint and a contact's chat opens
 * before any message.
 *
 * Here the chats are computed in the browser from the node's message list
 * (`GET /v1/messages?all=true`, up to {@link LOADED_LIMIT} messages, newest first): the same
 * shapes as the API's `GET /v1/chats` and `GET /v1/chats/{id}/messages`, so moving to those
 * routes changes this module only. Search runs over the same loaded messages.
 * @module
 */
import type { Message, SdmpApi, Whoami } from '@sdmp/client'

/** Most messages loaded at once: the API's largest page (`API_PAGE_LIMITS.list`). */
export const LOADED_LIMIT = 1_000

/** One chat as the chat list shows it (the contract's `ChatSummary`). */
export interface ChatSummary {
  readonly id: string
  /** The fingerprints of the people in it, sorted. */
  readonly with: readonly string[]
  /** Their names, same order as {@link with}. */
  readonly names: readonly string[]
  readonly last: Message
  readonly unread: number
  readonly messages: number
}

/** The optional sender-visible outcome of a message (`waiting`/`rejected` states). */
export function reasonOf(m: Message): string | null {
  const reason = (m as { reason?: unknown }).reason
  return typeof reason === 'string' && reason !== '' ? reason : null
}

/** The people of a chat id (empty for none). */
export function chatMembers(id: string): string[] {
  return id === '' ? [] : id.split('.')
}

/** The chat id of a message for the signed-in user (see the module comment). */
export function chatIdOf(m: Message, me: string): string {
  const people = new Set(m.direction === 'in' ? [m.from, ...m.to] : m.to)
  people.delete(me)
  if (people.size === 0) return me
  return [...people].sort().join('.')
}

/** Newest first by creation time (the API's order is not relied upon). */
export function newestFirst<T extends { readonly created: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => Date.parse(b.created) - Date.parse(a.created))
}

/** Every message this node holds and can read, sent and received, newest first. */
async function loaded(api: SdmpApi): Promise<Message[]> {
  const { messages } = await api.inbox({ all: true, limit: LOADED_LIMIT })
  return newestFirst(messages)
}

/** The user of a session (the node's own fingerprint before an identity exists). */
function userOf(me: Whoami): string {
  return me.user ?? me.node
}

/** The chats, most recent activity first, with names from `nameOf`. */
export async function listChats(
  api: SdmpApi,
  me: Whoami,
  nameOf: (user: string) => string,
): Promise<ChatSummary[]> {
  const user = userOf(me)
  const byId = new Map<string, Message[]>()
  for (const m of await loaded(api)) {
    const id = chatIdOf(m, user)
    const list = byId.get(id)
    if (list === undefined) byId.set(id, [m])
    else list.push(m)
  }
  return [...byId].map(([id, messages]) => {
    const people = id === user ? [] : chatMembers(id)
    return {
      id,
      with: people,
      names: people.map(nameOf),
      last: messages[0]!,
      unread: messages.filter((m) => m.direction === 'in' && m.state === 'unread').length,
      messages: messages.length,
    }
  })
}

/** The messages of one chat, newest first; an unknown chat has none. */
export async function chatMessages(api: SdmpApi, me: Whoami, id: string): Promise<Message[]> {
  const user = userOf(me)
  return (await loaded(api)).filter((m) => chatIdOf(m, user) === id)
}

/** Received messages not read yet, over every chat. */
export async function unreadTotal(api: SdmpApi, me: Whoami): Promise<number> {
  const chats = await listChats(api, me, (u) => u)
  return chats.reduce((sum, c) => sum + c.unread, 0)
}

/**
 * Messages whose body, subject or attachment names contain every word of `query` (case and
 * accents ignored), newest first. Runs over the loaded messages (see the module comment).
 */
export async function searchMessages(api: SdmpApi, query: string): Promise<Message[]> {
  const words = fold(query)
    .split(/\s+/)
    .filter((w) => w !== '')
  if (words.length === 0) return []
  return (await loaded(api)).filter((m) => {
    const text = fold(
      [m.body, m.subject ?? '', ...(m.attachments ?? []).map((a) => a.name)].join('\n'),
    )
    return words.every((w) => text.includes(w))
  })
}

/** Lower case without diacritics, for matching. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}
