/**
 * `sdmp save ID [INDEX] [--out PATH] [--force]`: write a message's attachments to files
 * (docs/cli.md "Messages", docs/protocol/attachments.md §4). The node decrypts; the CLI writes
 * to a temporary file next to the target and renames it only once the whole file arrived and
 * authenticated, so a damaged or cut transfer never leaves a partial file under the real name.
 * Also holds the helpers `send --attach` shares: the progress line and file-name checks.
 * @module
 */
import type { AttachmentApi, AttachmentInfo, SdmpApi } from '@sdmp/client'
import { numberedFileName, safeFileName } from '@sdmp/client/safe-name'
import type { Command, CommandContext } from '../command.js'
import { CliError, usageError } from '../cli-error.js'
import { PROTOCOL_EXIT_CODES } from '../exit-codes.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { checkId } from './message-input.js'

/** `sdmp save ID [INDEX]`. */
export const saveCommand: Command = {
  name: 'save',
  summary: "write a message's attachments to files",
  usage: 'save ID [INDEX] [--out PATH] [--force] [--json]',
  options: {
    out: {
      type: 'string',
      valueName: 'PATH',
      description: 'the file to write (with INDEX) or the directory (default: here)',
    },
    force: { type: 'boolean', description: 'overwrite existing files' },
    ...ACCOUNT_OPTIONS,
  },
  args: [{ name: 'ID', required: true }, { name: 'INDEX' }],
  details: [
    'INDEX (from 0, as `show` lists them) saves one attachment; without it every attachment is',
    'saved in --out (a directory, default the current one) under its name made safe (no leading',
    'dot, no path or control characters); an existing file is kept and the new one is named',
    "'name (1).ext'. A file given with --out is never overwritten without --force. Exit 66",
    'while an attachment has not arrived yet',
    '(the daemon fetches it from peers). With --json: {"saved":[{"index","name","path","size"}]}.',
  ].join('\n'),
  async run(ctx) {
    const id = checkId('save', ctx.args[0]!)
    const indexArg = ctx.args[1]
    if (indexArg !== undefined && !/^(0|[1-9][0-9]?)$/.test(indexArg))
      throw usageError(`save: INDEX '${indexArg}' is not 0..63`)
    const { withApi } = await import('../connect.js')
    return withApi(ctx, async (api) => {
      const shown = await api.show(id)
      if (!('message' in shown))
        throw new CliError('NOT_FOUND', `save: ${id} is a post`, PROTOCOL_EXIT_CODES.NOT_FOUND)
      const list = shown.message.attachments ?? []
      const indexes = indexArg === undefined ? list.map((_, i) => i) : [Number(indexArg)]
      if (indexes.length === 0 || indexes.some((i) => i >= list.length))
        throw new CliError(
          'NOT_FOUND',
          indexArg === undefined
            ? `save: message ${id} has no attachments`
            : `save: message ${id} has no attachment ${indexArg}`,
          PROTOCOL_EXIT_CODES.NOT_FOUND,
        )
      const targets = await targetsOf(ctx, list, indexes, indexArg !== undefined)
      const saved = []
      for (const t of targets) {
        const path = await saveOne(ctx, attachmentApi(api), id, t)
        saved.push({ index: t.index, name: list[t.index]!.name, path, size: t.size })
      }
      const text = saved.map((s) => `saved ${s.path} (${s.size} bytes)`).join('\n')
      return { value: { saved }, text }
    })
  },
}

/** The attachment operations of `api` (both the daemon client and direct mode have them). */
export function attachmentApi(api: SdmpApi): SdmpApi & AttachmentApi {
  const a = api as SdmpApi & Partial<AttachmentApi>
  if (typeof a.uploadBlob !== 'function' || typeof a.attachment !== 'function')
    throw new CliError(
      'UNAVAILABLE',
      'this node does not handle attachments',
      PROTOCOL_EXIT_CODES.UNAVAILABLE,
    )
  return a as SdmpApi & AttachmentApi
}

interface Target {
  readonly index: number
  readonly path: string
  readonly size: number
  /** Saved under a sender-chosen name in a directory: pick `name (N).ext` if it exists. */
  readonly numbered: boolean
}

/** How many `name (N).ext` alternatives `save` tries before giving up. */
const MAX_NUMBERED = 100

