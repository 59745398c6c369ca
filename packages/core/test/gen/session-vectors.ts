/**
 * Generator of vectors/sessions.json (docs/protocol/sessions.md §9): a session start from a
 * prekey message, one KDF_CK chain, and one exchange (A, A, B answers, A after its DH step),
 * all from the deterministic draw stream of envelope.md §8. session-vectors.test.ts checks the
 * committed file against this generator on every preset and replays the exchange.
 * @module
 */
import {
  createNobleProvider,
  generateRecipientKeyPair,
  kdfCk,
  sealSessionEnvelope,
  selfEntryKey,
  utf8,
  sessionStartKeys,
  toHex,
  unwrapKeyDetailed,
} from '../../src/index.js'
import type { CryptoProvider, RandomSource, Session } from '../../src/index.js'
import { seededRandom } from '../envelope-helpers.js'
import { End, NODE_A, NODE_B, NODE_C, startPair } from '../session-helpers.js'

/** Where the committed vectors live, relative to the repository root (the test cwd). */
export const SESSION_VECTORS_PATH = 'vectors/sessions.json'
const SEED = 'sdmp session vector exchange-1'

/** Build the vector file as a JSON-ready object (deterministic for any provider). */
export function buildSessionVectors(provider: CryptoProvider = createNobleProvider()): unknown {
  const random = seededRandom(provider, SEED)
  const p = startPair(provider, random)
  const a = new End(provider, p.a, random)
  const b = new End(provider, p.b, random)
  const steps: { from: 'A' | 'B'; keyHex: string; entryHex: string }[] = []
  const send = (from: End, to: End, name: 'A' | 'B') => {
    const k = random(32)
    const entry = from.seal(k)
    if (!to.open(entry)) throw new Error('vector exchange does not open')
    steps.push({ from: name, keyHex: toHex(k), entryHex: toHex(entry) })
  }
  send(a, b, 'A')
  send(a, b, 'A')
  send(b, a, 'B')
  send(a, b, 'A')
  const envelope = sessionEnvelope(provider, random, a.session)
  const ck = seededRandom(provider, 'sdmp session vector chain')(32)
  const chain: { ckHex: string; mkHex: string }[] = []
  let c = ck
  for (let i = 0; i < 3; i++) {
    const step = kdfCk(provider, c)
    chain.push({ ckHex: toHex(step.ck), mkHex: toHex(step.mk) })
    c = step.ck
  }
  return {
    description:
      "sdmp session vectors (docs/protocol/sessions.md). Draws from the stream of envelope.md §8 with randomSeed, in order: prekey seed (96), prekey-message content key (32), its wrap draws (ML-KEM message 32, ephemeral X25519 secret 32), the responder ratchet secret (32); then per step: content key (32), header nonce (12), and for an entry that causes a DH step on opening, the opener ratchet secret (32). Then the envelope: A's own prekey seed (96, for its self-entry key), node C's prekey seed (96), then sealSessionEnvelope's draws (envelope.md §8 order for the wraps: K, C's wrap, the dummy wrap's throwaway seed and draws, the wrap shuffle; then B's header nonce (12), the self entry nonce (12), the session dummy (116), the session shuffle, the content nonce (12)). B opens the envelope with its session after the steps, C with its prekey, A with its self key. Nodes A and B are 86 A and 86 B characters.",
    version: 1,
    randomSeed: SEED,
    initiator: NODE_A,
    responder: NODE_B,
    prekeyMessageHex: toHex(p.entry),
    start: startSchedule(provider, p.entry),
    sessionId: p.a.id,
    steps,
    envelope,
    kdfCk: { ckHex: toHex(ck), chain },
  }
}

/** The inner bytes of the session envelope vector. */
export const SESSION_ENVELOPE_INNER = 'a 100-byte chat text, sealed with session entries: '.padEnd(
  100,
  '.',
)

/**
 * One profile 2 envelope with a `sessions` member (sessions.md §8), sealed by A after the
 * exchange: a session entry for B, a prekey wrap for a new node C, and A's self entry.
 */
function sessionEnvelope(provider: CryptoProvider, random: RandomSource, session: Session) {
  const selfSeed = random(96)
  const cSeed = random(96)
  const self = generateRecipientKeyPair(provider, { seed: selfSeed })
  const c = generateRecipientKeyPair(provider, { seed: cSeed })
  const sealed = sealSessionEnvelope(
    provider,
    utf8(SESSION_ENVELOPE_INNER),
    {
      self: NODE_A,
      now: 2_000,
      prekeys: [{ node: NODE_C, publicKey: c.publicKey }],
      sessions: [session],
      selfKey: selfEntryKey(provider, self.secret),
    },
    random,
  )
  return {
    innerUtf8: SESSION_ENVELOPE_INNER,
    sealerSelfPrekeySeedHex: toHex(selfSeed),
    nodeC: NODE_C,
    nodeCPrekeySeedHex: toHex(cSeed),
    encrypted: sealed.data,
  }
}

/** The start's key schedule (sessions.md §2), from the responder's view of the prekey message. */
function startSchedule(provider: CryptoProvider, entry: Uint8Array) {
  const seed = seededRandom(provider, SEED)(96) // the stream's first draw is the prekey seed
  const pair = generateRecipientKeyPair(provider, { seed })
  const opened = unwrapKeyDetailed(provider, pair.secret, entry)!
  const keys = sessionStartKeys(provider, opened.prk, NODE_A, NODE_B)
  return {
    prekeySeedHex: toHex(seed),
    prkHex: toHex(opened.prk),
    skHex: toHex(keys.sk),
    hkaHex: toHex(keys.hka),
    nhkbHex: toHex(keys.nhkb),
    idB64u: keys.id,
  }
}

/** The exact text of vectors/sessions.json. */
export function sessionVectorsText(provider?: CryptoProvider): string {
  return JSON.stringify(buildSessionVectors(provider), null, 2) + '\n'
}
