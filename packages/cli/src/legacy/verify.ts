/**
 * `sdmp legacy verify`: run every check over an SDMP 0.12 example directory and summarize.
 * Read-only and offline; each check is independent, so one bad file fails only the checks that
 * use it. docs/legacy.md.
 * @module
 */
import { runCheck, VectorFiles } from './check.js'
import type { LegacyCheck } from './check.js'
import { ENCODING_CHECKS } from './checks-encoding.js'
import { ENCRYPTED_CHECKS } from './checks-encrypted.js'
import { JOURNAL_CHECKS } from './checks-journal.js'
import { KEY_CHECKS } from './checks-keys.js'
import { SIGNED_CHECKS } from './checks-signed.js'

export type { LegacyCheck } from './check.js'

/** The report: the `--json` document of `sdmp legacy verify`. */
export interface LegacyReport {
  readonly checks: readonly LegacyCheck[]
  readonly passed: number
  readonly failed: number
}

/** Every check, in report order. */
export const ALL_CHECKS = [
  ...KEY_CHECKS,
  ...ENCODING_CHECKS,
  ...SIGNED_CHECKS,
  ...ENCRYPTED_CHECKS,
  ...JOURNAL_CHECKS,
] as const

/**
 * Check the example files in `dir`. Never throws for bad input: a missing directory or file, a
 * truncated or tampered file each fail the checks that depend on it, with a reason.
 * @example verifyLegacyDir('../shared/vectors/sdmp-0.12').failed
 */
export function verifyLegacyDir(dir: string): LegacyReport {
  const files = new VectorFiles(dir)
  const checks = ALL_CHECKS.map((spec) => runCheck(spec, files))
  const passed = checks.filter((c) => c.ok).length
  return { checks, passed, failed: checks.length - passed }
}

/**
 * The failures that are not the documented defects of known-broken files. The command exits 0
 * when this is empty (docs/legacy.md §exit status).
 */
export function unexpectedFailures(report: LegacyReport): LegacyCheck[] {
  return report.checks.filter((c) => !c.ok && c.expected !== 'broken')
}
