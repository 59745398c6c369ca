/**
 * Attachments in a world of daemons (docs/protocol/attachments.md): download through the API,
 * and find a blob's file under a home (store.md §6: blobs/<aa>/<hash>).
 * @module
 */
import assert from 'node:assert/strict'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { collect } from '@sdmp/testkit'
import type { TestDaemon } from './daemons.js'

/** Attachment `index` of message `id`, decrypted through the API. */
export async function download(n: TestDaemon, id: string, index: number): Promise<Uint8Array> {
  return collect((await n.api.attachment(id, index)).data)
}

/** The path of a blob file under a home (asserted to exist). */
export function blobPath(home: string, hash: string): string {
  const walk = (dir: string): string | undefined => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      if (name === hash) return p
      if (statSync(p).isDirectory()) {
        const found = walk(p)
        if (found) return found
      }
    }
    return undefined
  }
  const found = walk(home)
  assert.ok(found, 'the blob file exists')
  return found
}
