/**
 * Every top-level command, in the order `sdmp --help` lists them. A new verb is one file in
 * commands/ plus one line here. Command modules import their heavy dependencies inside `run`,
 * so listing them here costs nothing at start-up.
 * @module
 */
import type { Command } from './command.js'
import { blockCommand, blocksCommand, unblockCommand } from './commands/block.js'
import { requestCommand, requestsCommand } from './commands/requests.js'
import { contactCommand } from './commands/contact.js'
import { demoCommand } from './commands/demo.js'
import { deleteCommand, editCommand } from './commands/edit.js'
import { deviceCommand } from './commands/device.js'
import { delegateCommand } from './commands/delegate.js'
import { ruleCommand } from './commands/rule.js'
import { identityCommand } from './commands/identity.js'
import { initCommand } from './commands/init.js'
import { inviteCommand } from './commands/invite.js'
import { journalCommand } from './commands/journal.js'
import { legacyCommand } from './commands/legacy.js'
import { inboxCommand } from './commands/inbox.js'
import { chatCommand } from './commands/chat.js'
import { threadCommand } from './commands/thread.js'
import { peersCommand } from './commands/peers.js'
import { postCommand } from './commands/post.js'
import { profileCommand } from './commands/profile.js'
import { addressCommand } from './commands/address.js'
import { saveCommand } from './commands/save.js'
import { sendCommand } from './commands/send.js'
import { forwardCommand } from './commands/forward.js'
import { groupCommand } from './commands/group.js'
import { settingsCommand } from './commands/settings.js'
import { showCommand } from './commands/show.js'
import { startCommand } from './commands/start.js'
import { rendezvousCommand } from './commands/rendezvous.js'
import { hostCommand } from './commands/host.js'
import { statusCommand } from './commands/status.js'
import { syncCommand } from './commands/sync.js'
import { whoamiCommand } from './commands/whoami.js'

/** All top-level commands. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  deviceCommand,
  identityCommand,
  whoamiCommand,
  startCommand,
  rendezvousCommand,
  hostCommand,
  inviteCommand,
  contactCommand,
  requestCommand,
  requestsCommand,
  blockCommand,
  unblockCommand,
  blocksCommand,
  profileCommand,
  addressCommand,
  settingsCommand,
  sendCommand,
  forwardCommand,
  delegateCommand,
  ruleCommand,
  groupCommand,
  inboxCommand,
  chatCommand,
  threadCommand,
  showCommand,
  editCommand,
  deleteCommand,
  saveCommand,
  postCommand,
  syncCommand,
  peersCommand,
  journalCommand,
  statusCommand,
  demoCommand,
  legacyCommand,
]

/** The command called `name` among `list`, if any. */
export function findCommand(list: readonly Command[], name: string): Command | undefined {
  return list.find((c) => c.name === name)
}
