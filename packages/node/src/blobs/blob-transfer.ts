/**
 * Attachment blobs between nodes (docs/protocol/attachments.md §2-§3): serving `request_blob`
 * as BLOB frames to any connected peer, fetching wanted or offered blobs with bounded
 * concurrency, resuming a broken download from the partial file it left, verifying each blob's
 * hash before the store keeps it, remembering wanted blobs across a restart, and offering the
 * blobs of a sent message to the right peers.
 * @module
 */
import {
  ErrorCode,
  MAX_OFFERED_BLOBS,
  ProtocolError,
  isBlobHash,
  isProtocolError,
} from '@sdmp/core'
import type { ContentData } from '@sdmp/core'
import type { Store } from '@sdmp/store'
import type { BlobPeer } from '../sync/session-blobs.js'
import type { SessionBlobs } from '../sync/session-blobs.js'
import { controlMessage } from '../sync/wire.js'
import type { ControlSigner } from '../sync/wire.js'
import { decodeBlobFrame } from './blob-frame.js'
import { BlobUploads } from './blob-upload.js'
import { BlobDownload } from './blob-download.js'
import { PartialBlobs } from './blob-partial.js'
import type { PartialFile } from './blob-partial.js'
import { WantedRecords } from './wanted-records.js'
import { DEFAULT_BLOB_LIMITS } from './blob-limits.js'
import type { BlobLimits } from './blob-limits.js'

export { DEFAULT_BLOB_LIMITS }
export type { BlobLimits }

/** Options of {@link BlobTransfer}. */
export interface BlobTransferOptions {
  readonly store: Store
  readonly signer: ControlSigner
  /** The open sessions (the sync engine's). */
  readonly sessions: () => Iterable<BlobPeer>
  readonly limits?: Partial<BlobLimits>
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

/** A blob wanted: from any peer (`any`, the mailbox wants it) or from peers that offered it. */
interface Want {
  any: boolean
  readonly offeredBy: Set<BlobPeer>
  /** Peers asked already (reset when the blob is wanted again). */
  tried: WeakSet<BlobPeer>
}

/** A running download: reserved before its first await, so one per hash. */
interface Transfer {
  readonly session: BlobPeer
  download?: BlobDownload
}

/** Options of {@link BlobTransfer.start}. */
export interface BlobStartOptions {
  /**
   * Directory of partial downloads (attachments.md §2 "Resuming"), normally
   * `<store>/blobs-partial`. Without it a broken download starts again from 0.
   */
  readonly partialDir?: string
}

/** The blob side of a node's sync engine. */
export class BlobTransfer implements SessionBlobs {
  readonly #o: BlobTransferOptions
  readonly #limits: BlobLimits
  readonly #wanted = new Map<string, Want>()
  readonly #records: WantedRecords
  #partials: PartialBlobs | undefined
  /** Running downloads by hash (one per hash per node), with the peer they come from. */
  readonly #active = new Map<string, Transfer>()
  readonly #running = new Set<Promise<unknown>>()
  #closed = false
  readonly #uploads: BlobUploads
  readonly #listeners = new Set<(hash: string) => void>()
  #stallTimer: ReturnType<typeof setInterval> | undefined

  constructor(options: BlobTransferOptions) {
    this.#o = options
    this.#limits = Object.freeze({ ...DEFAULT_BLOB_LIMITS, ...options.limits })
    this.#records = new WantedRecords(options.store, (e) => this.#error(e))
    this.#uploads = new BlobUploads(options.store, this.#limits.uploadsPerPeer, (e) =>
      this.#error(e),
    )
  }

