/**
 * Byte streams of the attachment routes (docs/api.md "Attachments", docs/protocol/attachments.md
 * §4): a request body as an async iterable for `POST /v1/blobs`, and a decrypted attachment as
 * a download response. The stored media type is never used as the Content-Type: the API origin
 * also serves the web client, and a file served as HTML there could run script.
 * @module
 */
import type { AttachmentDownload } from '@sdmp/client'

/** The request body, chunk by chunk (nothing buffered beyond one chunk). */
export async function* requestBytes(request: Request): AsyncGenerator<Uint8Array> {
  if (request.body === null) return
  const reader = request.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    // Releasing the body stream (read to the end, or the client went away): nothing to report.
    await reader.cancel().catch(() => undefined)
  }
}

/**
 * A download response: `application/octet-stream`, `Content-Disposition: attachment`, and the
 * name, type and size in `X-Attachment-*` headers (percent-encoded). A decryption failure
 * mid-way errors the stream, so the client sees a broken transfer, never a complete one.
 */
export function attachmentResponse(download: AttachmentDownload): Response {
  const iterator = download.data[Symbol.asyncIterator]()
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      } catch (e) {
        controller.error(e)
      }
    },
    async cancel() {
      await iterator.return?.(undefined)
    },
  })
  const name = percentEncode(download.name)
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename*=UTF-8''${name}`,
    'X-Attachment-Name': name,
    'X-Attachment-Size': String(download.size),
  }
  if (download.type !== null) headers['X-Attachment-Type'] = percentEncode(download.type)
  return new Response(body, { headers })
}

/** RFC 5987 percent-encoding; a string that cannot be encoded (lone surrogate) becomes `_`. */
function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text).replace(
      /['()*!]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    )
  } catch {
    return '_'
  }
}
