/**
 * Byte streams of the attachment routes (docs/api.md "Attachments"): an async iterable as a
 * fetch request body, and a response body read back with its announced size checked, so a
 * transfer the daemon cut short (a blob that failed to decrypt) never passes as the whole file.
 * Browser-safe: web streams only.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** A ReadableStream that pulls from `data` (one chunk at a time: backpressure). */
export function streamOf(data: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = data[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
    async cancel() {
      await iterator.return?.()
    },
  })
}

/**
 * The chunks of a response body, failing with UNAVAILABLE when it breaks or when it holds
 * another number of bytes than `size`.
 */
export async function* checkedBytes(
  body: ReadableStream<Uint8Array> | null,
  size: number,
  url: string,
): AsyncGenerator<Uint8Array> {
  if (body === null) throw new ProtocolError(ErrorCode.UNAVAILABLE, 'attachment: no body')
  const reader = body.getReader()
  let received = 0
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch (error) {
        throw new ProtocolError(ErrorCode.UNAVAILABLE, `attachment from ${url} broke`, {
          cause: error,
        })
      }
      if (chunk.done) break
      received += chunk.value.length
      if (received > size) break
      yield chunk.value
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  if (received !== size)
    throw new ProtocolError(ErrorCode.UNAVAILABLE, 'attachment: incomplete transfer')
}
