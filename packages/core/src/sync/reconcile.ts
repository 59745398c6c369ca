/**
 * Range-based set reconciliation over resource identifiers (docs/protocol/sync.md §5), in the
 * style of negentropy: ranges whose fingerprints differ are split until they are small enough to
 * list, so the bytes exchanged grow with the difference, not with the set. Both roles run the
 * same code; both sides end knowing exactly which ids each one lacks.
 * @module
 */
import { toBase64url } from '../bytes.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import {
  addLimbs,
  bytesFromLimbs,
  limbsFromBytes,
  rangeFingerprint,
  subLimbs,
} from './fingerprint.js'
import type { Sha256Source } from './fingerprint.js'
import {
  MAX_PREFIX_BYTES,
  MIN_PREFIX_BYTES,
  Mode,
  REJECT_UNSUPPORTED_VERSION,
  RECONCILE_VERSION,
  RECONCILE_VERSIONS,
  decodeReconcileMessage,
  encodeReject,
  expectsReply,
} from './reconcile-codec.js'
import type { WireRange } from './reconcile-codec.js'
import { ID_BYTES, MAX_BOUND, MIN_BOUND } from './reconcile-storage.js'
import type { Bound, ReconcileStorage } from './reconcile-storage.js'
import {
  MAX_PENDING,
  OutputBuffer,
  RESERVE_BYTES,
  equalFingerprint,
  keyOf,
  mergeWork,
  sortedIds,
  sortedPrefixOrder,
  OwnRanges,
} from './reconcile-output.js'
import type { Plan, Work } from './reconcile-output.js'

/** Tunables of a session; limits live here with their defaults (sync.md §6). */
export interface ReconcilerOptions {
  /** Largest message either side sends or accepts, in bytes. Default 64 KiB. */
  readonly maxMessageBytes?: number
  /** Sub-ranges a mismatched range is split into. Default 16. */
  readonly branching?: number
  /** A mismatched range with at most this many local items is sent as an ID_LIST. Default 64. */
  readonly idListThreshold?: number
  /** Bytes of each id prefix in a first ID_LIST (4..32). Default 4; collisions are detected. */
  readonly prefixBytes?: number
}

/** Defaults of {@link ReconcilerOptions}. */
export const RECONCILE_DEFAULTS = Object.freeze({
  maxMessageBytes: 64 * 1024,
  branching: 16,
  idListThreshold: 64,
  prefixBytes: MIN_PREFIX_BYTES,
})

/** What one incoming message taught this side, and what to send back. */
export interface ReconcileResult {
  /** The answer to send, when one is due (sync.md §4.4). */
  readonly reply?: Uint8Array
  /** Ids first learned in this step that this side has and the peer lacks. */
  readonly have: string[]
  /** Ids first learned in this step that the peer has and this side lacks. */
  readonly need: string[]
  /** True when this side expects no further message in this session. */
  readonly done: boolean
}

/**
 * One side of a reconciliation session over a storage snapshot. The initiator calls
 * {@link initiate}, then both sides feed every received message to {@link reconcile} and send
 * the reply, until `done`.
 * @example
 * const a = new Reconciler(storageA, provider), b = new Reconciler(storageB, provider)
 * let msg: Uint8Array | undefined = a.initiate(), side = b
 * while (msg) { const r = side.reconcile(msg); msg = r.reply; side = side === a ? b : a }
 */
export class Reconciler {
  readonly #s: ReconcileStorage
  readonly #hash: Sha256Source
  /** Writes this side's own ranges (fingerprints, id lists, splits). */
  readonly #own: OwnRanges
  readonly #max: number
  readonly #branching: number
  readonly #threshold: number
  readonly #prefixBytes: number
  readonly #have = new Set<string>()
  readonly #need = new Set<string>()
  /** Ranges the peer sent that we have not answered yet, in key order. */
  #pending: Work[] = []
  #unresolved = 0

