/**
 * Locate the first JSON syntax error in a text, for a reason people can act on (Node 20's
 * JSON.parse message gives no offset). Only called after JSON.parse has already failed.
 * @module
 */

/** Where JSON text stops being valid, with a short excerpt ending at the offending character. */
export interface JsonErrorLocation {
  readonly offset: number
  /** e.g. `at offset 83: "user":}` or `: unexpected end at offset 12`. */
  readonly description: string
  /** The excerpt: up to 7 characters before the error and the offending character. */
  readonly excerpt: string
}

class SyntaxStop {
  constructor(readonly offset: number) {}
}

/** Run a minimal RFC 8259 recognizer over `text` and report where it fails. */
export function locateJsonError(text: string): JsonErrorLocation {
  let i = 0
  const stop = (): never => {
    throw new SyntaxStop(i)
  }
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const lit = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) return (i--, stop())
  }
  const str = () => {
    i++ // opening quote
    for (;;) {
      const c = text.charCodeAt(i)
      if (i >= text.length || c < 0x20) stop()
      if (c === 0x22) return void i++
      if (c === 0x5c) {
        i++
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) stop()
          i += 5
        } else if ('"\\/bfnrt'.includes(text[i] ?? '#')) i++
        else stop()
      } else i++
    }
  }
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i))
    if (!m) stop()
    i += m![0].length
  }
  const value = (depth: number): void => {
    if (depth > 512) stop()
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      ws()
      if (text[i] === '}') return void i++
      for (;;) {
        ws()
        if (text[i] !== '"') stop()
        str()
        ws()
        if (text[i] !== ':') stop()
        i++
        value(depth + 1)
        ws()
        if (text[i] === ',') i++
        else if (text[i] === '}') return void i++
        else stop()
      }
    }
    if (c === '[') {
      i++
      ws()
      if (text[i] === ']') return void i++
      for (;;) {
        value(depth + 1)
        ws()
        if (text[i] === ',') i++
        else if (text[i] === ']') return void i++
        else stop()
      }
    }
    if (c === '"') return str()
    if (c === 't') return lit('true')
    if (c === 'f') return lit('false')
    if (c === 'n') return lit('null')
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return num()
    stop()
  }
  let offset = text.length
  try {
    value(0)
    ws()
    if (i < text.length) stop()
  } catch (e) {
    if (!(e instanceof SyntaxStop)) throw e
    offset = e.offset
  }
  const excerpt = text.slice(Math.max(0, offset - 7), offset + 1)
  const description =
    offset >= text.length
      ? `: unexpected end at offset ${offset}`
      : ` at offset ${offset}: ${excerpt}`
  return { offset, description, excerpt }
}
