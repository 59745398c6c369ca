/**
 * The stateful peer-session target (docs/fuzz.md §4): a real PeerSession of an honest node
 * (memory store, ingestor, sync engine) behind a real secure channel, and a hostile peer that
 * sends valid, replayed, reordered, mutated and garbage control, resource and reconcile frames.
 * The honest side must keep serving (answer a final probe) or end with a coded close, and
 * must never report an internal error.
 * @module
 */
import fc from 'fast-check'
import { decodeResource, fingerprintOf, isProtocolError } from '@sdmp/core'
import {
  Ingestor,
  MessageType,
  SyncEngine,
  controlMessage,
  decodeMessage,
  resourceFrameBytes,
} from '@sdmp/node'
import type { ControlSigner } from '@sdmp/node'
import { MemoryStore } from '@sdmp/store'
import { createDuplexPair, secureChannel } from '@sdmp/transport'
import { byteMutant, payloadMutant, randomBytes } from '../mutate.js'
import { getWorld, innerText, signRaw } from '../samples.js'
import { FuzzFinding, defineTarget } from '../target.js'
import type { FuzzTarget } from '../target.js'

/** One thing the hostile peer does. */
type Action = { t: 'frame'; bytes: Uint8Array } | { t: 'replay'; i: number }

const frame = (type: number, body: Uint8Array) => {
  const out = new Uint8Array(body.length + 1)
  out[0] = type
  out.set(body, 1)
  return out
}

/** Wait for `p` at most `ms`; false on timeout. */
async function settle(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const t = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)))
  try {
    return await Promise.race([p.then(() => true), t])
  } finally {
    clearTimeout(timer)
  }
}

const sessionTarget = defineTarget(
  'sync.session',
  'a PeerSession fed replayed, reordered, mutated and garbage frames',
  () => {
    const w = getWorld()
    const { provider, alice, bob } = w
    const signer: ControlSigner = {
      provider,
      key: alice.node,
      user: alice.user.fingerprint,
      trust: alice.trust.id,
      clock: () => Date.now() - 1000,
    }
    const ids = w.resources.map((r) => r.id)
    const controls = [
      controlMessage(signer, 'request_journal', { identifier: 'q1', since: bob.node.fingerprint }),
      controlMessage(signer, 'request_journal', { identifier: 'q2' }),
      controlMessage(signer, 'request_resource', { identifier: 'q3', resources: ids }),
      controlMessage(signer, 'response', {
        identifier: 'q4',
        status: 'ok',
        data: { entries: [], more: false },
      }),
      controlMessage(signer, 'broadcast', { since: w.journal[0]!, entries: w.journal.slice(1, 5) }),
      ...w.control.map((r) => frame(MessageType.CONTROL, r.bytes)),
    ]
    const resources = w.resources.map((r) => frame(MessageType.RESOURCE, r.bytes))
    /** Frames an honest peer could send (kept by identity: replays reuse the same array). */
    const valid = new Set<Uint8Array>([...controls, ...resources])
    const resigned = payloadMutant(w.control.map(innerText)).map((t) =>
      frame(MessageType.CONTROL, signRaw(provider, t, [alice.node])),
    )
    const reconcile = fc
      .uint8Array({ maxLength: 200 })
      .map((b) => frame(MessageType.RECONCILE, Uint8Array.of(1, ...b)))
    const action: fc.Arbitrary<Action> = fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .constantFrom(...controls, ...resources)
          .map((bytes) => ({ t: 'frame' as const, bytes })),
      },
      { weight: 2, arbitrary: fc.nat().map((i) => ({ t: 'replay' as const, i })) },
      {
        weight: 3,
        arbitrary: byteMutant([...controls, ...resources]).map((bytes) => ({
          t: 'frame' as const,
          bytes,
        })),
      },
      { weight: 2, arbitrary: resigned.map((bytes) => ({ t: 'frame' as const, bytes })) },
      { weight: 1, arbitrary: reconcile.map((bytes) => ({ t: 'frame' as const, bytes })) },
      {
        weight: 1,
        arbitrary: randomBytes.map((bytes) => ({
          t: 'frame' as const,
          bytes: bytes.length > 0 ? bytes : Uint8Array.of(0),
        })),
      },
    )
    return {
      arbitrary: fc.array(action, { minLength: 1, maxLength: 10 }),
      async run(actions: Action[]) {
        const store = new MemoryStore({ sha512: provider.sha512 })
        await store.open()
        await store.initJournal(bob.node.fingerprint)
        const ingestor = new Ingestor({ provider, store })
        await ingestor.ingest(w.resources.map((r) => r.bytes))
        const internal: string[] = []
        const engine = new SyncEngine({
          store,
          ingestor,
          limits: { requestTimeoutMs: 2000 },
          signer: {
            provider,
            key: bob.node,
            user: bob.user.fingerprint,
            trust: bob.trust.id,
            clock: Date.now,
          },
          event: (name, detail) => {
            if (name === 'internal-error') internal.push(String(detail['message']))
          },
        })
        const [da, db] = createDuplexPair()
        const common = { provider, fingerprintOf: (pk: Uint8Array) => fingerprintOf(provider, pk) }
        const [ca, cb] = await Promise.all([
          secureChannel(da, {
            ...common,
            role: 'initiator',
            nodeSeed: alice.node.seed,
            authorize: async () => ({ ok: true }),
          }),
          secureChannel(db, {
            ...common,
            role: 'responder',
            nodeSeed: bob.node.seed,
            authorize: engine.authorize,
          }),
        ])
        // The probe's response proves the honest side handled every frame before it (one inbox).
        let answered!: () => void
        const probeAnswered = new Promise<void>((r) => (answered = r))
        ca.onMessage((m) => {
          try {
            const { type, body } = decodeMessage(m)
            if (type !== MessageType.CONTROL && type !== MessageType.CONTROL_COMPACT) return
            const r = decodeResource(provider, resourceFrameBytes(type, body, provider))
            if (r.kind === 'response' && (r.data as { identifier: string }).identifier === 'probe')
              answered()
          } catch (e) {
            if (!isProtocolError(e)) throw e
          }
        })
        engine.attach(cb, 'responder')
        const sent: Uint8Array[] = []
        try {
          for (const a of actions) {
            const bytes = a.t === 'frame' ? a.bytes : sent[a.i % Math.max(1, sent.length)]
            if (!bytes || !ca.isOpen) continue
            sent.push(bytes)
            if (bytes.length <= ca.maxMessageBytes) await ca.send(bytes)
          }
          if (ca.isOpen)
            await ca.send(controlMessage(signer, 'request_journal', { identifier: 'probe' }))
          const ended = await settle(Promise.race([probeAnswered, ca.closed]), 8000)
          if (!ended) throw new FuzzFinding('hang: the honest side neither answered nor closed')
          await ingestor.ingest([]) // ingests run in order: this waits for the pushed resources
          if (internal.length > 0)
            throw new FuzzFinding(`honest side internal error: ${internal[0]!}`)
          if (!ca.isOpen) {
            const info = await ca.closed
            if (info.reason === 'internal_error')
              throw new FuzzFinding('honest side closed with internal_error')
            // Valid frames, replayed or reordered, are no reason to drop a peer.
            if (sent.every((b) => valid.has(b)))
              throw new FuzzFinding(`honest peer disconnected (${info.reason})`)
          }
        } finally {
          await engine.close()
          await ca.close()
          await store.close()
        }
      },
    }
  },
)

/** The stateful session target. */
export const SESSION_TARGETS: readonly FuzzTarget[] = [sessionTarget]
