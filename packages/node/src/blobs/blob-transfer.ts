/**
 * Attachment blobs between nodes (docs/protocol/attachments.md §2-§3): serving `request_blob`
 * as BLOB frames to any connected peer, fetching wanted or offered blobs with bounded
 * concurrency, verifying each blob's hash before the store keeps it, and offering the blobs of
 * a sent message to the right peers.
 * @module
 */
import {
  ATTACHMENT_MAX_BYTES,
  ErrorCode,
  MAX_OFFERED_BLOBS,
  ProtocolError,
  isProtocolError,
  sealedAttachmentSize,
} from '@sdmp/core'
import type { ContentData } from '@sdmp/core'
import type { Store } from '@sdmp/store'
import type { PeerSession } from '../sync/peer-session.js'
import type { SessionBlobs } from './session-blobs.js'
import { controlMessage } from '../sync/wire.js'
import type { ControlSigner } from '../sync/wire.js'
import { BLOB_FRAME_DATA_BYTES, decodeBlobFrame, encodeBlobFrame } from './blob-frame.js'
import { BlobDownload } from './blob-download.js'

/** Limits of the blob transfer (defaults: {@link DEFAULT_BLOB_LIMITS}, attachments.md §2). */
export interface BlobLimits {
  /** Largest blob fetched or served. */
  readonly maxBlobBytes: number
  /** Downloads at once, per node and per peer. */
  readonly downloads: number
  readonly downloadsPerPeer: number
  /** Uploads at once to one peer; more are answered `rejected(busy)`. */
  readonly uploadsPerPeer: number
  /** A download with no frame for this long is given up, ms. */
  readonly stallMs: number
  /** Most blobs remembered as wanted. */
  readonly maxWanted: number
}

/** attachments.md §2 "Bounds". */
export const DEFAULT_BLOB_LIMITS: BlobLimits = Object.freeze({
  maxBlobBytes: sealedAttachmentSize(ATTACHMENT_MAX_BYTES),
  downloads: 4,
  downloadsPerPeer: 2,
  uploadsPerPeer: 2,
  stallMs: 30_000,
  maxWanted: 10_000,
})

/** Options of {@link BlobTransfer}. */
export interface BlobTransferOptions {
  readonly store: Store
  readonly signer: ControlSigner
  /** The open sessions (the sync engine's). */
  readonly sessions: () => Iterable<PeerSession>
  readonly limits?: Partial<BlobLimits>
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

/** A blob wanted: from any peer (`any`, the mailbox wants it) or from peers that offered it. */
interface Want {
  any: boolean
  readonly offeredBy: Set<PeerSession>
  /** Peers asked already (reset when the blob is wanted again). */
  tried: WeakSet<PeerSession>
}

const HEX64 = /^[0-9a-f]{64}$/

/** The blob side of a node's sync engine. */
export class BlobTransfer implements SessionBlobs {
  readonly #o: BlobTransferOptions
  readonly #limits: BlobLimits
  readonly #wanted = new Map<string, Want>()
  /** Running downloads by hash (one per hash per node), with the peer they come from. */
  readonly #active = new Map<string, { session: PeerSession; download: BlobDownload }>()
  readonly #uploads = new Map<PeerSession, number>()
  readonly #sizes = new Map<string, number>()
  readonly #listeners = new Set<(hash: string) => void>()
  #stallTimer: ReturnType<typeof setInterval> | undefined

