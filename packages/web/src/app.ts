/**
 * The web client's shell (docs/web.md): sign-in with the API token, hash routing between the
 * views, one error line and one status line, and live updates from the node's SSE stream
 * (`followEvents`, which resumes after the last event id when the connection drops).
 * @module
 */
import type { Contact, SdmpEvent, SdmpHttpClient, Whoami } from '@sdmp/client'
import { h, replaceChildren } from './dom.js'
import { errorCode, errorLine, parseRoute, short, tokenFromFragment } from './format.js'
import type { Route, ViewName } from './format.js'
import { Notifier } from './notify.js'
import { UnreadTitle } from './title.js'
import { chatView } from './views/chat.js'
import { chatsView, preview } from './views/chats.js'
import { composeView } from './views/compose.js'
import { contactsView } from './views/contacts.js'
import { devicesView } from './views/devices.js'
import { messageView } from './views/message.js'
import { peersView } from './views/peers.js'
import { postsView } from './views/posts.js'
import { signInForm } from './views/sign-in.js'
import { lazyView } from './views/view.js'
import type { Mounted, View, ViewContext, WebApi } from './views/view.js'

/** The sessionStorage key of the token (never localStorage: it must not outlive the tab). */
export const TOKEN_KEY = 'sdmp.token'

/** What the app needs of the client: the API, file uploads and the reconnecting event stream. */
export type AppApi = WebApi & Pick<SdmpHttpClient, 'followEvents'>

/** Collaborators of {@link App}, injected so nothing here reaches for globals. */
export interface AppOptions {
  readonly document: Document
  readonly storage: Storage
  readonly history: History
  readonly location: Location
  /** A client for this origin with this bearer token. */
  readonly createApi: (token: string) => AppApi
}

const VIEWS: Record<ViewName, View> = {
  chats: chatsView,
  chat: chatView,
  message: messageView,
  compose: composeView,
  contacts: contactsView,
  devices: devicesView,
  posts: postsView,
  peers: peersView,
  // Its own chunk, loaded when first shown.
  settings: lazyView('Settings', async () => (await import('./views/settings.js')).settingsView),
}

/** The navigation (view, label); `chat` and `message` belong to Chats. */
const NAV: readonly (readonly [ViewName, string])[] = [
  ['chats', 'Chats'],
  ['compose', 'New chat'],
  ['contacts', 'Contacts'],
  ['devices', 'Devices'],
  ['posts', 'Posts'],
  ['peers', 'Peers and status'],
  ['settings', 'Settings'],
]

/** Live-update states shown in the header. */
type LiveState = 'off' | 'live' | 'reconnecting'

/** The single-page app. */
export class App {
  readonly #o: AppOptions
  readonly #main: HTMLElement
  readonly #error: HTMLElement
  readonly #notice: HTMLElement
  readonly #nav: HTMLElement
  readonly #session: HTMLElement
  readonly #who: HTMLElement
  readonly #live: HTMLElement
  #api: AppApi | undefined
  #me: Whoami | undefined
  #contacts: Promise<readonly Contact[]> | undefined
  #contactList: readonly Contact[] = []
  readonly #notifier: Notifier
  readonly #title: UnreadTitle
  #mounted: Mounted | undefined
  #stream: AbortController | undefined
  #seq = 0
  #keepNotice = false
  #refreshing = false
  #refreshAgain = false
  #refreshTimer: ReturnType<typeof setTimeout> | undefined

