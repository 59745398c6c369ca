/**
 * `sdmp send TO TEXT`: an end-to-end encrypted message to one or more contacts
 * (docs/cli.md "Messages", docs/messaging.md). Sealed for every device of every recipient
 * with the prekeys this node holds, so it works offline; delivery happens by sync. Files given
 * with `--attach` are first encrypted into the node's blob store (through the daemon, or
 * directly), then named in the message (docs/protocol/attachments.md).
 * @module
 */
import type { AttachmentRef, BodyType, SdmpApi, SendRequest } from '@sdmp/client'
import type { Command, CommandContext } from '../command.js'
import { CliError, usageError } from '../cli-error.js'
import { PROTOCOL_EXIT_CODES } from '../exit-codes.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { BODY_TYPES, checkId, parseDuration, splitRecipients } from './message-input.js'

/** `sdmp send TO TEXT`. */
export const sendCommand: Command = {
  name: 'send',
  summary: 'send an encrypted message to one or more contacts or to a group',
  usage:
    'send TO TEXT [--subject S] [--reply-to ID] [--type text|markdown|html] [--expires DURATION] [--for NAME] [--json]',
  options: {
    subject: { type: 'string', valueName: 'S', description: 'a subject line' },
    'reply-to': {
      type: 'string',
      valueName: 'ID',
      description: 'the id of the message this answers (joins its conversation)',
    },
    type: {
      type: 'string',
      valueName: 'TYPE',
      description: 'how the body is rendered: text (default), markdown or html',
    },
    expires: {
      type: 'string',
      valueName: 'DURATION',
      description: 'hide and drop it after DURATION (30s, 10m, 2h, 7d)',
    },
    for: {
      type: 'string',
      valueName: 'NAME',
      description: 'send on behalf of NAME, who delegated it to you (sdmp delegate)',
    },
    attach: {
      type: 'string',
      valueName: 'FILE',
      multiple: true,
      description: 'attach FILE (repeatable; at most 64 files of 256 MiB each)',
    },
    ...ACCOUNT_OPTIONS,
  },
  args: [
    { name: 'TO', required: true },
    { name: 'TEXT', required: true },
  ],
  details: [
    'TO is a contact name or a user fingerprint; several recipients are separated by commas',
    "(sdmp send alice,bob 'hi'). Every recipient must be a contact whose invite you added.",
    "TO as @NAME writes to every member of group NAME (sdmp send @team 'hi'; sdmp group).",
    'Each --attach FILE is encrypted under its own key and stored, then named in the message;',
    "recipients' nodes fetch it from peers (sdmp save ID writes it). Progress shows on stderr.",
    'When a recipient has not added you yet, a note on stderr says so and the message waits',
    '(state waiting) until they do; when one removed you, it ends rejected. --json gives',
    '{id, state, reason}.',
  ].join('\n'),
  async run(ctx) {
    const group = ctx.args[0]!.startsWith('@') ? ctx.args[0]!.slice(1) : undefined
    if (group === '') throw usageError('send: @NAME needs a group name')
    const request = sendRequestOf(group ?? ctx.args[0]!, ctx.args[1]!, ctx.options)
    const files = await checkFiles(ctx.options['attach'])
    const { withApi } = await import('../connect.js')
    const { id, state, reason } = await withApi(ctx, async (api) => {
      const attachments = files.length === 0 ? undefined : await uploadAll(ctx, api, files)
      const { to, ...content } = attachments ? { ...request, attachments } : request
      // `@NAME`: every member of a group (docs/protocol/groups.md §3).
      const { id } =
        group !== undefined
          ? await api.sendToGroup(group, content)
          : await api.send({ to, ...content })
      // Tell the truth at once: a recipient who has not added us (or removed us) will not get
      // it now (docs/messaging.md "Delivery states").
      const shown = await api.show(id)
      return 'message' in shown
        ? { id, state: shown.message.state, reason: shown.message.reason }
        : { id, state: 'sent' as const, reason: null }
    })
    // A note, not a failure: the message is kept and goes once they add us (exit 0).
    if (reason !== null && !ctx.json) ctx.err(`note: ${reason}`)
    const n = request.to.length
    const who = group !== undefined ? `group ${group}` : `${n} recipient${n === 1 ? '' : 's'}`
    const a =
      files.length === 0 ? '' : ` with ${files.length} attachment${files.length === 1 ? '' : 's'}`
    return {
      value: { id, state, reason },
      text: `sent ${id} to ${who}${a}`,
    }
  },
}

