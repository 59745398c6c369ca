/**
 * Content-addressed blobs in PostgreSQL, streamed in and out in fixed-size chunks so neither side
 * ever holds a whole attachment in memory. A blob is stored under the SHA-256 (hex) of its bytes.
 * @module
 */
import { createHash, randomUUID } from 'node:crypto'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { BlobInfo } from '@sdmp/store'
import type { PgTables } from './postgres-journal.js'
import type { PgQueryable } from './postgres-store-config.js'
import { wrapPgError } from './postgres-errors.js'

type Row = Record<string, unknown>

/** A plain Uint8Array view of a driver Buffer (so callers compare equal to Uint8Arrays). */
export function toBytes(value: unknown): Uint8Array {
  const b = value as Uint8Array
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

function join(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

function aborted(): ProtocolError {
  return new ProtocolError(ErrorCode.ABORTED, 'blob: upload aborted')
}

/**
 * Stream `data` into the blob tables on `client` in one transaction: chunks go under a fresh
 * upload id, and the row naming the hash is inserted last. A crash or abort rolls everything
 * back; a blob already stored under the same hash makes this upload roll back too.
 * @throws ABORTED when `signal` fires, BAD_REQUEST for a chunk that is not a Uint8Array
 */
export async function putBlobOn(
  client: PgQueryable,
  t: PgTables,
  data: AsyncIterable<Uint8Array>,
  chunkBytes: number,
  signal?: AbortSignal,
): Promise<BlobInfo> {
  if (signal?.aborted) throw aborted()
  const upload = randomUUID()
  const hash = createHash('sha256')
  let size = 0
  let seq = 0
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  const flush = async (): Promise<void> => {
    const piece = join(pending, pendingBytes)
    pending = []
    pendingBytes = 0
    await client.query(`INSERT INTO ${t.chunks} (upload, seq, data) VALUES ($1, $2, $3)`, [
      upload,
      seq++,
      piece,
    ])
  }
  await client.query('BEGIN')
  try {
    for await (const chunk of data) {
      if (signal?.aborted) throw aborted()
      if (!(chunk instanceof Uint8Array))
        throw new ProtocolError(ErrorCode.BAD_REQUEST, 'blob chunk: expected Uint8Array')
      hash.update(chunk)
      size += chunk.length
      for (let off = 0; off < chunk.length; ) {
        const take = Math.min(chunkBytes - pendingBytes, chunk.length - off)
        pending.push(chunk.subarray(off, off + take))
        pendingBytes += take
        off += take
        if (pendingBytes === chunkBytes) await flush()
      }
    }
    if (signal?.aborted) throw aborted()
    if (pendingBytes > 0) await flush()
    const hex = hash.digest('hex')
    const res = await client.query(
      `INSERT INTO ${t.blobs} (hash, size, upload, chunks) VALUES ($1, $2, $3, $4)
       ON CONFLICT (hash) DO NOTHING`,
      [hex, size, upload, seq],
    )
    await client.query(res.rowCount === 1 ? 'COMMIT' : 'ROLLBACK')
    return { hash: hex, size }
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw e
  }
}

/**
 * The chunks of a stored blob, fetched one query per chunk as the consumer pulls, or undefined
 * when no blob has that hash. `beforeRead` runs before each chunk query (the store's CLOSED check).
 */
export async function getBlobFrom(
  pool: PgQueryable,
  t: PgTables,
  hash: string,
  beforeRead: () => void = () => undefined,
): Promise<AsyncIterable<Uint8Array> | undefined> {
  const row = (await pool.query(`SELECT upload, chunks FROM ${t.blobs} WHERE hash = $1`, [hash]))
    .rows[0] as Row | undefined
  if (!row) return undefined
  const upload = row['upload'] as string
  const count = Number(row['chunks'])
  return (async function* () {
    for (let seq = 0; seq < count; seq++) {
      beforeRead()
      let found: Row | undefined
      try {
        found = (
          await pool.query(`SELECT data FROM ${t.chunks} WHERE upload = $1 AND seq = $2`, [
            upload,
            seq,
          ])
        ).rows[0] as Row | undefined
      } catch (e) {
        throw wrapPgError(e, 'blob read')
      }
      if (!found) throw new ProtocolError(ErrorCode.NOT_FOUND, 'blob: deleted while being read')
      yield toBytes(found['data'])
    }
  })()
}

/** Delete a blob row and its chunks in one transaction on `client` (no-op when absent). */
export async function deleteBlobOn(client: PgQueryable, t: PgTables, hash: string): Promise<void> {
  const row = (
    await client.query(`DELETE FROM ${t.blobs} WHERE hash = $1 RETURNING upload`, [hash])
  ).rows[0] as Row | undefined
  if (row) await client.query(`DELETE FROM ${t.chunks} WHERE upload = $1`, [row['upload']])
}
