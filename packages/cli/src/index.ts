/**
 * @sdmp/cli: the `sdmp` command. The executable is dist/src/bin.js; these exports let tests and
 * tools drive the same code in process.
 * @module
 */
export { runCli } from './main.js'
export type { CliIo, TextSink } from './main.js'
export { COMMANDS } from './registry.js'
export type {
  Command,
  CommandContext,
  CommandResult,
  CommandFailure,
  OptionSpec,
} from './command.js'
export { EXIT, PROTOCOL_EXIT_CODES, exitCodeFor } from './exit-codes.js'
export { httpFetch, keepAliveFetch, socketFetch } from './http-fetch.js'
