/**
 * Public posts as the client API shows them (docs/api.md "Posts", schemas.md "post"): read from
 * the store, newest first. Stored resources were verified at ingest; decoding is enough.
 * Updates and deletes (docs/protocol/edits.md §4) are posts with `action` and `replaces`; the
 * store indexes them by `ref` = the post they replace, and only those signed for the post's own
 * user count: anyone else's are ignored (never shown).
 * @module
 */
import { SHORT_ID_CHARS } from '@sdmp/client/ids'
import { ErrorCode, ProtocolError, decodeResource, isDigest } from '@sdmp/core'
import type { ContentData, DecodedResource } from '@sdmp/core'
import type { EditRequest, Post } from '@sdmp/client'
import type { Account } from '../account/account.js'
import { postOf } from '../mail/events.js'

/** How many stored posts a page reads at most to fill `limit` originals. */
const SCAN_FACTOR = 4

/** The newest `limit` posts this node holds (originals, each as its latest version). */
export async function readPosts(account: Account, limit: number): Promise<Post[]> {
  const metas = await account.store.queryResources({
    kinds: ['post'],
    descending: true,
    limit: Math.min(limit * SCAN_FACTOR, 1_000),
  })
  const posts: Post[] = []
  for (const m of metas) {
    if (posts.length === limit) break
    const r = await decoded(account, m.id)
    if (r && r.header.action === 'create') posts.push(await withChanges(account, r))
  }
  return posts
}

/** The post `id` as it is now, or undefined when this node holds no post by that id. */
export async function readPost(account: Account, id: string): Promise<Post | undefined> {
  const r = await originalPost(account, id)
  return r && withChanges(account, r)
}

/**
 * Publish an update (`edit` given) or a delete of our own post `id`.
 * @throws NOT_FOUND, FORBIDDEN (not ours), CONFLICT (deleted), SCHEMA_VIOLATION
 */
export async function changePost(
  account: Account,
  id: string,
  edit: EditRequest | undefined,
): Promise<Post> {
  const me = account.requireUser()
  const original = await originalPost(account, id)
  if (!original) throw new ProtocolError(ErrorCode.NOT_FOUND, `this node holds no post ${id}`)
  const verb = edit === undefined ? 'delete' : 'edit'
  if (original.header.user !== me)
    throw new ProtocolError(
      ErrorCode.FORBIDDEN,
      `post ${id.slice(0, SHORT_ID_CHARS)} is not yours: only its author may ${verb} it`,
    )
  const now = await withChanges(account, original)
  if (now.deleted)
    throw new ProtocolError(ErrorCode.CONFLICT, `post ${id.slice(0, SHORT_ID_CHARS)} was deleted`)
  const subject = edit === undefined ? undefined : (edit.subject ?? now.subject ?? undefined)
  const type = edit?.type ?? now.type
  if (type === 'html')
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'type: a post is text or markdown')
  const change = account.signForUser(
    {
      kind: 'post',
      action: edit === undefined ? 'delete' : 'update',
      replaces: id,
      data: { body: edit?.body ?? '', type, ...(subject !== undefined && { subject }) },
    },
    'publish_resource',
  )
  await account.publish([change])
  return withChanges(account, original)
}

async function originalPost(account: Account, id: string): Promise<DecodedResource | undefined> {
  if (!isDigest(id)) return undefined // posts are named by their full id only
  const meta = await account.store.getMeta(id)
  if (meta?.kind !== 'post') return undefined
  const r = await decoded(account, id)
  return r?.header.action === 'create' ? r : undefined
}

/** A post as its author's latest change leaves it (a delete wins over any update). */
async function withChanges(account: Account, original: DecodedResource): Promise<Post> {
  const metas = await account.store.queryResources({ kinds: ['post'], ref: original.id })
  let latest: DecodedResource | undefined
  for (const m of metas) {
    const r = await decoded(account, m.id)
    // The author rule: a change signed for anyone else is ignored.
    if (!r || r.header.user !== original.header.user || r.header.replaces !== original.id) continue
    if (r.header.action === 'delete')
      return { ...postOf(original), body: '', subject: null, deleted: true }
    if (!latest || r.created > latest.created || (r.created === latest.created && r.id > latest.id))
      latest = r
  }
  if (!latest) return postOf(original)
  const d = latest.data as ContentData<'post'>
  return {
    ...postOf(original),
    body: d.body,
    type: d.type,
    subject: d.subject ?? null,
    edited: new Date(latest.created).toISOString(),
  }
}

async function decoded(account: Account, id: string): Promise<DecodedResource | undefined> {
  const bytes = await account.store.getResource(id)
  return bytes && decodeResource(account.provider, bytes)
}
