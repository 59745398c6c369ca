/**
 * Secret registry and log scanner for the whole-test-run leak check (issue 6, docs/security.md
 * §4): tests register every token, seed, secret key and plaintext body they create, and
 * `scripts/run-tests.mjs` scans every log of the run for any of them afterwards.
 * @module
 */
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Environment variable naming the file secrets are appended to (set by run-tests.mjs). */
export const SECRETS_FILE_ENV = 'SDMP_SECRETS_FILE'
/** Environment variable naming the directory every log of the run is written to. */
export const TEST_LOG_DIR_ENV = 'SDMP_TEST_LOG_DIR'
/**
 * Shortest form searched for, in characters: shorter strings (a two-letter message body) would
 * match ordinary log text by chance and say nothing about a leak.
 */
export const MIN_SECRET_CHARS = 8

/** One registered secret: a label (never the value) and the text forms it may leak in. */
interface SecretRecord {
  readonly label: string
  readonly forms: readonly { readonly name: string; readonly text: string }[]
}

/** A secret found in a log file: which secret (by label), in which form, in which file. */
export interface SecretHit {
  readonly label: string
  readonly form: string
  readonly file: string
}

/**
 * The text forms a secret may leak in: bytes as hex, base64url and base64; a string as itself
 * and its UTF-8 bytes in hex and base64url (a body logged as an encoded payload).
 */
function formsOf(value: string | Uint8Array): SecretRecord['forms'] {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const forms = [
    ...(typeof value === 'string' ? [{ name: 'text', text: value }] : []),
    { name: 'hex', text: b.toString('hex') },
    { name: 'base64url', text: b.toString('base64url') },
    { name: 'base64', text: b.toString('base64').replace(/=+$/, '') },
  ]
  const seen = new Set<string>()
  return forms.filter((f) => {
    if (f.text.length < MIN_SECRET_CHARS || seen.has(f.text)) return false
    seen.add(f.text)
    return true
  })
}

/**
 * Register a value that must never appear in any log of this test run. A no-op unless
 * `SDMP_SECRETS_FILE` is set (run-tests.mjs sets it), so tests run alone behave the same.
 * @param label what the secret is (`alice api-token`), printed on a hit instead of the value
 * @param options.file another registry file (the scanner's own unit test)
 * @example registerSecret(token, 'alice api-token')
 */
export function registerSecret(
  value: string | Uint8Array,
  label: string,
  options: { file?: string } = {},
): void {
  const file = options.file ?? process.env[SECRETS_FILE_ENV]
  if (!file) return
  const forms = formsOf(value)
  if (forms.length === 0) return
  const record: SecretRecord = { label, forms }
  // One short line per append: O_APPEND keeps concurrent test processes from interleaving.
  appendFileSync(file, JSON.stringify(record) + '\n', { mode: 0o600 })
}

/** Every secret in a registry file; damaged lines are reported as a bug, not skipped. */
function readRegistry(file: string): SecretRecord[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line) as SecretRecord
      } catch (cause) {
        throw new Error(`secrets registry line ${i + 1} is damaged`, { cause })
      }
    })
}

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const st = statSync(path)
    if (st.isDirectory()) filesUnder(path, out)
    else if (st.isFile()) out.push(path)
  }
  return out
}

/** How many secrets a registry file holds. */
export function countSecrets(secretsFile: string): number {
  return readRegistry(secretsFile).length
}

/**
 * Scan every file under `logDir` for every secret registered in `secretsFile`. Returns the
 * hits by label and file; the secret itself is never part of the result, so printing it is safe.
 * @example scanForSecrets(logDir, secretsFile) // [] when nothing leaked
 */
export function scanForSecrets(logDir: string, secretsFile: string): SecretHit[] {
  const secrets = readRegistry(secretsFile)
  const hits: SecretHit[] = []
  if (secrets.length === 0) return hits
  for (const file of filesUnder(logDir)) {
    const text = readFileSync(file, 'utf8')
    for (const s of secrets) {
      const form = s.forms.find((f) => text.includes(f.text))
      if (form) hits.push({ label: s.label, form: form.name, file })
    }
  }
  return hits
}
