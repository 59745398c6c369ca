/**
 * Flags every command accepts (issue 5 contract): --home, --json, --help, --version.
 * @module
 */
import type { OptionSpecs } from './command.js'

/** Global flags, merged into every command's own flags before parsing. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  home: {
    type: 'string',
    valueName: 'DIR',
    description: 'home directory (default: $SDMP_HOME, else ~/.sdmp)',
  },
  json: {
    type: 'boolean',
    description: 'print one JSON document on stdout; errors as JSON on stderr',
  },
  help: { type: 'boolean', short: 'h', description: 'show help for this command' },
  version: { type: 'boolean', description: 'print the sdmp version' },
}