  constructor(options: BlobTransferOptions) {
    this.#o = options
    this.#limits = Object.freeze({ ...DEFAULT_BLOB_LIMITS, ...options.limits })
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
      if (!HEX64.test(hash)) continue
      const w = this.#want(hash)
      if (!w) continue
      w.any = true
      w.tried = new WeakSet()
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
  attached(session: PeerSession): void {
    void session.channel.closed.then(() => {
      this.#uploads.delete(session)
      const a = [...this.#active.values()].filter((x) => x.session === session)
      for (const x of a)
        x.download.fail(new ProtocolError(ErrorCode.CLOSED, 'blob: channel closed'))
      for (const w of this.#wanted.values()) w.offeredBy.delete(session)
    })
    void this.#pump()
  }

  /** Stop the stall timer and give up running downloads. */
  close(): void {
    clearInterval(this.#stallTimer)
    this.#stallTimer = undefined
    for (const { download } of this.#active.values())
      download.fail(new ProtocolError(ErrorCode.CLOSED, 'blob: shutting down'))
  }

  onOffer(session: PeerSession, q: ContentData<'offer_blobs'>): void {
    void (async () => {
      for (const hash of q.hashes) {
        if (this.#active.has(hash) || (await this.#o.store.hasBlob(hash))) continue
        this.#want(hash)?.offeredBy.add(session)
      }
      await this.#pump()
    })().catch((e: unknown) => this.#error(e))
  }

  async onRequest(session: PeerSession, q: ContentData<'request_blob'>): Promise<void> {
    const uploads = this.#uploads.get(session) ?? 0
    if (uploads >= this.#limits.uploadsPerPeer)
      return session.answer(q.identifier, 'rejected', 'busy')
    const size = await this.#sizeOf(q.hash)
    if (size === undefined) return session.answer(q.identifier, 'not_found')
    if (q.offset > size) return session.answer(q.identifier, 'bad_request', 'offset')
    this.#uploads.set(session, uploads + 1)
    await session.answer(q.identifier, 'ok', undefined, { size })
    // The frames go out after the response (channel order) without blocking the inbox.
    void this.#upload(session, q.hash, q.offset)
      .catch((e: unknown) => {
        if (!isProtocolError(e, ErrorCode.CLOSED)) this.#error(e)
      })
      .finally(() => {
        const n = (this.#uploads.get(session) ?? 1) - 1
        if (n > 0) this.#uploads.set(session, n)
        else this.#uploads.delete(session)
      })
  }

  async onFrame(session: PeerSession, body: Uint8Array): Promise<void> {
    const frame = decodeBlobFrame(body)
    const active = this.#active.get(frame.hash)
    // A frame of a transfer given up (or never asked from this peer) is ignored.
    if (!active || active.session !== session) return
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

  /** The size of a held blob (streamed once, then remembered), or undefined. */
  async #sizeOf(hash: string): Promise<number | undefined> {
    const known = this.#sizes.get(hash)
    if (known !== undefined) return known
    const data = await this.#o.store.getBlob(hash)
    if (!data) return undefined
    let size = 0
    for await (const part of data) size += part.length
    if (this.#sizes.size >= 1024) this.#sizes.delete(this.#sizes.keys().next().value!)
    this.#sizes.set(hash, size)
    return size
  }

  async #upload(session: PeerSession, hash: string, offset: number): Promise<void> {
    const data = await this.#o.store.getBlob(hash)
    if (!data) return
    let at = 0
    for await (const part of data) {
      let from = 0
      if (at + part.length <= offset) {
        at += part.length
        continue
      }
      if (at < offset) from = offset - at
      while (from < part.length) {
        if (!session.isOpen) return
        const slice = part.subarray(from, from + BLOB_FRAME_DATA_BYTES)
        await session.channel.send(encodeBlobFrame(hash, at + from, slice))
        from += slice.length
      }
      at += part.length
    }
  }

  /** Start downloads while there are candidates and room (attachments.md §2 "Bounds"). */
  async #pump(): Promise<void> {
    for (const [hash, w] of this.#wanted) {
      if (this.#active.size >= this.#limits.downloads) return
      if (this.#active.has(hash)) continue
      const candidates = w.any ? [...this.#o.sessions()] : [...w.offeredBy]
      const session = candidates.find(
        (s) =>
          s.isOpen && !w.tried.has(s) && this.#downloadsFrom(s) < this.#limits.downloadsPerPeer,
      )
      if (!session) {
        if (!w.any && [...w.offeredBy].every((s) => w.tried.has(s) || !s.isOpen))
          this.#wanted.delete(hash)
        continue
      }
      w.tried.add(session)
      void this.#fetch(session, hash).then(() => this.#pump())
    }
  }

  #downloadsFrom(session: PeerSession): number {
    let n = 0
    for (const a of this.#active.values()) if (a.session === session) n++
    return n
  }

  /** One download from one peer; true when the blob is stored. Never rejects. */
  async #fetch(session: PeerSession, hash: string): Promise<boolean> {
    if (await this.#o.store.hasBlob(hash)) {
      this.#stored(hash)
      return true
    }
    if (this.#active.has(hash)) return false
    const download = new BlobDownload(hash, this.#limits.maxBlobBytes)
    this.#active.set(hash, { session, download })
    this.#watchStalls()
    const stored = this.#o.store.putBlob(download.source())
    stored.catch(() => undefined) // observed below; never unhandled
    try {
      const r = await session.requestBlob(hash, 0)
      if (r.status !== 'ok') throw new ProtocolError(ErrorCode.NOT_FOUND, `blob: ${r.status}`)
      const size = (r.data as { size?: unknown } | undefined)?.size
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        const e = new ProtocolError(ErrorCode.BAD_REQUEST, 'blob: malformed response')
        session.fault(e)
        throw e
      }
      download.setSize(size)
    } catch (e) {
      download.fail(e instanceof Error ? e : new Error(String(e)))
    }
    try {
      const info = await stored
      if (info.hash !== hash) throw new Error('blob: store named it differently')
      this.#stored(hash)
      this.#o.event?.('blob-stored', {
        blob: hash.slice(0, 12),
        size: info.size,
        peer: session.key,
      })
      return true
    } catch (e) {
      if (download.mismatch) {
        // A peer that sends other bytes than the hash names is at fault (sync.md §8.6).
        session.fault(new ProtocolError(ErrorCode.INVALID_ENCODING, 'blob: hash does not match'))
        this.#o.event?.('blob-refused', { blob: hash.slice(0, 12), peer: session.key })
      }
      return false
    } finally {
      if (this.#active.get(hash)?.download === download) this.#active.delete(hash)
    }
  }

  #stored(hash: string): void {
    this.#wanted.delete(hash)
    for (const l of this.#listeners) l(hash)
  }

  /** One timer for all downloads: give up those without a frame for `stallMs`. */
  #watchStalls(): void {
    if (this.#stallTimer) return
    const every = Math.max(50, Math.min(1000, this.#limits.stallMs / 4))
    this.#stallTimer = setInterval(() => {
      const now = Date.now()
      for (const { download } of this.#active.values())
        if (now - download.lastActivity > this.#limits.stallMs)
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
