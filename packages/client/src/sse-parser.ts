/**
 * An incremental Server-Sent Events parser (WHATWG HTML §9.2.6 "Interpreting an event stream"):
 * `data`, `event`, `id` and `retry` fields, multi-line data, comments, and CRLF, LF or CR line
 * ends, including a CRLF split across two chunks. Pure: no I/O, usable in browsers and Node.
 * @module
 */

/** One dispatched SSE message. */
export interface SseMessage {
  /** The `event:` field, `message` when absent. */
  readonly event: string
  /** The `data:` lines joined with `\n`. */
  readonly data: string
  /** The last event id seen on the stream so far (it persists across messages, per the spec). */
  readonly id: string
}

/**
 * Feed decoded text chunks; get back the messages they complete. Create one per connection.
 * @example
 * const parser = new SseParser()
 * for (const message of parser.feed('event: post\ndata: {}\n\n')) console.log(message.event)
 */
export class SseParser {
  #buffer = ''
  #skipLf = false
  #bomChecked = false
  #data: string[] = []
  #event = ''
  /** Set by `id:` fields; committed to `#lastId` only when a blank line ends the frame. */
  #idBuffer = ''
  #lastId = ''
  #retry: number | undefined

  /**
   * The last event id of a complete frame (persists across messages; a frame with an `id:` and
   * no data also sets it). An `id:` of a frame cut off before its blank line does not count.
   */
  get lastId(): string {
    return this.#lastId
  }

  /** The reconnection time in ms the stream asked for with `retry:`, if any. */
  get retry(): number | undefined {
    return this.#retry
  }

  /** Parse a chunk of text; returns the messages completed by it, in order. */
  feed(chunk: string): SseMessage[] {
    if (!this.#bomChecked && chunk.length > 0) {
      this.#bomChecked = true
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1) // one leading BOM is ignored
    }
    const out: SseMessage[] = []
    let start = 0
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i)
      if (this.#skipLf) {
        this.#skipLf = false
        // the LF of a CRLF whose CR ended the previous line (maybe in the previous chunk)
        if (c === 0x0a && i === start) {
          start = i + 1
          continue
        }
      }
      if (c === 0x0a || c === 0x0d) {
        const line = this.#buffer + chunk.slice(start, i)
        this.#buffer = ''
        start = i + 1
        if (c === 0x0d) this.#skipLf = true
        const message = this.#line(line)
        if (message !== undefined) out.push(message)
      }
    }
    this.#buffer += chunk.slice(start)
    return out
  }

  /** One complete line: a blank line dispatches, `:` starts a comment, else a field. */
  #line(line: string): SseMessage | undefined {
    if (line === '') return this.#dispatch()
    if (line.charCodeAt(0) === 0x3a) return undefined
    const colon = line.indexOf(':')
    const name = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 0x20) value = value.slice(1)
    switch (name) {
      case 'data':
        this.#data.push(value)
        break
      case 'event':
        this.#event = value
        break
      case 'id':
        if (!value.includes('\0')) this.#idBuffer = value
        break
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.#retry = Number(value)
        break
      default: // unknown fields are ignored
    }
    return undefined
  }

  #dispatch(): SseMessage | undefined {
    // WHATWG §9.2.6 "dispatch the event", step 1: the id is committed even when no data follows.
    this.#lastId = this.#idBuffer
    const data = this.#data
    const event = this.#event
    this.#data = []
    this.#event = ''
    // No data line: nothing is dispatched (a lone `id:` or `retry:` still took effect).
    if (data.length === 0) return undefined
    return { event: event === '' ? 'message' : event, data: data.join('\n'), id: this.#lastId }
  }
}