/** A file to attach, checked before anything is opened. */
interface FileToAttach {
  readonly path: string
  readonly name: string
  readonly size: number
  readonly type?: string
}

/** Largest file (attachments.md §1). */
const MAX_FILE_BYTES = 256 * 1024 * 1024
const MAX_FILES = 64

/** Every --attach must be a readable regular file within the limits. */
async function checkFiles(option: unknown): Promise<FileToAttach[]> {
  const paths = Array.isArray(option) ? (option as string[]) : []
  if (paths.length === 0) return []
  if (paths.length > MAX_FILES) throw usageError(`send --attach: at most ${MAX_FILES} files`)
  const { statSync } = await import('node:fs')
  const { basename } = await import('node:path')
  const { safeName } = await import('./save.js')
  return paths.map((path) => {
    let size: number
    try {
      const st = statSync(path)
      if (!st.isFile()) throw usageError(`send --attach: ${path} is not a file`)
      size = st.size
    } catch (e) {
      if (e instanceof CliError) throw e
      throw new CliError(
        'NOT_FOUND',
        `send --attach: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
        PROTOCOL_EXIT_CODES.NOT_FOUND,
      )
    }
    if (size > MAX_FILE_BYTES)
      throw new CliError(
        'LIMIT_EXCEEDED',
        `send --attach: ${path} is larger than 256 MiB`,
        PROTOCOL_EXIT_CODES.LIMIT_EXCEEDED,
      )
    const name = safeName(basename(path))
    const type = MEDIA_TYPES[name.slice(name.lastIndexOf('.') + 1).toLowerCase()]
    return { path, name, size, ...(type !== undefined && { type }) }
  })
}

/** Upload each file (streamed, with a progress line on a terminal); the refs for send. */
async function uploadAll(
  ctx: CommandContext,
  api: SdmpApi,
  files: readonly FileToAttach[],
): Promise<AttachmentRef[]> {
  const { createReadStream } = await import('node:fs')
  const { attachmentApi, progressLine } = await import('./save.js')
  const blobs = attachmentApi(api)
  const refs: AttachmentRef[] = []
  for (const f of files) {
    const progress = progressLine(ctx, `uploading ${f.name}`, f.size)
    try {
      const stream = createReadStream(f.path, { highWaterMark: 64 * 1024 })
      const counted = async function* (): AsyncGenerator<Uint8Array> {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          progress.add(chunk.length)
          yield chunk
        }
      }
      const blob = await blobs.uploadBlob(counted())
      refs.push({ ...blob, name: f.name, ...(f.type !== undefined && { type: f.type }) })
    } finally {
      progress.done()
    }
  }
  return refs
}

/** A few common media types by extension (informational: the node never serves by it). */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  txt: 'text/plain',
  md: 'text/markdown',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  zip: 'application/zip',
  json: 'application/json',
}

/** Check every flag before anything is opened, so bad input costs nothing. */
function sendRequestOf(
  to: string,
  body: string,
  options: Readonly<Record<string, unknown>>,
): SendRequest {
  const type = options['type']
  if (type !== undefined && !BODY_TYPES.includes(type as BodyType))
    throw usageError(`send --type: '${String(type)}' is not one of ${BODY_TYPES.join(', ')}`)
  if (body === '') throw usageError('send: TEXT is empty')
  const subject = options['subject'] as string | undefined
  const replyTo = options['reply-to'] as string | undefined
  const expires = options['expires'] as string | undefined
  const onBehalfOf = options['for'] as string | undefined
  return {
    ...(onBehalfOf !== undefined && { onBehalfOf }),
    to: splitRecipients(to),
    body,
    ...(type !== undefined && { type: type as BodyType }),
    ...(subject !== undefined && { subject }),
    ...(replyTo !== undefined && { replyTo: checkId('send --reply-to', replyTo) }),
    ...(expires !== undefined && { expiresInMs: parseDuration('send --expires', expires) }),
  }
}
