/**
 * Flags shared by every command that opens an sdmp home, kept free of heavy imports so the
 * command table loads fast (docs/cli.md "Passphrase").
 * @module
 */
import type { OptionSpecs } from '../command.js'

/** `--passphrase-file FILE`: where the passphrase for secrets at rest is read from. */
export const ACCOUNT_OPTIONS: OptionSpecs = {
  'passphrase-file': {
    type: 'string',
    valueName: 'FILE',
    description: 'read the passphrase protecting the keys from FILE (else $SDMP_PASSPHRASE)',
  },
}

/** The first 12 characters of a fingerprint or id and an ellipsis, for people-facing text. */
export function short(fp: string): string {
  return `${fp.slice(0, 12)}…`
}
