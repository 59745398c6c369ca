/**
 * Attachments in the web client (docs/web.md §Attachments, docs/api.md "Attachments"): the list
 * of a message's files with a Download button each, saving a download through a Blob URL (a
 * plain link cannot carry the bearer token), and uploading the files picked in compose.
 * File names come from other people: they are only ever text.
 * @module
 */
import type { AttachmentInfo, AttachmentRef, MessageDetail } from '@sdmp/client'
import { safeFileName } from '@sdmp/client/safe-name'
import { ATTACHMENT_MAX_BYTES, ErrorCode, ProtocolError, isProtocolError } from '@sdmp/core'
import { h } from '../dom.js'
import { attachmentProblem, formatSize } from '../format.js'
import type { ViewContext } from './view.js'

/** How long a saved file's object URL lives: long enough for every browser to start saving. */
const REVOKE_AFTER_MS = 60_000

/** The attachments section of a message, or null when it has none. */
export function attachmentList(ctx: ViewContext, m: MessageDetail): HTMLElement | null {
  const files = m.attachments ?? []
  if (files.length === 0) return null
  return h(
    'section',
    { class: 'attachments', 'aria-labelledby': 'attachments-title' },
    h('h2', { id: 'attachments-title' }, 'Attachments'),
    h('ul', {}, ...files.map((a, index) => attachmentItem(ctx, m.id, a, index))),
  )
}

function attachmentItem(
  ctx: ViewContext,
  id: string,
  a: AttachmentInfo,
  index: number,
): HTMLElement {
  const details = [formatSize(a.size), a.type ?? 'unknown type'].join(', ')
  let action: HTMLElement
  if (a.available) {
    // An id, so focus survives the live refreshes that rebuild this list.
    const button = h(
      'button',
      { type: 'button', id: `attachment-${index}-download`, 'aria-label': `Download ${a.name}` },
      'Download',
    )
    button.addEventListener('click', () => {
      void ctx.act(button, async () => {
        ctx.notice(`Downloading ${a.name}…`)
        await downloadAttachment(ctx, id, index, a.name)
        ctx.notice(`Downloaded ${a.name}`)
      })
    })
    action = button
  } else {
    action = h('span', { class: 'pending badge' }, 'not here yet')
  }
  return h(
    'li',
    { class: 'attachment', 'data-index': index, 'data-available': String(a.available) },
    // Text nodes only: a name like `<img src=x onerror=…>.txt` stays those characters.
    h('span', { class: 'name' }, a.name),
    ' ',
    h('span', { class: 'details' }, `(${details})`),
    ' ',
    action,
  )
}

/**
 * Fetch one attachment with the bearer token (`GET /v1/messages/{id}/attachments/{index}`),
 * whole and size-checked by the client, then hand it to the browser's download as `name` made
 * safe by `safeFileName` (docs/web.md §Attachments).
 * @throws NOT_FOUND (not here yet), UNAVAILABLE (a broken or short transfer)
 */
async function downloadAttachment(
  ctx: ViewContext,
  id: string,
  index: number,
  name: string,
): Promise<void> {
  const download = await ctx.api.attachment(id, index)
  const chunks: Uint8Array<ArrayBuffer>[] = []
  // fetch's body chunks are backed by ArrayBuffers (never shared memory), as Blob wants.
  for await (const chunk of download.data) chunks.push(chunk as Uint8Array<ArrayBuffer>)
  // application/octet-stream, never the sender's media type: the browser saves, not renders.
  // The sender chose the name: the same rule as `sdmp save` (no dot-file, no bidi, issue 12).
  saveBlob(new Blob(chunks, { type: 'application/octet-stream' }), safeFileName(name))
}

/** Save a Blob as a file through a temporary `<a download>` and an object URL. */
function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const link = h('a', { href: url, download: name, hidden: true })
  document.body.append(link)
  link.click()
  link.remove()
  // Revoking at once can cancel the save in some browsers (it starts asynchronously).
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS)
}

/**
 * Upload the picked files one after the other (`POST /v1/blobs`), telling progress through
 * `status`, and return what `send` needs. Nothing is uploaded when the files break a limit.
 * @throws BAD_REQUEST, LIMIT_EXCEEDED (a limit), the upload's error with the file's name added
 */
export async function uploadFiles(
  ctx: ViewContext,
  files: readonly File[],
  status: (text: string) => void,
): Promise<AttachmentRef[]> {
  const problem = attachmentProblem(files, ATTACHMENT_MAX_BYTES)
  if (problem !== undefined) throw new ProtocolError(problem.code, problem.message)
  const refs: AttachmentRef[] = []
  for (const [i, file] of files.entries()) {
    status(`Uploading ${file.name} (${i + 1} of ${files.length}, ${formatSize(file.size)})…`)
    try {
      const blob = await ctx.api.uploadBlob(file)
      refs.push({ ...blob, name: file.name, ...(file.type !== '' && { type: file.type }) })
    } catch (error) {
      status(`Upload of ${file.name} failed.`)
      const message = error instanceof Error ? error.message : String(error)
      const code = isProtocolError(error) ? error.code : ErrorCode.UNAVAILABLE
      throw new ProtocolError(code, `attachment ${file.name}: ${message}`, { cause: error })
    }
  }
  return refs
}
