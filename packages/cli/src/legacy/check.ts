/**
 * The building blocks of `sdmp legacy verify`: one check result per claim about an SDMP 0.12
 * example file, a failure type carrying the reason, and a cached, bounded reader for the
 * directory. Nothing here writes; a bad or missing file becomes a failed check, never a crash.
 * docs/legacy.md.
 * @module
 */
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { locateJsonError } from './json-syntax.js'

/** One reported check: the JSON shape of `sdmp legacy verify --json`. */
export interface LegacyCheck {
  readonly name: string
  /** The example file the check is about (relative to the directory). */
  readonly file: string
  readonly ok: boolean
  /** Why the check failed; absent when ok. */
  readonly reason?: string
  /** Present when the failure is exactly the documented defect of a known-broken file. */
  readonly expected?: 'broken'
}

/** A check's verdict "failed", with a reason; `known` marks the documented defect. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure'
  readonly known: boolean
  constructor(reason: string, known = false) {
    super(reason)
    this.known = known
  }
}

/** Fail the current check. */
export function failCheck(reason: string): never {
  throw new CheckFailure(reason)
}

/** One check to run: `run` returns normally when the claim holds and throws CheckFailure if not. */
export interface CheckSpec {
  readonly name: string
  readonly file: string
  run(files: VectorFiles): void
}

/** Run one check, turning every exception into a failed result (the report must be complete). */
export function runCheck(spec: CheckSpec, files: VectorFiles): LegacyCheck {
  try {
    spec.run(files)
    return { name: spec.name, file: spec.file, ok: true }
  } catch (e) {
    if (e instanceof CheckFailure)
      return {
        name: spec.name,
        file: spec.file,
        ok: false,
        reason: e.message,
        ...(e.known && { expected: 'broken' as const }),
      }
    // Not a verdict on the file: an unexpected exception. Still reported, never thrown.
    const message = e instanceof Error ? e.message : String(e)
    return { name: spec.name, file: spec.file, ok: false, reason: `unexpected error: ${message}` }
  }
}

/** The example files are a few KiB; anything above this is not one of them. */
export const MAX_FILE_BYTES = 1 << 20

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'file not found',
  ENOTDIR: 'not a directory on the path',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
}

/** Read-only, cached access to the files of one directory, failing checks with clear reasons. */
export class VectorFiles {
  readonly dir: string
  #cache = new Map<string, Uint8Array | CheckFailure>()

  constructor(dir: string) {
    this.dir = dir
  }

  /** The raw bytes of `name`. @throws CheckFailure "NAME: file not found", ... */
  bytes(name: string): Uint8Array {
    let entry = this.#cache.get(name)
    if (entry === undefined) {
      entry = this.#read(name)
      this.#cache.set(name, entry)
    }
    if (entry instanceof CheckFailure) throw entry
    return entry
  }

  /** The file as strict UTF-8 text. @throws CheckFailure */
  text(name: string): string {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(this.bytes(name))
    } catch (e) {
      if (e instanceof CheckFailure) throw e
      return failCheck(`${name}: not valid UTF-8`)
    }
  }

  /** The file parsed as JSON. @throws CheckFailure "NAME: not valid JSON (...)" */
  json(name: string): unknown {
    const text = this.text(name)
    try {
      return JSON.parse(text) as unknown
    } catch {
      const at = locateJsonError(text)
      return failCheck(`${name}: not valid JSON${at.description}`)
    }
  }

  #read(name: string): Uint8Array | CheckFailure {
    const path = join(this.dir, name)
    try {
      // stat first: never read a FIFO or a huge file by mistake.
      const st = statSync(path)
      if (st.isDirectory()) return new CheckFailure(`${name}: is a directory`)
      if (!st.isFile()) return new CheckFailure(`${name}: not a regular file`)
      if (st.size > MAX_FILE_BYTES)
        return new CheckFailure(`${name}: ${st.size} bytes, larger than ${MAX_FILE_BYTES}`)
      return new Uint8Array(readFileSync(path))
    } catch (e) {
      const code = (e as { code?: unknown }).code
      const why =
        typeof code === 'string' ? (REASONS[code] ?? `cannot read (${code})`) : 'cannot read'
      return new CheckFailure(`${name}: ${why}`)
    }
  }
}

/**
 * Read a string at a dotted path of a parsed JSON value (`signature.payload`,
 * `signature.signatures.0.protected`). @throws CheckFailure naming the file and the path
 */
export function stringAt(value: unknown, path: string, file: string): string {
  let v: unknown = value
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) {
      v = undefined
      break
    }
    v = (v as Record<string, unknown>)[key]
  }
  if (typeof v !== 'string')
    failCheck(`${file}: ${path}: expected string, got ${v === null ? 'null' : typeof v}`)
  return v
}

/** The index of the first differing byte, or -1 when equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : n
}
