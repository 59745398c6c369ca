/**
 * Message bodies for the terminal (docs/cli.md "Content types"): the sender declares the type
 * (`text`, `markdown`, `html`, schemas.md "message"); it is never sniffed. A body is untrusted
 * text from another user, so every control character is made visible before anything is
 * printed: a hostile body must not move the cursor, clear the screen or set the terminal
 * title. Markdown is rendered with ANSI styles when the {@link Style} is enabled (stdout is a
 * terminal and NO_COLOR is unset) and as plain text otherwise; html is shown as its text.
 * The only escape sequences in the output are the SGR codes this module adds itself.
 * @module
 */
import type { Style } from '../output.js'

/** The declared type of a body. */
export type BodyKind = 'text' | 'markdown' | 'html'

/** The note printed before an html body. */
export const HTML_NOTE = '(html shown as text)'

/**
 * Every C0 control but newline and tab, DEL, and every C1 control (U+0080..U+009F, which some
 * terminals read as CSI or OSC), made visible: C0 as its Unicode control picture (ESC is `␛`),
 * DEL as `␡`, C1 as `�`. Carriage return is escaped too: it would let a line overwrite itself.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0)
    if (code < 0x20) return String.fromCharCode(0x2400 + code)
    return code === 0x7f ? '\u2421' : '\ufffd'
  })
}

/** SGR on/off pairs; the off codes close only their own attribute, so styles nest. */
const SGR = {
  bold: ['1', '22'],
  italic: ['3', '23'],
  underline: ['4', '24'],
  strike: ['9', '29'],
  code: ['36', '39'],
  dim: ['2', '22'],
} as const

type Attr = keyof typeof SGR

/** A painter for one attribute; the identity when color is off. */
const painter =
  (on: boolean) =>
  (attr: Attr, text: string): string =>
    on && text !== '' ? `\u001b[${SGR[attr][0]}m${text}\u001b[${SGR[attr][1]}m` : text

/**
 * A body as lines for the terminal: controls escaped, markdown rendered, html reduced to its
 * text after a note line. `style.enabled` decides whether SGR codes are added.
 */
export function renderBody(body: string, type: BodyKind, style: Style): string {
  if (type === 'html') return `${style.dim(HTML_NOTE)}\n${escapeControls(htmlToText(body))}`
  const safe = escapeControls(body)
  return type === 'markdown' ? renderMarkdown(safe, style.enabled) : safe
}

/**
 * Markdown (the common subset: ATX headings, `-`/`*`/`+` and numbered lists, `>` quotes,
 * fenced code, thematic breaks; inline code, bold, italic, strike-through, links) as terminal
 * text. With `color`, headings are bold (level 1 also underlined), emphasis and code get their
 * SGR attributes and link texts are underlined; without it, the markers are removed and the
 * structure kept. Links are printed as `text (url)`: never turned into terminal hyperlinks.
 * The input must already be free of control characters ({@link escapeControls}).
 */
export function renderMarkdown(markdown: string, color: boolean): string {
  const paint = painter(color)
  const out: string[] = []
  let fence: string | undefined
  for (const line of markdown.split('\n')) {
    const fenceMark = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1]
    if (fence !== undefined) {
      if (fenceMark !== undefined && fenceMark[0] === fence[0] && fenceMark.length >= fence.length)
        fence = undefined
      else out.push(`    ${paint('code', line)}`)
      continue
    }
    if (fenceMark !== undefined) {
      fence = fenceMark
      continue
    }
    out.push(renderLine(line, paint))
  }
  return out.join('\n')
}

type Paint = (attr: Attr, text: string) => string

