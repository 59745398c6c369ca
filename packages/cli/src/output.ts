/**
 * Output for people: colors (only on a terminal, never when NO_COLOR is set) and aligned columns.
 * @module
 */

/** Text decorations; identity functions when color is off. */
export interface Style {
  readonly enabled: boolean
  ok(text: string): string
  bad(text: string): string
  warn(text: string): string
  dim(text: string): string
  bold(text: string): string
}

/**
 * Color only when stdout is a TTY and NO_COLOR is absent or empty (https://no-color.org: "when
 * present and not an empty string ... prevents the addition of ANSI color").
 */
export function shouldColor(
  isTTY: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const noColor = env['NO_COLOR']
  return isTTY === true && (noColor === undefined || noColor === '')
}

const sgr = (on: boolean, code: string) => (text: string) =>
  on ? `\u001b[${code}m${text}\u001b[0m` : text

/** A Style that emits ANSI SGR codes when `enabled`. */
export function createStyle(enabled: boolean): Style {
  return {
    enabled,
    ok: sgr(enabled, '32'),
    bad: sgr(enabled, '31'),
    warn: sgr(enabled, '33'),
    dim: sgr(enabled, '2'),
    bold: sgr(enabled, '1'),
  }
}

/** One table cell: its plain text and an optional decoration applied after padding. */
export interface Cell {
  readonly text: string
  readonly paint?: (text: string) => string
}

/**
 * Align rows into columns separated by two spaces. Widths are measured on the plain text, so
 * color codes never break alignment; the last column is not padded.
 */
export function formatColumns(rows: readonly (readonly (Cell | string)[])[]): string[] {
  const cells = rows.map((row) => row.map((c) => (typeof c === 'string' ? { text: c } : c)))
  const widths: number[] = []
  for (const row of cells)
    row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c.text].length)))
  return cells.map((row) =>
    row
      .map((c, i) => {
        const padded =
          i === row.length - 1
            ? c.text
            : c.text.padEnd(widths[i]! + c.text.length - [...c.text].length)
        return c.paint ? c.paint(padded) : padded
      })
      .join('  ')
      .trimEnd(),
  )
}