/** Where each attachment goes; refuses existing files (without --force) before writing any. */
async function targetsOf(
  ctx: CommandContext,
  list: readonly AttachmentInfo[],
  indexes: readonly number[],
  single: boolean,
): Promise<Target[]> {
  const { existsSync, statSync } = await import('node:fs')
  const { join, resolve } = await import('node:path')
  const out = ctx.options['out'] as string | undefined
  const force = ctx.options['force'] === true
  const targets: Target[] = []
  for (const index of indexes) {
    const a = list[index]!
    if (!a.available)
      throw new CliError(
        'NOT_FOUND',
        `save: attachment ${index} (${safeFileName(a.name)}) has not arrived yet; the daemon fetches it from peers`,
        PROTOCOL_EXIT_CODES.NOT_FOUND,
      )
    const dir = out === undefined || !single ? resolve(out ?? '.') : undefined
    // issue 12 item 5: the sender's name never picks the file (no .bash_profile, no ../).
    const path = dir !== undefined ? join(dir, safeFileName(a.name)) : resolve(out!)
    if (dir !== undefined && !(existsSync(dir) && statSync(dir).isDirectory()))
      throw usageError(`save --out: ${dir} is not a directory`)
    const numbered = dir !== undefined && !force
    if (!force && !numbered && existsSync(path))
      throw new CliError(
        'CONFLICT',
        `save: ${path} exists (use --force to overwrite)`,
        PROTOCOL_EXIT_CODES.CONFLICT,
      )
    if (force && targets.some((t) => t.path === path))
      throw usageError(
        `save: two attachments are named ${safeFileName(a.name)}; save them by INDEX`,
      )
    targets.push({ index, path, size: a.size, numbered })
  }
  return targets
}

/** Stream one attachment to a temporary file, then move it into place; the final path. */
async function saveOne(
  ctx: CommandContext,
  api: AttachmentApi,
  id: string,
  t: Target,
): Promise<string> {
  const { createWriteStream, linkSync, renameSync, rmSync } = await import('node:fs')
  const { basename, dirname, join } = await import('node:path')
  const { randomBytes } = await import('node:crypto')
  const { once } = (await import('node:events')).EventEmitter
  const download = await api.attachment(id, t.index)
  const tmp = `${t.path}.sdmp-part-${randomBytes(6).toString('hex')}`
  const file = createWriteStream(tmp, { flags: 'wx', mode: 0o600 })
  const progress = progressLine(ctx, `saving ${safeFileName(download.name)}`, download.size)
  let ok = false
  let final = t.path
  try {
    for await (const chunk of download.data) {
      if (!file.write(chunk)) await once(file, 'drain')
      progress.add(chunk.length)
    }
    file.end()
    await once(file, 'finish')
    if (ctx.options['force'] === true) renameSync(tmp, t.path)
    else {
      // link() fails with EEXIST when the target exists, atomically (as an O_EXCL/'wx' open
      // does): a file that appears meanwhile is never overwritten without --force.
      const tries = t.numbered ? MAX_NUMBERED : 1
      for (let n = 0; ; n++) {
        const name = n === 0 ? basename(t.path) : numberedFileName(basename(t.path), n)
        final = join(dirname(t.path), name)
        try {
          linkSync(tmp, final)
          break
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n + 1 >= tries) throw e
        }
      }
      rmSync(tmp)
    }
    ok = true
    return final
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new CliError(
        'CONFLICT',
        t.numbered
          ? `save: ${t.path} and ${MAX_NUMBERED - 1} numbered names exist`
          : `save: ${t.path} exists (use --force to overwrite)`,
        PROTOCOL_EXIT_CODES.CONFLICT,
      )
    throw e
  } finally {
    progress.done()
    if (!ok) {
      file.destroy()
      rmSync(tmp, { force: true })
    }
  }
}

/**
 * The name `send --attach` gives a local file (its own, not a peer's): no path parts, no
 * control characters. Names received from peers go through `safeFileName` from @sdmp/client.
 */
export function safeName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? ''
  // eslint-style control-character strip: names come from other users.
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '_').slice(0, 255)
  return clean === '' || clean === '.' || clean === '..' ? 'attachment' : clean
}

/** A live progress line on stderr (a terminal only; silent with --json or when redirected). */
export interface Progress {
  add(bytes: number): void
  done(): void
}

/** Redraws `label NN% (x/y MiB)` on stderr at most ~10 times a second. */
export function progressLine(ctx: CommandContext, label: string, total: number): Progress {
  const stderr = process.stderr
  if (!stderr.isTTY || ctx.json) return { add: () => undefined, done: () => undefined }
  let seen = 0
  let last = 0
  const draw = () => {
    const pct = total === 0 ? 100 : Math.floor((seen / total) * 100)
    const mib = (n: number) => (n / 1048576).toFixed(1)
    stderr.write(`\r${label} ${pct}% (${mib(seen)}/${mib(total)} MiB)\u001b[K`)
  }
  return {
    add(bytes) {
      seen += bytes
      const now = Date.now()
      if (now - last >= 100) {
        last = now
        draw()
      }
    },
    done() {
      draw()
      stderr.write('\n')
    },
  }
}