  /** @throws RangeError for options outside their ranges (a bug, not untrusted input) */
  constructor(storage: ReconcileStorage, hash: Sha256Source, options: ReconcilerOptions = {}) {
    this.#s = storage
    this.#hash = hash
    this.#own = new OwnRanges(storage, hash)
    this.#max = options.maxMessageBytes ?? RECONCILE_DEFAULTS.maxMessageBytes
    this.#branching = options.branching ?? RECONCILE_DEFAULTS.branching
    this.#threshold = options.idListThreshold ?? RECONCILE_DEFAULTS.idListThreshold
    this.#prefixBytes = options.prefixBytes ?? RECONCILE_DEFAULTS.prefixBytes
    const int = (v: number, lo: number, hi: number) => Number.isSafeInteger(v) && v >= lo && v <= hi
    if (!int(this.#branching, 2, 1024)) throw new RangeError('branching: expected 2..1024')
    if (!int(this.#threshold, 1, 1 << 16))
      throw new RangeError('idListThreshold: expected 1..65536')
    if (!int(this.#prefixBytes, MIN_PREFIX_BYTES, MAX_PREFIX_BYTES))
      throw new RangeError(`prefixBytes: expected ${MIN_PREFIX_BYTES}..${MAX_PREFIX_BYTES}`)
    // The largest output that must fit an empty frame: an IDS or ID_LIST of a full list, or a split.
    const atom = Math.max(this.#threshold * ID_BYTES, this.#branching * 120) + 2 * RESERVE_BYTES
    if (!int(this.#max, atom, 1 << 30)) throw new RangeError(`maxMessageBytes: expected >= ${atom}`)
  }

  /** Every id learned so far that this side has and the peer lacks. */
  get have(): ReadonlySet<string> {
    return this.#have
  }

  /** Every id learned so far that the peer has and this side lacks. */
  get need(): ReadonlySet<string> {
    return this.#need
  }

  /** Ranges abandoned because the peer's answers stayed inconsistent (a faulty or hostile peer). */
  get unresolved(): number {
    return this.#unresolved
  }

  /**
   * The first message of a session: fingerprints of enough buckets that a single difference is
   * pinned down to an ID_LIST within three round trips (sync.md §5.1), or the whole list when small.
   */
  initiate(): Uint8Array {
    const out = new OutputBuffer()
    const n = this.#s.size
    if (n <= this.#threshold)
      this.#own.writeIdList(out, MIN_BOUND, MAX_BOUND, 0, n, this.#prefixBytes)
    else {
      const want = Math.ceil(n / (this.#branching * this.#branching * this.#threshold))
      const cap = Math.floor((this.#max - 2 * RESERVE_BYTES) / 120)
      this.#own.writeSplit(
        out,
        MIN_BOUND,
        MAX_BOUND,
        0,
        n,
        Math.min(n, cap, Math.max(this.#branching, want)),
      )
    }
    return out.finish()
  }

  /**
   * Process one message from the peer.
   * @returns the reply (when due), the ids learned, and whether the session is over
   * @throws LIMIT_EXCEEDED, INVALID_ENCODING, BAD_REQUEST for a malformed or hostile message;
   *   UNSUPPORTED_VERSION when the peer rejected our version
   */
  reconcile(message: Uint8Array): ReconcileResult {
    const decoded = decodeReconcileMessage(message, this.#max)
    if (decoded.kind === 'reject') {
      const why =
        decoded.reason === REJECT_UNSUPPORTED_VERSION
          ? 'unsupported version'
          : `reason ${decoded.reason}`
      throw new ProtocolError(
        ErrorCode.UNSUPPORTED_VERSION,
        `sync: peer rejected version ${RECONCILE_VERSION} (${why}), it speaks ${decoded.versions.join(',')}`,
      )
    }
    // sync.md §4.1: an unknown version is answered with a coded reject, never guessed at.
    if (!RECONCILE_VERSIONS.includes(decoded.version))
      return { reply: encodeReject(), have: [], need: [], done: true }
    const have: string[] = []
    const need: string[] = []
    const owe = expectsReply(decoded.ranges) || this.#pending.length > 0
    // A DEFER range (sync.md §5.3): the peer kept work for its next message, so another comes
    // whatever we answer. Saying done here made a node drop its reconciler mid-session and build
    // a new one over a fresh snapshot of its store on the next frame, once per deferred frame.
    const peerDefers = decoded.ranges.some((r) => r.mode === Mode.DEFER)
    const out = new OutputBuffer()
    this.#process(decoded.ranges, message.length, out, have, need)
    if (!owe) return { have, need, done: true }
    return { reply: out.finish(), have, need, done: !out.needsAnswer && !peerDefers }
  }

  #process(
    ranges: readonly WireRange[],
    peerSize: number,
    out: OutputBuffer,
    have: string[],
    need: string[],
  ): void {
    const fresh: Work[] = []
    let lower: Bound = MIN_BOUND
    let lo = 0
    for (const r of ranges) {
      const hi = this.#s.findBound(r.upper, lo)
      const plan = this.#plan(r, lower, lo, hi, have, need)
      if (plan !== undefined) fresh.push({ lower, upper: r.upper, ...plan })
      lower = r.upper
      lo = hi
    }
    const work = mergeWork(this.#pending, fresh)
    if (work.length > MAX_PENDING)
      throw new ProtocolError(
        ErrorCode.LIMIT_EXCEEDED,
        `sync: expected at most ${MAX_PENDING} open ranges, got ${work.length}`,
      )
    const limit = this.#max - RESERVE_BYTES
    let i = this.#answer(work, out, limit, 0)
    if (i < work.length && peerSize < this.#max / 2) {
      // sync.md §5.3: more work than one frame while the peer's frame had room. Answer less and
      // hand some mismatched ranges back as our fingerprint (21 bytes instead of a split or an
      // ID_LIST of ~250), so both directions carry full frames.
      out.clear()
      const first = i
      i = this.#answer(work, out, limit, Math.min(this.#max / 4, (this.#max - peerSize) / 8))
      // The hand-back reserve must never leave a turn answering nothing when the full frame
      // answered something: the same work would be deferred again every turn, forever (an
      // answer without a hand-back, such as IDS, that fits the frame but not the frame minus
      // the reserve). Found by the reconcile property test (seed 1144476989).
      if (i === 0 && first > 0) {
        out.clear()
        i = this.#answer(work, out, limit, 0)
      }
    }
    // What did not fit stays ours to answer next turn, announced by one DEFER range: no work
    // is sent back and redone.
    this.#pending = work.slice(i)
    const first = this.#pending[0]
    if (
      first !== undefined &&
      !out.atomic(() => out.range(first.lower, MAX_BOUND, Mode.DEFER), this.#max)
    )
      throw new Error('reconcile: reserve too small for the defer range')
  }

  /** Answer work in key order, keeping `handoffBytes` for hand-backs; returns how many items. */
  #answer(work: readonly Work[], out: OutputBuffer, limit: number, handoffBytes: number): number {
    let i = 0
    for (; i < work.length; i++) {
      const w = work[i]!
      if (out.atomic(() => w.act(out), limit - handoffBytes)) continue
      if (
        handoffBytes === 0 ||
        w.handoff === undefined ||
        !out.atomic(() => w.handoff!(out), limit)
      )
        break
    }
    return i
  }

  /** What to write for range `r` (undefined: nothing); learns have/need on the way. */
  #plan(
    r: WireRange,
    lower: Bound,
    lo: number,
    hi: number,
    have: string[],
    need: string[],
  ): Plan | undefined {
    const s = this.#s
    switch (r.mode) {
      case Mode.SKIP:
      case Mode.DEFER:
        return undefined
      case Mode.FINGERPRINT: {
        const mine = this.#own.fingerprint(lo, hi)
        if (equalFingerprint(mine, r.fingerprint)) return undefined
        return {
          act: (out: OutputBuffer) => this.#writeMismatch(out, lower, r.upper, lo, hi),
          handoff: (out: OutputBuffer) => {
            out.range(lower, r.upper, Mode.FINGERPRINT)
            out.w.bytes(mine)
          },
        }
      }
      case Mode.ID_LIST: {
        const L = r.prefixLength
        const theirs = new Set<string>()
        for (let i = 0; i < r.count; i++) theirs.add(keyOf(r.entries, i * L, L))
        const mine = new Set<string>()
        const extras: number[] = []
        for (let i = lo; i < hi; i++) {
          const k = keyOf(s.hash(i), 0, L)
          mine.add(k)
          if (!theirs.has(k)) extras.push(i)
        }
        for (const i of extras) this.#learn(this.#have, have, s.id(i))
        const bitmap = new Uint8Array(Math.ceil(r.count / 8))
        for (let i = 0; i < r.count; i++)
          if (!mine.has(keyOf(r.entries, i * L, L))) bitmap[i >> 3]! |= 1 << (i & 7)
        const size = 40 + bitmap.length + extras.length * ID_BYTES
        if (size > (this.#max - 2 * RESERVE_BYTES) / 2 && hi - lo > 1)
          return {
            act: (out: OutputBuffer) =>
              this.#own.writeSplit(out, lower, r.upper, lo, hi, this.#branching),
          }
        return {
          act: (out: OutputBuffer) => {
            out.range(lower, r.upper, Mode.ID_DIFF)
            out.w.byte(L)
            out.w.bytes(this.#own.fingerprint(lo, hi))
            out.w.varint(r.count)
            out.w.bytes(bitmap)
            out.w.varint(extras.length)
            out.w.bytes(sortedIds(extras.map((i) => s.idBytes(i))))
          },
        }
      }
      case Mode.ID_DIFF: {
        const count = hi - lo
        if (count > this.#threshold || r.bitmapCount !== count)
          throw new ProtocolError(
            ErrorCode.BAD_REQUEST,
            `sync id diff: expected ${count} bits for a listed range, got ${r.bitmapCount}`,
          )
        const order = sortedPrefixOrder(s, lo, hi, r.prefixLength)
        const flagged: number[] = []
        for (let j = 0; j < order.length; j++)
          if ((r.bitmap[j >> 3]! >> (j & 7)) & 1) flagged.push(order[j]!)
        for (const i of flagged) this.#learn(this.#have, have, s.id(i))
        const theirCount = r.ids.length / ID_BYTES
        for (let j = 0; j < theirCount; j++)
          this.#learn(
            this.#need,
            need,
            toBase64url(r.ids.subarray(j * ID_BYTES, (j + 1) * ID_BYTES)),
          )
        // sync.md §5.2: the peer's set must be ours minus what it lacks plus what it sent; a
        // mismatch means a prefix collision (or a lying peer): list again with long prefixes.
        const acc = limbsFromBytes(s.sum(lo, hi), new Uint32Array(8))
        const t = new Uint32Array(8)
        for (const i of flagged) subLimbs(acc, 0, limbsFromBytes(s.hash(i), t), 0)
        for (let j = 0; j < theirCount; j++)
          addLimbs(acc, 0, limbsFromBytes(r.ids.subarray(j * ID_BYTES), t), 0)
        const expected = rangeFingerprint(
          this.#hash,
          bytesFromLimbs(acc),
          count - flagged.length + theirCount,
        )
        if (!equalFingerprint(expected, r.fingerprint)) {
          if (r.prefixLength >= MAX_PREFIX_BYTES) {
            this.#unresolved++
            return undefined
          }
          return {
            act: (out: OutputBuffer) =>
              this.#own.writeIdList(out, lower, r.upper, lo, hi, MAX_PREFIX_BYTES),
          }
        }
        if (flagged.length === 0) return undefined
        return {
          act: (out: OutputBuffer) => {
            out.range(lower, r.upper, Mode.IDS)
            out.w.varint(flagged.length)
            out.w.bytes(sortedIds(flagged.map((i) => s.idBytes(i))))
          },
        }
      }
      case Mode.IDS: {
        const n = r.ids.length / ID_BYTES
        for (let j = 0; j < n; j++)
          this.#learn(
            this.#need,
            need,
            toBase64url(r.ids.subarray(j * ID_BYTES, (j + 1) * ID_BYTES)),
          )
        return undefined
      }
    }
  }

  #learn(set: Set<string>, fresh: string[], id: string): void {
    if (set.has(id)) return
    set.add(id)
    fresh.push(id)
  }

  /** Fingerprints differ: list small ranges, split big ones (sync.md §5.1). */
  #writeMismatch(out: OutputBuffer, lower: Bound, upper: Bound, lo: number, hi: number): void {
    if (hi - lo <= this.#threshold)
      this.#own.writeIdList(out, lower, upper, lo, hi, this.#prefixBytes)
    else this.#own.writeSplit(out, lower, upper, lo, hi, this.#branching)
  }
}
