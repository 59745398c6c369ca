/**
 * What a person does on their own node without the network (docs/cli.md): publish a public
 * post, read the node's journal, and see the account's status.
 * @module
 */
import type { JournalRow } from '@sdmp/store'
import type { Account } from './account.js'
import { readContacts } from './contacts.js'

/**
 * Publish a public `post` (schemas.md "post"), signed by this node for its user.
 * @throws FORBIDDEN (no publish_resource), SCHEMA_VIOLATION (text too long)
 */
export async function publishPost(
  account: Account,
  body: string,
  options: { type?: 'text' | 'markdown'; subject?: string } = {},
): Promise<{ id: string }> {
  const post = account.signForUser(
    {
      kind: 'post',
      data: {
        body,
        type: options.type ?? 'text',
        ...(options.subject !== undefined && { subject: options.subject }),
      },
    },
    'publish_resource',
  )
  await account.publish([post])
  return { id: post.id }
}

/** Journal lines after `after` (default: all), in order. */
export async function readJournalLines(account: Account, after = 0): Promise<JournalRow[]> {
  const out: JournalRow[] = []
  for (;;) {
    const rows = await account.store.readJournal(after, 1000)
    if (rows.length === 0) return out
    out.push(...rows)
    after = rows[rows.length - 1]!.position
  }
}

/** The account at a glance, as `sdmp status` shows it. */
export interface AccountStatus {
  readonly user: string | null
  readonly node: string
  readonly store: string
  readonly encrypted: boolean
  readonly counts: {
    readonly resources: number
    readonly journal: number
    readonly contacts: number
    readonly devices: number
  }
}

/** Counts and paths of an open account. */
export async function accountStatus(account: Account): Promise<AccountStatus> {
  const user = account.user
  return {
    user: user ?? null,
    node: account.node,
    store: account.storePath,
    encrypted: account.vault.encrypted,
    counts: {
      resources: await account.store.countResources(),
      journal: (await account.store.journalHead())?.position ?? 0,
      contacts: (await readContacts(account)).length,
      devices: user === undefined ? 0 : account.ingestor.graph.nodesOf(user, account.now()).length,
    },
  }
}
