/**
 * Public posts as the client API shows them (docs/api.md "Posts", schemas.md "post"): read from
 * the store, newest first. Stored resources were verified at ingest; decoding is enough.
 * @module
 */
import { decodeResource, isDigest } from '@sdmp/core'
import type { Post } from '@sdmp/client'
import type { Account } from '../account/account.js'
import { postOf } from '../mail/events.js'

/** The newest `limit` posts this node holds. */
export async function readPosts(account: Account, limit: number): Promise<Post[]> {
  const metas = await account.store.queryResources({ kinds: ['post'], descending: true, limit })
  const posts: Post[] = []
  for (const m of metas) {
    const post = await decodedPost(account, m.id)
    if (post) posts.push(post)
  }
  return posts
}

/** The post `id`, or undefined when this node holds no post by that id. */
export async function readPost(account: Account, id: string): Promise<Post | undefined> {
  if (!isDigest(id)) return undefined // posts are named by their full id only
  const meta = await account.store.getMeta(id)
  return meta?.kind === 'post' ? decodedPost(account, id) : undefined
}

async function decodedPost(account: Account, id: string): Promise<Post | undefined> {
  const bytes = await account.store.getResource(id)
  return bytes && postOf(decodeResource(account.provider, bytes))
}
