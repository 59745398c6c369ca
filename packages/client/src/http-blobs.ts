/**
 * Files over the client API (docs/protocol/attachments.md §4): `SdmpHttpClient`'s upload
 * of a file to `POST /v1/blobs` (streamed from Node, a `Blob` as it is from a browser) and its
 * streamed, size-checked download of one decrypted attachment. Browser-safe.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { checkedBytes, streamOf } from './byte-streams.js'
import { errorOf } from './http-errors.js'
import { segment } from './http-transport.js'
import type { HttpTransport } from './http-transport.js'
import type { AttachmentDownload } from './types.js'
import type * as R from './schema/responses.js'

/** `SdmpHttpClient.uploadBlob`: send a file to `POST /v1/blobs`. */
export async function uploadBlob(
  http: HttpTransport,
  data: AsyncIterable<Uint8Array> | Blob,
  options: { readonly signal?: AbortSignal } = {},
): Promise<R.UploadedBlob> {
  const streamed = !(data instanceof Blob)
  const init: RequestInit & { duplex?: 'half' } = {
    method: 'POST',
    headers: {
      authorization: http.authorization,
      'content-type': 'application/octet-stream',
    },
    body: streamed ? streamOf(data) : data,
    // fetch needs `duplex: 'half'` for a streamed request body.
    ...(streamed && { duplex: 'half' as const }),
    signal: options.signal ?? null,
  }
  const response = await http.send(`${http.url}/v1/blobs`, init)
  if (response === undefined) throw new ProtocolError(ErrorCode.ABORTED, 'upload aborted')
  if (!response.ok) throw await errorOf(response)
  return (await response.json()) as R.UploadedBlob
}

/** `SdmpHttpClient.attachment`: one attachment of a message, streamed. */
export async function downloadAttachment(
  http: HttpTransport,
  id: string,
  index: number,
): Promise<AttachmentDownload> {
  const response = await http.send(`${http.url}/v1/messages/${segment(id)}/attachments/${index}`, {
    headers: { authorization: http.authorization },
  })
  if (response === undefined) throw new ProtocolError(ErrorCode.ABORTED, 'request aborted')
  if (!response.ok) throw await errorOf(response)
  const size = Number(response.headers.get('x-attachment-size'))
  const name = decodeURIComponent(response.headers.get('x-attachment-name') ?? '')
  const type = response.headers.get('x-attachment-type')
  return {
    name,
    type: type === null || type === '' ? null : decodeURIComponent(type),
    size,
    data: checkedBytes(response.body, size, http.url),
  }
}
