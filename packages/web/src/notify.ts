/**
 * Browser notifications of new messages, opt-in (docs/web.md §Notifications): the browser is
 * asked for permission only when the user clicks "Enable notifications", never on load; a
 * notification shows only while the tab is hidden (a visible tab has the status line and the
 * title's unread count), and the choice lasts as long as the tab's session.
 * @module
 */
import type { Message } from '@sdmp/client'

/** The sessionStorage key of the opt-in. */
export const NOTIFY_KEY = 'sdmp.notify'

/** What a notification needs to say and where a click on it leads. */
export interface Notice {
  readonly title: string
  readonly body: string
  /** The route a click opens (`#/chat/…`). */
  readonly hash: string
}

/** The opt-in button and the notifications it enables. */
export class Notifier {
  readonly #button: HTMLButtonElement
  readonly #window: Window & typeof globalThis
  readonly #storage: Storage
  readonly #say: (text: string) => void

  constructor(
    button: HTMLButtonElement,
    window: Window & typeof globalThis,
    storage: Storage,
    say: (text: string) => void,
  ) {
    this.#button = button
    this.#window = window
    this.#storage = storage
    this.#say = say
    button.addEventListener('click', () => void this.#toggle())
  }

  /** The Notification API, when this browser has one. */
  get #api(): typeof Notification | undefined {
    return 'Notification' in this.#window ? this.#window.Notification : undefined
  }

  /** True when the user opted in and the browser allows it. */
  get enabled(): boolean {
    return this.#storage.getItem(NOTIFY_KEY) === '1' && this.#api?.permission === 'granted'
  }

  /** Show the button (signed in) or hide it (signed out, or no Notification API). */
  show(visible: boolean): void {
    this.#button.hidden = !visible || this.#api === undefined
    this.#label()
  }

  #label(): void {
    const on = this.enabled
    this.#button.textContent = on ? 'Notifications on' : 'Enable notifications'
    this.#button.setAttribute('aria-pressed', String(on))
  }

  async #toggle(): Promise<void> {
    const api = this.#api
    if (api === undefined) return
    if (this.enabled) {
      this.#storage.removeItem(NOTIFY_KEY)
      this.#say('Notifications off')
    } else {
      // The only place permission is asked: in answer to this click.
      const permission =
        api.permission === 'default' ? await api.requestPermission() : api.permission
      if (permission === 'granted') {
        this.#storage.setItem(NOTIFY_KEY, '1')
        this.#say('Notifications on: new messages are announced while this tab is hidden')
      } else {
        this.#say('Notifications are blocked for this page in the browser settings')
      }
    }
    this.#label()
  }

  /** Announce a received message, if enabled and the tab is hidden. */
  message(m: Message, notice: Notice): void {
    if (m.direction !== 'in' || !this.enabled || !this.#window.document.hidden) return
    const api = this.#api!
    const shown = new api(notice.title, { body: notice.body, tag: notice.hash })
    shown.addEventListener('click', () => {
      this.#window.focus()
      this.#window.location.hash = notice.hash
      shown.close()
    })
  }
}
