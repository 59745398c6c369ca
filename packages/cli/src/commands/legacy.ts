/**
 * `sdmp legacy ...`: read-only tools for SDMP 0.12 data. `legacy verify DIR` checks the 0.12
 * example files offline (docs/legacy.md).
 * @module
 */
import type { Command } from '../command.js'
import { statSync } from 'node:fs'
import { EXIT } from '../exit-codes.js'

/** A prefix for the failure line when DIR itself is the problem, so the first line says so. */
function directoryProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : `${dir}: not a directory; `
  } catch {
    return `${dir}: directory not found; `
  }
}

/** `sdmp legacy verify DIR`: check every SDMP 0.12 example file in DIR that can be checked. */
export const legacyVerifyCommand: Command = {
  name: 'verify',
  summary: 'check the SDMP 0.12 example files in DIR (read-only, offline)',
  usage: 'legacy verify DIR [--json]',
  options: {},
  args: [{ name: 'DIR', required: true }],
  details: [
    'Checks key fingerprints, encodings, the signed identity, trust and user resources, the',
    'RSA-wrapped AES keys and AES-CBC ciphertext of the encrypted example, and the journal chains.',
    'Exit status is 0 when every failure is the documented defect of a known-broken file',
    '(trust-resource.json, spec-example-journal.txt), 1 otherwise. See docs/legacy.md.',
  ].join('\n'),
  async run(ctx) {
    // Loaded here, not at start-up: node:crypto RSA and the checks are only needed by this command.
    const { verifyLegacyDir, unexpectedFailures } = await import('../legacy/verify.js')
    const { formatLegacyReport } = await import('../legacy/report.js')
    const dir = ctx.args[0]!
    const report = verifyLegacyDir(dir)
    const unexpected = unexpectedFailures(report)
    const missing = directoryProblem(dir)
    return {
      value: report,
      text: formatLegacyReport(report, ctx.style),
      ...(unexpected.length > 0 && {
        failure: {
          code: 'CHECKS_FAILED',
          message: `${missing ?? ''}${unexpected.length} of ${report.checks.length} checks failed unexpectedly (first: ${unexpected[0]!.name})`,
          exitCode: EXIT.FAILURE,
        },
      }),
    }
  },
}

/** `sdmp legacy`: the group of legacy 0.12 commands. */
export const legacyCommand: Command = {
  name: 'legacy',
  summary: 'read-only tools for SDMP 0.12 data',
  usage: 'legacy <command> [options]',
  options: {},
  subcommands: [legacyVerifyCommand],
}
