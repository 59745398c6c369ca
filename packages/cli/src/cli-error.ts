/**
 * Errors the CLI itself raises: usage errors (exit 2) and command failures with their own code.
 * ProtocolErrors from the libraries pass through unchanged and are mapped in exit-codes.ts.
 * @module
 */
import { EXIT } from './exit-codes.js'

/** An expected CLI failure: printed as one line (or the error JSON), never with a stack. */
export class CliError extends Error {
  override readonly name = 'CliError'
  readonly code: string
  readonly exitCode: number
  constructor(code: string, message: string, exitCode: number) {
    super(message)
    this.code = code
    this.exitCode = exitCode
  }
}

/** A usage error: bad flag, missing or extra argument, unknown command. Exit code 2. */
export function usageError(message: string): CliError {
  return new CliError('USAGE', message, EXIT.USAGE)
}

/**
 * True for a ProtocolError from any copy of @sdmp/core. Checked structurally so the CLI entry
 * does not load core just to classify errors (cold start matters for every command).
 */
export function isProtocolErrorLike(e: unknown): e is Error & { code: string } {
  return (
    e instanceof Error &&
    e.name === 'ProtocolError' &&
    typeof (e as { code?: unknown }).code === 'string'
  )
}
