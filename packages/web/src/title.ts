/**
 * The document title with the unread count in front, `(3) Chats · sdmp` (docs/web.md §Chats):
 * the view names the page, the node's chats give the count (`GET /v1/chats`).
 * @module
 */
import type { SdmpApi } from '@sdmp/client'
import { unreadTotal } from './chats.js'

/** Keeps `document.title` as the current view's title led by the unread count. */
export class UnreadTitle {
  readonly #document: Document
  #title = 'sdmp'
  #unread = 0
  #api: SdmpApi | undefined
  #counting = false
  #again = false

  constructor(document: Document) {
    this.#document = document
  }

  /** The title of the page on screen (without the count). */
  set(title: string): void {
    this.#title = title
    this.#show()
  }

  /** Count for this signed-in API from now on; undefined (signed out) shows no count. */
  use(api: SdmpApi | undefined): void {
    this.#api = api
    this.#unread = 0
    this.#show()
    if (api !== undefined) this.recount()
  }

  /** Count the unread messages again; calls during a count cause one more count, not many. */
  recount(): void {
    const api = this.#api
    if (api === undefined) return
    if (this.#counting) {
      this.#again = true
      return
    }
    this.#counting = true
    void (async () => {
      do {
        this.#again = false
        try {
          const unread = await unreadTotal(api)
          if (this.#api !== api) return
          this.#unread = unread
          this.#show()
        } catch {
          // The title keeps its last count; the view shows the failure when it refreshes.
        }
      } while (this.#again)
    })().finally(() => (this.#counting = false))
  }

  #show(): void {
    const unread = this.#api === undefined ? 0 : this.#unread
    this.#document.title = unread > 0 ? `(${unread}) ${this.#title}` : this.#title
  }
}
