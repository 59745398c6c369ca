/** The version printed by `sdmp --version`, read from the package manifest on demand. @module */
import { readFileSync } from 'node:fs'

/** The @sdmp/cli package version (dist/src/version.js -> ../../package.json). */
export function cliVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version?: unknown }
  if (typeof manifest.version !== 'string') throw new Error('package.json: missing version')
  return manifest.version
}
