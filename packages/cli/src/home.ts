/**
 * Where an sdmp home lives: `--home DIR`, else SDMP_HOME, else ~/.sdmp. Resolved, never created
 * here; commands that write create it themselves.
 * @module
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { usageError } from './cli-error.js'

/**
 * The absolute home directory.
 * @throws CliError USAGE when `--home` is given an empty value
 */
export function resolveHome(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (flag !== undefined) {
    if (flag === '') throw usageError("option '--home' needs a directory")
    return resolve(flag)
  }
  const fromEnv = env['SDMP_HOME']
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv)
  return defaultHome()
}

/** The home used when neither `--home` nor SDMP_HOME names one: `~/.sdmp`. */
export function defaultHome(): string {
  return join(homedir(), '.sdmp')
}