/** One line outside a code fence. */
function renderLine(line: string, paint: Paint): string {
  const heading = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)
  if (heading) {
    const text = paint('bold', renderInline(heading[2]!, paint))
    return heading[1]!.length === 1 ? paint('underline', text) : text
  }
  if (/^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$/.test(line)) return paint('dim', '─'.repeat(20))
  const quote = /^ {0,3}>[ ]?(.*)$/.exec(line)
  if (quote) return paint('dim', '│ ') + renderLine(quote[1]!, paint)
  const bullet = /^(\s*)[-*+][ \t]+(.*)$/.exec(line)
  if (bullet) return `${bullet[1]!}• ${renderInline(bullet[2]!, paint)}`
  const numbered = /^(\s*)([0-9]{1,9})[.)][ \t]+(.*)$/.exec(line)
  if (numbered) return `${numbered[1]!}${numbered[2]!}. ${renderInline(numbered[3]!, paint)}`
  return renderInline(line, paint)
}

/**
 * Inline markup of one line. Code spans are cut out first (nothing inside them is markup);
 * the rest is rendered link by link, then emphasis.
 */
export function renderInline(text: string, paint: Paint): string {
  const parts = text.split(/(`+)([^`]|[^`].*?[^`])\1(?!`)/)
  // split with two groups: [text, ticks, code, text, ticks, code, ..., text]
  let out = ''
  for (let i = 0; i < parts.length; i += 3) {
    out += renderSpans(parts[i] ?? '', paint)
    if (i + 2 < parts.length) out += paint('code', parts[i + 2]!.replace(/^ (.*) $/, '$1'))
  }
  return out
}

/** Links, autolinks and emphasis in text without code spans. */
function renderSpans(text: string, paint: Paint): string {
  return text
    .split(/(\[[^\]]*\]\([^()\s]*\)|<https?:\/\/[^>\s]+>)/)
    .map((piece, i) => {
      if (i % 2 === 0) return emphasis(piece, paint)
      if (piece.startsWith('<')) return paint('underline', piece.slice(1, -1))
      const m = /^\[([^\]]*)\]\(([^()\s]*)\)$/.exec(piece)!
      const label = emphasis(m[1]!, paint)
      return m[2] === '' || m[2] === m[1]
        ? paint('underline', label)
        : `${paint('underline', label)} (${m[2]})`
    })
    .join('')
}

/** Bold (`**`, `__`), italic (`*`, `_`) and strike-through (`~~`). */
function emphasis(text: string, paint: Paint): string {
  return text
    .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, (_, t: string) => paint('bold', t))
    .replace(/(?<![\w])__(?=\S)(.+?)(?<=\S)__(?![\w])/g, (_, t: string) => paint('bold', t))
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, (_, t: string) => paint('strike', t))
    .replace(/(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])/g, (_, t: string) =>
      paint('italic', t),
    )
    .replace(/(?<![\w])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w])/g, (_, t: string) => paint('italic', t))
}

/** The named entities decoded; any other `&name;` is left as it is. */
const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '©',
  reg: '®',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  laquo: '«',
  raquo: '»',
}

/** Block-level elements whose start or end breaks the line. */
const BLOCKS =
  'address|article|aside|blockquote|div|dl|dt|dd|fieldset|figure|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|table|tr|ul'

/**
 * The text of an html body: comments, `script`, `style` and the like dropped with their
 * content, `br` and block boundaries as newlines, `li` as `• `, every other tag removed,
 * entities decoded. Nothing is fetched and no link is followed (an `a` keeps only its text).
 * The result may hold control characters (from `&#27;`): escape it before printing.
 */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?(-->|$)/g, '')
    .replace(
      /<(script|style|head|template|noscript|iframe|object|svg)\b[\s\S]*?(<\/\1\s*>|$)/gi,
      '',
    )
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n• ')
    .replace(new RegExp(`</?(?:${BLOCKS})\\b[^>]*>`, 'gi'), '\n')
    .replace(/<\/?[A-Za-z!?/][^>]*>/g, '')
    .replace(/&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,8});/g, (all, e: string) => {
      if (e[0] !== '#') return ENTITIES[e] ?? all
      const code =
        e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)
      // Surrogates and values past U+10FFFF are not characters.
      return code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)
        ? '\ufffd'
        : String.fromCodePoint(code)
    })
  return text
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '')
}