  constructor(options: AppOptions) {
    this.#o = options
    const byId = (id: string): HTMLElement => {
      const el = options.document.getElementById(id)
      if (el === null) throw new Error(`index.html lacks #${id}`)
      return el
    }
    this.#main = byId('main')
    this.#error = byId('error')
    this.#notice = byId('notice')
    this.#nav = byId('nav')
    this.#session = byId('session')
    this.#who = byId('who')
    this.#live = byId('live')
    replaceChildren(this.#nav, navLinks())
    this.#title = new UnreadTitle(options.document)
    this.#notifier = new Notifier(
      byId('notify') as HTMLButtonElement,
      options.document.defaultView as Window & typeof globalThis,
      options.storage,
      (text) => this.notice(text),
    )
    byId('sign-out').addEventListener('click', () => this.signOut('Signed out.'))
    options.document.defaultView?.addEventListener('hashchange', () => {
      // A sign-in link opened in a tab that already shows this page changes only the hash.
      if (!this.#tokenFromLink()) void this.#render()
    })
  }

  /**
   * Boot: a sign-in link's `#token=…` wins (then leaves the address bar and history), else the
   * token of this tab's session, else the sign-in form.
   */
  async start(): Promise<void> {
    if (this.#tokenFromLink()) return
    const saved = this.#o.storage.getItem(TOKEN_KEY)
    if (saved !== null && saved !== '') await this.#signIn(saved)
    else this.#showSignIn()
  }

  /** Sign in with the token of a `#token=…` link, if the address has one; true if it had. */
  #tokenFromLink(): boolean {
    const { location, history } = this.#o
    const token = tokenFromFragment(location.hash)
    if (token === undefined) return false
    // replaceState, not assignment: the token must not stay in history or the address bar.
    history.replaceState(null, '', `${location.pathname}${location.search}#/chats`)
    void this.#signIn(token)
    return true
  }

  /** Forget the token, stop live updates and show the sign-in form. */
  signOut(reason?: string): void {
    clearTimeout(this.#refreshTimer)
    this.#stream?.abort()
    this.#stream = undefined
    this.#o.storage.removeItem(TOKEN_KEY)
    this.#api = undefined
    this.#me = undefined
    this.#contacts = undefined
    this.#mounted = undefined
    this.#title.use(undefined)
    this.#showSignIn()
    if (reason !== undefined) this.notice(reason)
  }

  async #signIn(token: string): Promise<void> {
    const api = this.#o.createApi(token)
    let me: Whoami
    try {
      me = await api.whoami()
    } catch (error) {
      if (errorCode(error) === 'UNAUTHORIZED') this.#o.storage.removeItem(TOKEN_KEY)
      this.#showSignIn()
      this.fail(error)
      return
    }
    this.#o.storage.setItem(TOKEN_KEY, token)
    this.#api = api
    this.#me = me
    this.#contacts = undefined
    replaceChildren(
      this.#who,
      `Signed in as ${me.name ?? 'me'}`,
      ' ',
      h('code', {}, short(me.user ?? me.node)),
    )
    this.#nav.hidden = false
    this.#session.hidden = false
    this.#notifier.show(true)
    this.#startLive(api)
    this.#title.use(api)
    await this.#render()
  }

  #showSignIn(): void {
    this.#nav.hidden = true
    this.#session.hidden = true
    this.#notifier.show(false)
    replaceChildren(this.#who)
    this.#setLive('off')
    this.#title.set('Sign in · sdmp')
    const form = signInForm((token) => this.#signIn(token))
    replaceChildren(this.#main, form)
    form.querySelector('input')?.focus()
  }

  /** Show a failure as one line; UNAUTHORIZED (a wrong or replaced token) signs out. */
  fail(error: unknown): void {
    if (errorCode(error) === 'UNAUTHORIZED' && this.#api !== undefined) {
      this.signOut()
    }
    this.#error.textContent = errorLine(error)
    this.#error.hidden = false
  }

  /** Set the polite status line. */
  notice(text: string): void {
    this.#notice.textContent = text
  }

  #clearError(): void {
    this.#error.hidden = true
    this.#error.textContent = ''
  }

  /** The context handed to views; bound to this app. */
  #context(api: AppApi, me: Whoami, route: Route, seq: number): ViewContext {
    return {
      api,
      route,
      me,
      nameOf: (user) => {
        if (user === me.user) return 'me'
        return this.#contactList.find((c) => c.user === user)?.name ?? short(user)
      },
      contacts: () => {
        this.#contacts ??= api.contacts().then(
          ({ contacts }) => (this.#contactList = contacts),
          (error: unknown) => {
            this.#contacts = undefined
            throw error
          },
        )
        return this.#contacts
      },
      invalidateContacts: () => (this.#contacts = undefined),
      navigate: (hash) => {
        this.#keepNotice = true
        if (this.#o.location.hash === hash) void this.#render()
        else this.#o.location.hash = hash
      },
      notice: (text) => this.notice(text),
      act: async (control, action) => {
        this.#clearError()
        if (control !== null) control.disabled = true
        try {
          await action()
          return true
        } catch (error) {
          this.fail(error)
          return false
        } finally {
          if (control !== null) control.disabled = false
        }
      },
      refreshLater: (ms) => {
        clearTimeout(this.#refreshTimer)
        this.#refreshTimer = setTimeout(() => {
          // Only the view that asked, still on screen for this sign-in.
          if (seq === this.#seq && this.#api === api) void this.#refresh()
        }, ms)
      },
      unreadChanged: () => this.#title.recount(),
    }
  }

  /** Build the view of the current route; a newer navigation wins over a slower older one. */
  async #render(): Promise<void> {
    const api = this.#api
    const me = this.#me
    if (api === undefined || me === undefined) return
    const seq = ++this.#seq
    clearTimeout(this.#refreshTimer)
    const route = parseRoute(this.#o.location.hash)
    const view = VIEWS[route.view]
    this.#clearError()
    if (!this.#keepNotice) this.notice('')
    this.#keepNotice = false
    const section = route.view === 'chat' || route.view === 'message' ? 'chats' : route.view
    for (const link of this.#nav.querySelectorAll('a')) {
      if (link.dataset['view'] === section) link.setAttribute('aria-current', 'page')
      else link.removeAttribute('aria-current')
    }
    let mounted: Mounted
    try {
      mounted = await view.mount(this.#context(api, me, route, seq))
    } catch (error) {
      if (seq !== this.#seq) return
      this.#mounted = undefined
      replaceChildren(this.#main, h('h1', { tabindex: -1 }, view.title(route)))
      this.fail(error)
      return
    }
    if (seq !== this.#seq || this.#api !== api) return
    this.#mounted = mounted
    this.#title.set(`${mounted.title ?? view.title(route)} · sdmp`)
    replaceChildren(this.#main, mounted.element)
    // Move focus to the new heading so screen readers announce the page change.
    mounted.element.querySelector<HTMLElement>('h1')?.focus()
  }

  /** Follow the node's events; reconnects and resumes inside `followEvents`. */
  #startLive(api: AppApi): void {
    this.#stream?.abort()
    const stream = new AbortController()
    this.#stream = stream
    this.#setLive('live')
    void (async () => {
      try {
        const events = api.followEvents({
          signal: stream.signal,
          onDisconnect: () => this.#setLive('reconnecting'),
        })
        for await (const event of events) {
          this.#setLive('live')
          this.#onEvent(event)
        }
      } catch (error) {
        if (stream.signal.aborted) return
        this.#setLive('off')
        this.fail(error)
      }
    })()
  }

  #onEvent(event: SdmpEvent): void {
    if (event.type === 'contact') this.#contacts = undefined
    // An edit or delete comes as the message again: it refreshes views but is not news.
    const changed =
      event.type === 'message' && (event.message.edited !== null || event.message.deleted)
    if (event.type === 'message' && event.message.direction === 'in' && !changed) {
      const m = event.message
      const from = this.#contactList.find((c) => c.user === m.from)?.name ?? short(m.from)
      this.notice(`New message from ${from}`)
      this.#notifier.message(m, {
        title: `New message from ${from}`,
        body: preview(m.body),
        hash: `#/chat/${encodeURIComponent(m.chat)}`,
      })
    }
    if (event.type === 'message' || event.type === 'receipt') this.#title.recount()
    if (this.#mounted?.refreshOn?.includes(event.type) === true) void this.#refresh()
  }

  /** Refresh the mounted view; events arriving meanwhile cause one more refresh, not many. */
  async #refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true
      return
    }
    this.#refreshing = true
    try {
      do {
        this.#refreshAgain = false
        const mounted = this.#mounted
        const focused = this.#o.document.activeElement?.id ?? ''
        await mounted?.refresh?.()
        // Keep the keyboard where it was when the list under it was rebuilt, only if the focus
        // was lost meanwhile: a jump or a click during the refresh moved it on purpose.
        const now = this.#o.document.activeElement
        const lost = now === null || now === this.#o.document.body
        if (focused !== '' && lost)
          this.#o.document.getElementById(focused)?.focus({ preventScroll: true })
      } while (this.#refreshAgain)
    } catch (error) {
      this.fail(error)
    } finally {
      this.#refreshing = false
    }
  }

  #setLive(state: LiveState): void {
    const text = { off: '', live: 'Live', reconnecting: 'Reconnecting…' }[state]
    this.#live.textContent = text
    this.#live.dataset['state'] = state
  }
}

/** The navigation links, built once into the shell's `<nav>`. */
export function navLinks(): HTMLElement {
  return h(
    'ul',
    {},
    ...NAV.map(([view, label]) =>
      h('li', {}, h('a', { href: `#/${view}`, 'data-view': view }, label)),
    ),
  )
}
