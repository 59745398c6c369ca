/**
 * Targets over what a peer sends in a sync session (docs/fuzz.md §3, docs/protocol/sync.md):
 * reconciliation messages (decoded alone and fed in replayed and reordered sequences to one
 * reconciler), sync wire frames with control message validation, and the account layer's
 * invite and join request decoders.
 * @module
 */
import fc from 'fast-check'
import {
  MemoryReconcileStorage,
  Reconciler,
  RECONCILE_DEFAULTS,
  decodeCompactResource,
  decodeReconcileMessage,
  decodeResource,
  fromBase64url,
  toBase64url,
} from '@sdmp/core'
import type { SyncKey } from '@sdmp/core'
import {
  decodeInvite,
  decodeJoinRequest,
  encodeInvite,
  encodeJoinRequest,
  INVITE_PREFIX,
  JOIN_PREFIX,
  MAX_INVITE_CHARS,
} from '@sdmp/daemon'
import { Ingestor, MessageType, decodeMessage } from '@sdmp/node'
import { MemoryStore } from '@sdmp/store'
import { byteMutant, payloadMutant, oversize, randomBytes, textMutant, utf8 } from '../mutate.js'
import { T0, getWorld, innerText, signRaw } from '../samples.js'
import { defineTarget, expectCodedSync } from '../target.js'
import type { FuzzTarget } from '../target.js'

/** Two overlapping id sets and every message of one full reconciliation between them. */
function reconcileSamples(): {
  a: MemoryReconcileStorage
  b: MemoryReconcileStorage
  messages: Uint8Array[]
} {
  const { provider } = getWorld()
  const key = (i: number): SyncKey => ({
    created: T0 + Math.floor(i / 3) * 1000,
    id: toBase64url(provider.sha512(utf8(`fuzz item ${i}`))),
  })
  const all = Array.from({ length: 300 }, (_, i) => key(i))
  const a = MemoryReconcileStorage.fromKeys(all.filter((_, i) => i % 7 !== 0))
  const b = MemoryReconcileStorage.fromKeys(all.filter((_, i) => i % 5 !== 0))
  const options = { branching: 4, idListThreshold: 8, maxMessageBytes: 4096 }
  const ra = new Reconciler(a, provider, options)
  const rb = new Reconciler(b, provider, options)
  const messages = [ra.initiate()]
  for (let turn = 0; turn < 64; turn++) {
    const side = turn % 2 === 0 ? rb : ra
    const r = side.reconcile(messages.at(-1)!)
    if (!r.reply) break
    messages.push(r.reply)
  }
  return { a, b, messages }
}

const reconcileTarget = defineTarget(
  'sync.reconcile',
  'decodeReconcileMessage + a reconciler fed replayed/reordered/garbage messages',
  () => {
    const { provider } = getWorld()
    const { b, messages } = reconcileSamples()
    const one = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...messages) },
      { weight: 5, arbitrary: byteMutant(messages) },
      { weight: 1, arbitrary: randomBytes },
      { weight: 1, arbitrary: oversize(messages[0]!, RECONCILE_DEFAULTS.maxMessageBytes) },
    )
    return {
      arbitrary: fc.array(one, { minLength: 1, maxLength: 5 }),
      run(sequence: Uint8Array[]) {
        for (const m of sequence)
          expectCodedSync(() => decodeReconcileMessage(m, RECONCILE_DEFAULTS.maxMessageBytes))
        // One responder session sees the whole sequence: replays and reorders included.
        const r = new Reconciler(b, provider, {
          branching: 4,
          idListThreshold: 8,
          maxMessageBytes: 4096,
        })
        for (const m of sequence) expectCodedSync(() => r.reconcile(m))
      },
    }
  },
)

const wireTarget = defineTarget(
  'sync.wire',
  'decodeMessage + control message validation (Ingestor.verifyControl)',
  async () => {
    const w = getWorld()
    const store = new MemoryStore({ sha512: w.provider.sha512 })
    await store.open()
    await store.initJournal(w.bob.node.fingerprint)
    const ingestor = new Ingestor({ provider: w.provider, store, clock: () => w.now })
    const outcomes = await ingestor.ingest(w.resources.map((r) => r.bytes))
    if (outcomes.some((o) => o.status !== 'stored'))
      throw new Error('sync.wire: sample resources did not ingest')
    const frames = w.control.map((r) => Uint8Array.of(MessageType.CONTROL, ...r.bytes))
    const resigned = fc
      .tuple(payloadMutant(w.control.map(innerText)), fc.boolean())
      .map(([t, good]) =>
        Uint8Array.of(
          MessageType.CONTROL,
          ...signRaw(w.provider, t, [good ? w.alice.node : w.bob.user]),
        ),
      )
    return {
      arbitrary: fc.oneof(
        { weight: 4, arbitrary: byteMutant(frames) },
        { weight: 4, arbitrary: resigned },
        { weight: 1, arbitrary: randomBytes },
      ),
      run(message: Uint8Array) {
        expectCodedSync(() => {
          const { type, body } = decodeMessage(message)
          if (type === MessageType.CONTROL) ingestor.verifyControl(body)
          else if (type === MessageType.CONTROL_COMPACT)
            ingestor.verifyControl(decodeCompactResource(w.provider, body))
          else if (type === MessageType.RESOURCE) decodeResource(w.provider, body)
          else if (type === MessageType.RESOURCE_COMPACT)
            decodeResource(w.provider, decodeCompactResource(w.provider, body))
          else decodeReconcileMessage(body, RECONCILE_DEFAULTS.maxMessageBytes)
        })
      },
      close: () => store.close(),
    }
  },
)

/** A prefixed account string with its JSON body mutated and re-encoded, or the text mutated. */
function accountStrings(prefix: string, sample: string) {
  const json = new TextDecoder().decode(fromBase64url(sample.slice(prefix.length)))
  return fc.oneof(
    { weight: 4, arbitrary: textMutant([json]).map((t) => prefix + toBase64url(utf8(t))) },
    { weight: 2, arbitrary: textMutant([sample]) },
    { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((s) => `${prefix}${s}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        `${prefix.replace(':1:', ':2:')}e30`,
        ' '.repeat(3) + sample + '\n',
      ),
    },
    {
      weight: 1,
      arbitrary: oversize(utf8(sample), MAX_INVITE_CHARS).map((b) => new TextDecoder().decode(b)),
    },
  )
}

const accountTarget = defineTarget('account.codec', 'decodeInvite + decodeJoinRequest', () => {
  const w = getWorld()
  const invite = encodeInvite({
    user: w.alice.user.fingerprint,
    resources: [w.alice.userIdentity.bytes, w.alice.nodeIdentity.bytes, w.alice.trust.bytes],
  })
  const join = encodeJoinRequest(w.bob.nodeIdentity.bytes)
  return {
    arbitrary: fc.oneof(
      accountStrings(INVITE_PREFIX, invite).map((text) => ({ invite: true, text })),
      accountStrings(JOIN_PREFIX, join).map((text) => ({ invite: false, text })),
    ),
    run({ invite: isInvite, text }: { invite: boolean; text: string }) {
      expectCodedSync(() => {
        // The decoders leave validation to the caller; the resources go on to decodeResource.
        const resources = isInvite ? decodeInvite(text).resources : [decodeJoinRequest(text)]
        for (const r of resources) expectCodedSync(() => decodeResource(w.provider, r))
      })
    },
  }
})

/** The sync and account targets, in registry order. */
export const SYNC_TARGETS: readonly FuzzTarget[] = [reconcileTarget, wireTarget, accountTarget]
