/** Split a journal file into lines (a final newline is allowed, as verifyJournal does). @module */
import type { VectorFiles } from './check.js'

/** The lines of journal `file`. @throws CheckFailure when the file cannot be read */
export function journalLines(files: VectorFiles, file: string): string[] {
  const lines = files.text(file).split('\n')
  return lines.length > 1 && lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines
}
