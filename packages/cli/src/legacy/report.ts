/** People-facing rendering of a legacy verification report: an aligned ✓/✗ list and a summary. @module */
import type { Style } from '../output.js'
import { formatColumns } from '../output.js'
import type { LegacyReport } from './verify.js'

/** The report as aligned lines ending in a summary line. */
export function formatLegacyReport(report: LegacyReport, style: Style): string {
  const rows = report.checks.map((c) => {
    const paint = c.ok ? style.ok : c.expected === 'broken' ? style.warn : style.bad
    return [{ text: c.ok ? '✓' : '✗', paint }, c.name, { text: c.file, paint: style.dim }]
  })
  const lines: string[] = []
  formatColumns(rows).forEach((line, i) => {
    lines.push(line)
    const c = report.checks[i]!
    if (!c.ok) {
      const note = c.expected === 'broken' ? ' [expected: known broken]' : ''
      lines.push(
        `   ${(c.expected === 'broken' ? style.warn : style.bad)(`${c.reason ?? 'failed'}${note}`)}`,
      )
    }
  })
  const known = report.checks.filter((c) => !c.ok && c.expected === 'broken').length
  const unexpected = report.failed - known
  const summary = `${report.passed} passed, ${report.failed} failed (${known} known broken, ${unexpected} unexpected)`
  lines.push('', unexpected === 0 ? style.ok(summary) : style.bad(summary))
  return lines.join('\n')
}
