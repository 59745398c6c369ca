/**
 * What a view gets from the app and gives back: the API client, the current route, who is
 * signed in, contact names, navigation and the two feedback lines (docs/web.md §Views).
 * @module
 */
import type { Contact, SdmpApi, SdmpEventType, SdmpHttpClient, Whoami } from '@sdmp/client'
import type { Route } from '../format.js'

/**
 * What the views use of the API: the typed client, reading attachments and uploading a browser
 * `File` (SdmpHttpClient sends a `Blob` body as it is: browsers refuse streamed uploads over
 * HTTP/1.1).
 */
export type WebApi = SdmpApi & Pick<SdmpHttpClient, 'attachment' | 'uploadBlob'>

/** Services a view uses; implemented by the app. */
export interface ViewContext {
  readonly api: WebApi
  readonly route: Route
  readonly me: Whoami
  /** A user's contact name, `me`, or a short fingerprint (always plain text). */
  nameOf(user: string): string
  /** The contacts, cached until a `contact` event or {@link invalidateContacts}. */
  contacts(): Promise<readonly Contact[]>
  invalidateContacts(): void
  /** Go to a route (`#/…`). */
  navigate(hash: string): void
  /** A polite status line for screen readers and sighted users alike. */
  notice(text: string): void
  /**
   * Run a user action: `control` is disabled meanwhile, the error line is cleared first and any
   * failure ends up there as one line. Resolves true when the action succeeded.
   */
  act(control: HTMLButtonElement | null, action: () => Promise<void>): Promise<boolean>
  /**
   * Refresh this view once more after `ms`, if it is still on screen then: for state that
   * changes without an event (an attachment arriving). A later call replaces an earlier one.
   */
  refreshLater(ms: number): void
  /** Messages were marked read here: the unread count in the title is out of date. */
  unreadChanged(): void
}

/** A view on screen. */
export interface Mounted {
  readonly element: HTMLElement
  /** Event types after which {@link refresh} runs (live updates from the SSE stream). */
  readonly refreshOn?: readonly SdmpEventType[]
  /** Reload the data in place, leaving forms as the user left them. */
  refresh?(): Promise<void>
  /** The document title, when it depends on the data (a chat's people). */
  readonly title?: string
}

/** A view: its title and how it builds itself. */
export interface View {
  title(route: Route): string
  /** @throws the API's errors (the app shows them as one line) */
  mount(ctx: ViewContext): Promise<Mounted>
}

/**
 * A view whose code is a chunk of its own (esbuild `splitting`, build.mjs), fetched the first
 * time it shows: pages most sessions never open (Settings) stay out of `app.js`.
 */
export function lazyView(title: string, load: () => Promise<View>): View {
  return {
    title: () => title,
    mount: async (ctx) => (await load()).mount(ctx),
  }
}
