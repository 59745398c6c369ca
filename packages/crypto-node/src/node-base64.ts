/**
 * Native strict base64url decoding for the Node preset: the optional
 * `CryptoProvider.decodeBase64urlText` (docs/protocol/encoding.md §2), the hot step of decoding
 * a resource payload. Node's own decoder is lenient (it skips unknown characters and ignores
 * trailing bits), so the strict rules are checked first and the native decoder only ever sees
 * canonical text.
 * @module
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const VALUE = new Uint8Array(128)
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i
const ALPHABET_ONLY = /^[A-Za-z0-9_-]*$/
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
/**
 * Decoded bytes only live here until they are turned into a string, within one synchronous
 * call: no allocation per payload (an off-heap allocation costs more than the decoding).
 */
const scratch = Buffer.allocUnsafeSlow(64 * 1024)

/** The decoded length of strict base64url text, or -1 when the text is not strict base64url. */
function strictLength(text: string): number {
  if (typeof text !== 'string') return -1
  const len = text.length
  const rest = len % 4
  if (rest === 1 || !ALPHABET_ONLY.test(text)) return -1
  if (rest !== 0) {
    // Canonical form: the bits of the last character beyond the last full byte must be zero.
    const last = VALUE[text.charCodeAt(len - 1)]!
    if ((rest === 2 && (last & 15) !== 0) || (rest === 3 && (last & 3) !== 0)) return -1
  }
  return Math.floor((len * 3) / 4)
}

/**
 * Decode strict unpadded base64url, then strict UTF-8, natively: the same string as core's
 * `fromUtf8(fromBase64url(text))` whenever that succeeds, undefined whenever it throws (wrong
 * length, padding or any character outside the alphabet, non-zero trailing bits, invalid
 * UTF-8). Never throws.
 */
export function decodeBase64urlText(text: string): string | undefined {
  const n = strictLength(text)
  if (n < 0) return undefined
  const buf = n <= scratch.length ? scratch : Buffer.allocUnsafe(n)
  if (buf.write(text, 0, n, 'base64url') !== n) return undefined
  try {
    return utf8.decode(buf.subarray(0, n))
  } catch {
    return undefined
  }
}
