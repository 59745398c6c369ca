/**
 * Receive side of a channel: queues authenticated messages until the application takes them
 * (callback or async iterator), and applies receive flow control by pausing the byte stream
 * while more than the high-water mark is queued (docs/protocol/transport.md §8).
 * @module
 */

/** What the inbox needs from its channel. */
export interface InboxHooks {
  /** Stop / restart reading the underlying stream. */
  pause(): void
  resume(): void
  /** Queued bytes above which reading pauses; it resumes below half of it. */
  readonly highWaterMark: number
  /** The application's handler threw: the channel ends with that error. */
  onHandlerError(error: unknown): void
}

/** In-order delivery of messages to one consumer. */
export class MessageInbox {
  #hooks: InboxHooks
  #handler: ((message: Uint8Array) => void) | null = null
  #queue: Uint8Array[] = []
  #bytes = 0
  #paused = false
  #ended = false
  #readers: ((r: IteratorResult<Uint8Array>) => void)[] = []

  constructor(hooks: InboxHooks) {
    this.#hooks = hooks
  }

  /** Hand one message to the handler, a waiting reader, or the queue. */
  deliver(message: Uint8Array): void {
    if (this.#handler) {
      this.#call(this.#handler, message)
      return
    }
    const reader = this.#readers.shift()
    if (reader) return reader({ value: message, done: false })
    this.#queue.push(message)
    this.#bytes += message.length
    if (!this.#paused && this.#bytes > this.#hooks.highWaterMark) {
      this.#paused = true
      this.#hooks.pause()
    }
  }

  /** Switch to callback delivery (queued messages first); null goes back to queueing. */
  setHandler(handler: ((message: Uint8Array) => void) | null): void {
    this.#handler = handler
    while (handler && this.#handler === handler && this.#queue.length > 0)
      if (!this.#call(handler, this.#take())) break
  }

  /** No more messages will come: waiting readers finish once the queue is empty. */
  end(): void {
    this.#ended = true
    if (this.#queue.length === 0)
      for (const r of this.#readers.splice(0)) r({ value: undefined, done: true })
  }

  /** Async iteration over messages; it ends when the channel has ended and the queue is drained. */
  iterator(): AsyncIterator<Uint8Array> {
    return {
      next: (): Promise<IteratorResult<Uint8Array>> => {
        if (this.#queue.length > 0) return Promise.resolve({ value: this.#take(), done: false })
        if (this.#ended) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => this.#readers.push(resolve))
      },
      return: (): Promise<IteratorResult<Uint8Array>> =>
        Promise.resolve({ value: undefined, done: true }),
    }
  }

  #call(handler: (message: Uint8Array) => void, message: Uint8Array): boolean {
    try {
      handler(message)
      return true
    } catch (error) {
      this.#handler = null
      this.#hooks.onHandlerError(error)
      return false
    }
  }

  #take(): Uint8Array {
    const m = this.#queue.shift()!
    this.#bytes -= m.length
    if (this.#paused && this.#bytes <= this.#hooks.highWaterMark / 2) {
      this.#paused = false
      this.#hooks.resume()
    }
    return m
  }
}
