/**
 * Every top-level command, in the order `sdmp --help` lists them. A new verb is one file in
 * commands/ plus one line here. Command modules import their heavy dependencies inside `run`,
 * so listing them here costs nothing at start-up.
 * @module
 */
import type { Command } from './command.js'
import { demoCommand } from './commands/demo.js'
import { legacyCommand } from './commands/legacy.js'

/** All top-level commands. TODO(#5): init, device, whoami, start, invite, contact, send, post, inbox, show, sync, peers, journal, status. */
export const COMMANDS: readonly Command[] = [demoCommand, legacyCommand]

/** The command called `name` among `list`, if any. */
export function findCommand(list: readonly Command[], name: string): Command | undefined {
  return list.find((c) => c.name === name)
}