  /**
   * Load the wanted set saved before a restart (dropping blobs held by now), prepare the
   * partial files (keeping those of wanted blobs) and start fetching. Call before sessions
   * attach; without it nothing is reloaded and downloads do not resume.
   * @throws the store's codes
   */
  async start(options: BlobStartOptions = {}): Promise<void> {
    const held: string[] = []
    for (const hash of await this.#records.load(this.#limits.maxWanted)) {
      if (!isBlobHash(hash) || (await this.#o.store.hasBlob(hash))) held.push(hash)
      else {
        const w = this.#want(hash)
        if (w) w.any = true
      }
    }
    this.#records.remove(held)
    if (options.partialDir !== undefined) {
      const partials = new PartialBlobs(options.partialDir)
      // Resuming saves bytes; a directory the disk refuses only means downloads start at 0.
      await partials
        .init((hash) => this.#wanted.has(hash))
        .then(
          () => (this.#partials = partials),
          (e: unknown) => this.#error(e),
        )
    }
    void this.#pump()
  }

  /** Be told when a blob was fetched and stored. Returns the unsubscribe. */
  onStored(listener: (hash: string) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Hashes wanted and not yet stored (for status and tests). */
  get wanted(): number {
    return this.#wanted.size
  }

  /**
   * Fetch these blobs from any connected peer, now and whenever a peer connects, until they
   * are stored (attachments.md §3).
   */
  want(hashes: readonly string[]): void {
    for (const hash of hashes) {
      if (!isBlobHash(hash)) continue
      const w = this.#want(hash)
      if (!w) continue
      w.any = true
      w.tried = new WeakSet()
      this.#records.add([hash])
    }
    void this.#pump()
  }

  /** Send `offer_blobs` to every open session of a node of one of `users` (attachments.md §3). */
  async offer(hashes: readonly string[], users: ReadonlySet<string>): Promise<void> {
    if (hashes.length === 0) return
    for (const s of this.#o.sessions()) {
      if (!s.isOpen || !users.has(s.peerUser)) continue
      for (let i = 0; i < hashes.length; i += MAX_OFFERED_BLOBS) {
        const page = hashes.slice(i, i + MAX_OFFERED_BLOBS)
        try {
          await s.channel.send(controlMessage(this.#o.signer, 'offer_blobs', { hashes: page }))
        } catch (e) {
          if (!isProtocolError(e, ErrorCode.CLOSED)) throw e
        }
      }
    }
  }

  /** A session opened: retry every blob wanted from any peer. */
  attached(session: BlobPeer): void {
    void session.channel.closed.then(() => {
      this.#uploads.forget(session)
      const a = [...this.#active.values()].filter((x) => x.session === session)
      for (const x of a)
        x.download?.fail(new ProtocolError(ErrorCode.CLOSED, 'blob: channel closed'))
      for (const w of this.#wanted.values()) w.offeredBy.delete(session)
    })
    void this.#pump()
  }

  /** Stop the stall timer and give up running downloads (their partial files stay). */
  close(): void {
    this.#closed = true
    clearInterval(this.#stallTimer)
    this.#stallTimer = undefined
    for (const { download } of this.#active.values())
      download?.fail(new ProtocolError(ErrorCode.CLOSED, 'blob: shutting down'))
  }

  /**
   * Resolves when the downloads running now have ended (partial files closed) and the wanted
   * records are written: call after {@link close}, before the store closes.
   */
  async flush(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
    await this.#records.flush()
  }

  onOffer(session: BlobPeer, q: ContentData<'offer_blobs'>): void {
    void (async () => {
      for (const hash of q.hashes) {
        if (this.#active.has(hash) || (await this.#o.store.hasBlob(hash))) continue
        this.#want(hash)?.offeredBy.add(session)
      }
      await this.#pump()
    })().catch((e: unknown) => this.#error(e))
  }

  onRequest(session: BlobPeer, q: ContentData<'request_blob'>): Promise<void> {
    return this.#uploads.onRequest(session, q)
  }

  async onFrame(session: BlobPeer, body: Uint8Array): Promise<void> {
    const frame = decodeBlobFrame(body)
    const active = this.#active.get(frame.hash)
    // A frame of a transfer given up (or never asked from this peer) is ignored.
    if (!active?.download || active.session !== session) return
    try {
      await active.download.push(frame.offset, frame.data)
    } catch (e) {
      active.download.fail(e as Error)
      throw e // a fault of the peer (penalized by the session)
    }
  }

  #want(hash: string): Want | undefined {
    let w = this.#wanted.get(hash)
    if (!w) {
      if (this.#wanted.size >= this.#limits.maxWanted) return undefined
      w = { any: false, offeredBy: new Set(), tried: new WeakSet() }
      this.#wanted.set(hash, w)
    }
    return w
  }

  /** Start downloads while there are candidates and room (attachments.md §2 "Bounds"). */
  async #pump(): Promise<void> {
    if (this.#closed) return
    for (const [hash, w] of this.#wanted) {
      if (this.#active.size >= this.#limits.downloads) return
      if (this.#active.has(hash)) continue
      const candidates = w.any ? [...this.#o.sessions()] : [...w.offeredBy]
      const session = candidates.find(
        (s) =>
          s.isOpen && !w.tried.has(s) && this.#downloadsFrom(s) < this.#limits.downloadsPerPeer,
      )
      if (!session) {
        if (!w.any && [...w.offeredBy].every((s) => w.tried.has(s) || !s.isOpen)) {
          // Nobody left to ask: an offer-only want ends, and its partial file with it.
          this.#wanted.delete(hash)
          void this.#partials?.remove(hash).catch((e: unknown) => this.#error(e))
        }
        continue
      }
      w.tried.add(session)
      void this.#fetch(session, hash).then(() => this.#pump())
    }
  }

  #downloadsFrom(session: BlobPeer): number {
    let n = 0
    for (const a of this.#active.values()) if (a.session === session) n++
    return n
  }

  /** One download from one peer; true when the blob is stored. Never rejects. */
  #fetch(session: BlobPeer, hash: string): Promise<boolean> {
    if (this.#active.has(hash)) return Promise.resolve(false)
    const transfer: Transfer = { session }
    this.#active.set(hash, transfer)
    const run = this.#download(transfer, hash)
      .catch((e: unknown) => {
        this.#error(e)
        return false
      })
      .finally(() => {
        this.#running.delete(run)
        if (this.#active.get(hash) === transfer) this.#active.delete(hash)
      })
    this.#running.add(run)
    return run
  }

  /**
   * Fetch `hash` from the transfer's peer, from the offset of its partial file when there is
   * one (attachments.md §2 "Resuming"). A partial file that is longer than the blob or fails
   * the final hash is discarded and the peer asked again from 0, once; only a transfer that
   * began at 0 can make the peer at fault for a wrong hash.
   */
  async #download(transfer: Transfer, hash: string): Promise<boolean> {
    const { session } = transfer
    if (await this.#o.store.hasBlob(hash)) {
      await this.#partials?.remove(hash)
      this.#stored(hash)
      return true
    }
    let partial: PartialFile | undefined
    try {
      partial = await this.#partials?.open(hash, this.#limits.maxBlobBytes)
    } catch (e) {
      this.#error(e) // the disk refuses the partial file: fetch without it
    }
    const offset = partial?.offset ?? 0
    const download = new BlobDownload(
      hash,
      this.#limits.maxBlobBytes,
      partial
        ? { offset, prefix: () => partial.read(), sink: (d) => partial.write(d) }
        : { offset },
    )
    transfer.download = download
    if (this.#closed) download.fail(new ProtocolError(ErrorCode.CLOSED, 'blob: shutting down'))
    this.#watchStalls()
    this.#o.event?.('blob-fetch', { blob: hash.slice(0, 12), offset, peer: session.key })
    const stored = this.#o.store.putBlob(download.source())
    stored.catch(() => undefined) // observed below; never unhandled
    let discard = false
    let done = false
    try {
      if (download.finished) throw new ProtocolError(ErrorCode.CLOSED, 'blob: shutting down')
      const r = await session.requestBlob(hash, offset)
      // attachments.md §2: `bad_request` answers an offset beyond the blob's size.
      if (r.status === 'bad_request' && offset > 0) discard = true
      if (r.status !== 'ok') throw new ProtocolError(ErrorCode.NOT_FOUND, `blob: ${r.status}`)
      const size = (r.data as { size?: unknown } | undefined)?.size
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        const e = new ProtocolError(ErrorCode.BAD_REQUEST, 'blob: malformed response')
        session.fault(e)
        throw e
      }
      if (size < offset) discard = true
      download.setSize(size)
    } catch (e) {
      download.fail(e instanceof Error ? e : new Error(String(e)))
    }
    try {
      const info = await stored
      if (info.hash !== hash) throw new Error('blob: store named it differently')
      done = true
      this.#stored(hash)
      this.#o.event?.('blob-stored', {
        blob: hash.slice(0, 12),
        size: info.size,
        offset,
        peer: session.key,
      })
      return true
    } catch {
      if (download.mismatch) {
        discard = true
        if (offset === 0) {
          // A peer that sends other bytes than the hash names is at fault (sync.md §8.6).
          session.fault(new ProtocolError(ErrorCode.INVALID_ENCODING, 'blob: hash does not match'))
          this.#o.event?.('blob-refused', { blob: hash.slice(0, 12), peer: session.key })
        }
      }
      return false
    } finally {
      await partial?.close()
      if (done || discard) await this.#partials?.remove(hash)
      if (discard && !done && offset > 0) {
        // The held prefix, not the peer, may be wrong: ask this peer again from 0.
        this.#o.event?.('blob-partial-discarded', { blob: hash.slice(0, 12), offset })
        this.#wanted.get(hash)?.tried.delete(session)
      }
    }
  }

  #stored(hash: string): void {
    this.#wanted.delete(hash)
    this.#records.remove([hash])
    for (const l of this.#listeners) l(hash)
  }

  /** One timer for all downloads: give up those without a frame for `stallMs`. */
  #watchStalls(): void {
    if (this.#stallTimer) return
    const every = Math.max(50, Math.min(1000, this.#limits.stallMs / 4))
    this.#stallTimer = setInterval(() => {
      const now = Date.now()
      for (const { download } of this.#active.values())
        if (download && now - download.lastActivity > this.#limits.stallMs)
          download.fail(new ProtocolError(ErrorCode.TIMEOUT, 'blob: transfer stalled'))
      if (this.#active.size === 0) {
        clearInterval(this.#stallTimer)
        this.#stallTimer = undefined
      }
    }, every)
    this.#stallTimer.unref()
  }

  #error(e: unknown): void {
    this.#o.event?.('blob-error', { code: isProtocolError(e) ? e.code : 'INTERNAL' })
  }
}
