/**
 * Transport targets over the in-memory duplex (docs/fuzz.md §3, docs/protocol/transport.md):
 * a responder fed garbage and mutated handshake messages, and an open channel whose frames a
 * man in the middle flips, drops, replays, reorders, truncates or injects. The honest end must
 * end with a coded error and never deliver a replayed, reordered or altered message.
 * @module
 */
import fc from 'fast-check'
import { fingerprintOf, isProtocolError } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { createDuplexPair, secureChannel } from '@sdmp/transport'
import type { DuplexTap, SecureChannel } from '@sdmp/transport'
import { byteMutant, randomBytes } from '../mutate.js'
import { getWorld } from '../samples.js'
import { FuzzFinding, defineTarget, describeError } from '../target.js'
import type { FuzzTarget } from '../target.js'

/** Handshake and idle limits small enough that a stuck run ends quickly. */
const LIMITS = { handshakeTimeoutMs: 3000 }
const allow = async () => ({ ok: true as const })

function options(provider: CryptoProvider, seed: Uint8Array) {
  return {
    provider,
    nodeSeed: seed,
    fingerprintOf: (pk: Uint8Array) => fingerprintOf(provider, pk),
    authorize: allow,
    limits: LIMITS,
  }
}

/** Resolve with `p`, or fail the run as a hang after `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzFinding(`hang: ${what} after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([p, hang])
  } finally {
    clearTimeout(timer)
  }
}

/** The first handshake message an honest initiator sends, captured off an in-memory pair. */
async function captureMessage1(provider: CryptoProvider, seed: Uint8Array): Promise<Uint8Array> {
  let first: Uint8Array | undefined
  const [a, b] = createDuplexPair()
  b.attach({
    data: (c) => void (first ??= c.slice()),
    end() {},
    error() {},
    drain() {},
  })
  const ch = secureChannel(a, { ...options(provider, seed), role: 'initiator' }).catch(
    () => undefined,
  )
  await within(
    (async () => {
      while (!first) await new Promise((r) => setImmediate(r))
    })(),
    3000,
    'initiator message 1',
  )
  b.destroy()
  await ch
  return first!
}

const responderTarget = defineTarget(
  'transport.handshake',
  'a responder fed garbage and mutated handshake messages',
  async () => {
    const w = getWorld()
    const m1 = await captureMessage1(w.provider, w.alice.node.seed)
    return {
      arbitrary: fc.array(fc.oneof(byteMutant([m1]), randomBytes, fc.constant(m1)), {
        minLength: 1,
        maxLength: 4,
      }),
      async run(chunks: Uint8Array[]) {
        const [a, b] = createDuplexPair()
        const result = secureChannel(b, {
          ...options(w.provider, w.bob.node.seed),
          role: 'responder',
        })
        a.attach({ data() {}, end() {}, error() {}, drain() {} })
        for (const c of chunks) a.write(c)
        a.end()
        const outcome = await within(
          result.then(
            (ch) => ch,
            (e: unknown) => e,
          ),
          5000,
          'responder on garbage',
        )
        if (outcome instanceof Error || !('peer' in (outcome as object))) {
          if (!isProtocolError(outcome)) throw new FuzzFinding(`uncoded ${describeError(outcome)}`)
          return
        }
        // Message 1 replayed alone cannot finish a handshake: the initiator never answered.
        await (outcome as SecureChannel).close()
        throw new FuzzFinding('responder completed a handshake with no initiator')
      },
    }
  },
)

/** One man-in-the-middle edit of the k-th chunk the initiator writes after the handshake. */
type Edit =
  | { op: 'flip'; chunk: number; at: number; bit: number }
  | { op: 'drop' | 'dup' | 'hold'; chunk: number }
  | { op: 'inject'; chunk: number; bytes: Uint8Array }
  | { op: 'truncate'; chunk: number; at: number }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('flip'), chunk: fc.nat(5), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constantFrom('drop', 'dup', 'hold'), chunk: fc.nat(5) }),
  fc.record({
    op: fc.constant('inject'),
    chunk: fc.nat(5),
    bytes: fc.uint8Array({ maxLength: 64 }),
  }),
  fc.record({ op: fc.constant('truncate'), chunk: fc.nat(5), at: fc.nat() }),
) as fc.Arbitrary<Edit>

/** A tap that applies `edits` to the initiator's chunks once `armed()` says the channel is open. */
function tamper(edits: readonly Edit[], armed: () => boolean): DuplexTap {
  let k = 0
  let held: Uint8Array | undefined
  return (chunk, from) => {
    if (from !== 'a' || !armed()) return [chunk]
    let out = [chunk]
    for (const e of edits.filter((x) => x.chunk === k)) {
      const c = out[0]
      if (c === undefined) break
      if (e.op === 'flip' && c.length > 0) {
        const m = c.slice()
        m[e.at % c.length]! ^= 1 << e.bit
        out = [m]
      } else if (e.op === 'drop') out = []
      else if (e.op === 'dup') out = [c, c]
      else if (e.op === 'hold') {
        held = c
        out = []
      } else if (e.op === 'inject') out = [e.bytes, c]
      else if (e.op === 'truncate') out = [c.subarray(0, e.at % (c.length + 1))]
    }
    k++
    if (held && out.length > 0 && out[0] !== held) {
      out.push(held) // reorder: the held chunk goes after the next one
      held = undefined
    }
    return out
  }
}

const channelTarget = defineTarget(
  'transport.frames',
  'an open channel with frames flipped, dropped, replayed, reordered or injected',
  () => {
    const w = getWorld()
    return {
      arbitrary: fc.record({
        messages: fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), {
          minLength: 1,
          maxLength: 4,
        }),
        edits: fc.array(edit, { maxLength: 4 }),
      }),
      async run({ messages, edits }: { messages: Uint8Array[]; edits: Edit[] }) {
        let open = false
        const [da, db] = createDuplexPair({ tap: tamper(edits, () => open) })
        const [ca, cb] = await within(
          Promise.all([
            secureChannel(da, {
              ...options(w.provider, w.alice.node.seed),
              role: 'initiator',
            }),
            secureChannel(db, { ...options(w.provider, w.bob.node.seed), role: 'responder' }),
          ]),
          5000,
          'handshake',
        )
        open = true
        const got: Uint8Array[] = []
        cb.onMessage((m) => void got.push(m))
        for (const m of messages) if (ca.isOpen) await ca.send(m)
        await ca.close()
        const info = await within(cb.closed, 5000, 'responder close')
        if (info.error !== undefined && !isProtocolError(info.error))
          throw new FuzzFinding(`responder closed with uncoded ${describeError(info.error)}`)
        // Delivered messages must be a prefix of what was sent: nothing altered or replayed.
        got.forEach((m, i) => {
          const sent = messages[i]
          if (!sent || sent.length !== m.length || sent.some((x, j) => x !== m[j]))
            throw new FuzzFinding(`message ${i} delivered altered, replayed or out of order`)
        })
        // Untouched, the channel must deliver everything and close cleanly.
        if (edits.length === 0 && (got.length !== messages.length || info.error !== undefined))
          throw new FuzzFinding(`untampered channel delivered ${got.length}/${messages.length}`)
      },
    }
  },
)

/** The transport targets, in registry order. */
export const TRANSPORT_TARGETS: readonly FuzzTarget[] = [responderTarget, channelTarget]
