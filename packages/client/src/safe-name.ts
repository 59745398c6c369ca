/**
 * Local file names for attachments (issue 12 item 5, docs/security.md "Hardening (issue 12)"):
 * an attachment's name is chosen by its sender, so before it names a file on this machine
 * (`sdmp save`, the web client's downloads) it is made harmless: no hidden dot-files such as
 * `.bash_profile`, no path parts, no control or bidirectional characters that disguise an
 * extension (`invoice\u202Efdp.exe`), no Windows device names, a bounded length, never empty.
 * Browser-safe (no `node:` imports): the CLI and the web client share this one rule.
 * @module
 */

/** The name used when nothing usable is left. */
export const FALLBACK_FILE_NAME = 'attachment'

/**
 * Longest result in UTF-8 bytes. File systems allow 255; the rest leaves room for a ` (99)`
 * suffix and the CLI's `.sdmp-part-<12 hex>` temporary name next to the target.
 */
export const MAX_FILE_NAME_BYTES = 200

/** Extensions longer than this are not preserved when a name is shortened. */
const MAX_EXTENSION_BYTES = 16

/**
 * Replaced by `_`: control characters (C0, DEL, C1: Cc), format characters (Cf: every
 * bidirectional mark, embedding, override and isolate, U+061C, zero-width characters, the BOM,
 * the soft hyphen), lone surrogates (Cs), line and paragraph separators, and the characters
 * Windows forbids in names (`< > : " | ? *`), so a name saved here still works elsewhere.
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}<>:"|?*]/gu

/** DOS device names, reserved on Windows with any extension (`con.txt` opens the console). */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\s*\..*)?$/i

const encoder = new TextEncoder()
const bytesOf = (s: string): number => encoder.encode(s).length

/** The longest prefix of `s` (whole code points) of at most `max` UTF-8 bytes. */
function clip(s: string, max: number): string {
  let out = ''
  let used = 0
  for (const ch of s) {
    const n = bytesOf(ch)
    if (used + n > max) break
    out += ch
    used += n
  }
  return out
}

/** Shorten to `max` bytes, keeping a short extension; never leaves trailing dots or spaces. */
function bound(name: string, max: number): string {
  if (bytesOf(name) <= max) return name
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 ? name.slice(dot) : ''
  const keep = ext !== '' && bytesOf(ext) <= MAX_EXTENSION_BYTES ? ext : ''
  const stem = keep === '' ? name : name.slice(0, dot)
  return (clip(stem, max - bytesOf(keep)) + keep).replace(/[.\s]+$/u, '')
}

/**
 * Turn a sender-chosen attachment name into a safe local file name. The result never starts
 * with `.` or `-`, contains no `/` or `\`, no control, format (bidi, zero-width) or separator
 * characters, is not a Windows device name, is at most {@link MAX_FILE_NAME_BYTES} UTF-8 bytes
 * and is never empty. Idempotent: a safe name is returned unchanged.
 * @example safeFileName('../../.bash_profile') === '_bash_profile'
 */
export function safeFileName(name: string): string {
  if (typeof name !== 'string') return FALLBACK_FILE_NAME
  // Only the last path component: `../../x` is named `x`, wherever the sender meant it.
  const base = name.normalize('NFC').split(/[/\\]/).pop() ?? ''
  let s = base
    .replace(FORBIDDEN, '_')
    .trim()
    // Windows drops trailing dots and spaces; `.` and `..` end up empty here.
    .replace(/[.\s]+$/u, '')
  if (s === '') return FALLBACK_FILE_NAME
  // A leading dot hides the file (and `.bash_profile` runs at login); a leading dash reads as
  // an option to whatever command the user types next.
  if (s.startsWith('.') || s.startsWith('-')) s = `_${s.slice(1)}`
  if (RESERVED.test(s)) s = `_${s}`
  // Clipping keeps the start, so it cannot undo the checks above, and the start is not a dot
  // or a space, so the result is never empty.
  return bound(s, MAX_FILE_NAME_BYTES)
}

/**
 * The `n`th alternative of a safe name when a file with that name exists: `photo (1).png`,
 * `photo (2).png`, ... (as browsers do). Stays safe and within the length bound.
 * @param n 1 or more
 */
export function numberedFileName(safe: string, n: number): string {
  const dot = safe.lastIndexOf('.')
  const ext = dot > 0 && bytesOf(safe.slice(dot)) <= MAX_EXTENSION_BYTES ? safe.slice(dot) : ''
  const stem = ext === '' ? safe : safe.slice(0, dot)
  const suffix = ` (${n})${ext}`
  return clip(stem, MAX_FILE_NAME_BYTES - bytesOf(suffix)).replace(/[.\s]+$/u, '') + suffix
}
