/**
 * Targets over the pure core decoders (docs/fuzz.md §3): strict and canonical JSON, resource
 * decode and validation against a trust graph, journals, encrypted data and envelopes, prekey
 * records and the byte codecs. Besides "coded errors only", each checks one property that
 * breaks when the decoder does (canonical uniqueness, edits never verify, chains).
 * @module
 */
import fc from 'fast-check'
import {
  LIMITS,
  canonicalize,
  decodeCompactResource,
  decodeEncryptedData,
  decodeKeyRecord,
  encodeCompactResource,
  decodeResource,
  equalBytes,
  fromBase64url,
  fromBase64urlExact,
  fromHex,
  fromUtf8,
  isPrekeyValidAt,
  openEnvelope,
  openResource,
  parseCanonical,
  parseJournalLine,
  parseStrict,
  peekResourceId,
  prekeyRecordOf,
  toBase64url,
  validateResource,
  verifyJournal,
} from '@sdmp/core'
import type { Json } from '@sdmp/core'
import {
  byteMutant,
  bytesFromTexts,
  oversize,
  payloadMutant,
  randomBytes,
  randomJsonText,
  textMutant,
  utf8,
} from '../mutate.js'
import { getWorld, innerText, signRaw } from '../samples.js'
import { FuzzFinding, defineTarget, describeError, expectCodedSync } from '../target.js'
import type { FuzzTarget } from '../target.js'

const decoder = new TextDecoder()

/** Sample texts for the JSON parsers: resources (outer and inner), the envelope, the journal. */
function jsonSamples(): string[] {
  const w = getWorld()
  return [
    ...w.resources.map((r) => decoder.decode(r.bytes)),
    ...w.resources.map(innerText),
    canonicalize(w.sealed.raw),
    JSON.stringify(w.journal),
  ]
}

/** Does a parsed value carry an own `__proto__` key anywhere (depth-bounded walk)? */
function hasProtoKey(v: unknown, depth = 0): boolean {
  if (depth > 64 || typeof v !== 'object' || v === null) return false
  if (!Array.isArray(v) && Object.hasOwn(v, '__proto__')) return true
  return Object.values(v).some((x) => hasProtoKey(x, depth + 1))
}

const jsonText = () =>
  fc.oneof(
    { weight: 6, arbitrary: textMutant(jsonSamples()) },
    { weight: 2, arbitrary: randomJsonText },
    {
      weight: 1,
      arbitrary: oversize(utf8(jsonSamples()[0]!), LIMITS.maxResourceBytes).map((b) =>
        decoder.decode(b),
      ),
    },
  )

const parseStrictTarget = defineTarget(
  'json.parseStrict',
  'strict JSON: dup/__proto__ keys, depth',
  () => ({
    arbitrary: jsonText(),
    run(text: string) {
      let value: Json | undefined
      expectCodedSync(() => (value = parseStrict(text)))
      if (value !== undefined && hasProtoKey(value))
        throw new FuzzFinding('parseStrict returned an object with a __proto__ key')
    },
  }),
)

const parseCanonicalTarget = defineTarget(
  'json.parseCanonical',
  'canonical JSON is unique',
  () => ({
    arbitrary: jsonText(),
    run(text: string) {
      let value: Json | undefined
      expectCodedSync(() => (value = parseCanonical(text)))
      // RFC 8785: a text accepted as canonical must be exactly the canonical form of its value.
      if (value !== undefined && canonicalize(value) !== text)
        throw new FuzzFinding('parseCanonical accepted a non-canonical text')
    },
  }),
)

const outerTexts = () => getWorld().resources.map((r) => decoder.decode(r.bytes))

const decodeResourceTarget = defineTarget(
  'resource.decode',
  'decodeResource + peekResourceId',
  () => {
    const { provider } = getWorld()
    return {
      arbitrary: bytesFromTexts(outerTexts(), LIMITS.maxResourceBytes),
      run(bytes: Uint8Array) {
        const peeked = peekResourceId(bytes) // bookkeeping only: must never throw
        expectCodedSync(() => {
          const r = decodeResource(provider, bytes)
          if (toBase64url(provider.sha512(utf8(r.payload))) !== r.id)
            throw new FuzzFinding('decoded resource id is not the hash of its payload')
          if (peeked !== undefined && peeked !== r.id)
            throw new FuzzFinding('peekResourceId disagrees with decodeResource')
        })
      },
    }
  },
)

/** An input of the validation target: mutated signed bytes, or a mutated payload re-signed. */
interface SignedInput {
  readonly bytes: Uint8Array
  /** True when the mutated payload carries fresh valid signatures (success is allowed). */
  readonly resigned: boolean
}

/** Mutated inner payloads, signed by one of the sample keys so they pass the signature check. */
function resignedMutants(inner: readonly string[]) {
  const w = getWorld()
  const keys = [w.alice.node, w.alice.user, w.bob.node, w.bob.user]
  return fc
    .tuple(payloadMutant(inner), fc.nat(keys.length - 1))
    .map(([p, k]): SignedInput => ({ bytes: signRaw(w.provider, p, [keys[k]!]), resigned: true }))
}

const validateResourceTarget = defineTarget(
  'resource.validate',
  'validateResource with a trust graph; edits never verify',
  () => {
    const w = getWorld()
    const known = new Set(w.resources.map((r) => decoder.decode(r.bytes)))
    return {
      arbitrary: fc.oneof(
        bytesFromTexts(outerTexts(), LIMITS.maxResourceBytes).map(
          (bytes): SignedInput => ({ bytes, resigned: false }),
        ),
        resignedMutants(w.resources.map(innerText)),
      ),
      run({ bytes, resigned }: SignedInput) {
        expectCodedSync(() => {
          const v = validateResource(w.provider, bytes, w.graph, { now: w.now })
          if (!resigned && !known.has(decoder.decode(bytes)))
            throw new FuzzFinding('edited signed bytes validated')
          if (v.kind === 'encrypted')
            openResource(w.provider, v, [w.bobPrekey.secret], w.graph, {
              now: w.now,
              reader: w.bob.user.fingerprint,
            })
        })
      },
    }
  },
)

const prekeyTarget = defineTarget('prekey.record', 'prekey resources -> prekeyRecordOf', () => {
  const w = getWorld()
  const prekeys = w.resources.filter((r) => r.kind === 'prekey')
  return {
    arbitrary: resignedMutants(prekeys.map(innerText)),
    run({ bytes }: SignedInput) {
      expectCodedSync(() => {
        const v = validateResource(w.provider, bytes, w.graph, { now: w.now })
        if (v.kind !== 'prekey') return
        const record = prekeyRecordOf(w.provider, v)
        isPrekeyValidAt(record, w.now)
      })
    },
  }
})

/** Journal inputs; `mustFail` marks an edit inside a line that later lines chain from. */
interface JournalInput {
  readonly lines: readonly string[]
  readonly mustFail: boolean
}

const journalTarget = defineTarget(
  'journal',
  'parseJournalLine + verifyJournal; edits break the chain',
  () => {
    const { journal, provider } = getWorld()
    const text = journal.join('\n')
    const chainEdit = fc
      .record({ line: fc.nat(journal.length - 2), at: fc.nat(), c: fc.constantFrom(...'A_-@/0z') })
      .filter(({ line, at, c }) => journal[line]![at % journal[line]!.length] !== c)
      .map(({ line, at, c }): JournalInput => {
        const l = journal[line]!
        const i = at % l.length
        const lines = [...journal]
        lines[line] = l.slice(0, i) + c + l.slice(i + 1)
        return { lines, mustFail: true }
      })
    return {
      arbitrary: fc.oneof(
        textMutant([text]).map((t): JournalInput => ({ lines: t.split('\n'), mustFail: false })),
        byteMutant([utf8(text)]).map(
          (b): JournalInput => ({ lines: decoder.decode(b).split('\n'), mustFail: false }),
        ),
        fc
          .array(fc.string({ maxLength: 300 }), { maxLength: 8 })
          .map((lines): JournalInput => ({ lines, mustFail: false })),
        chainEdit,
      ),
      run({ lines, mustFail }: JournalInput) {
        let result
        try {
          result = verifyJournal(lines, provider.sha512)
        } catch (e) {
          throw new FuzzFinding(`verifyJournal threw (it returns a result): ${describeError(e)}`)
        }
        if (mustFail && result.ok) throw new FuzzFinding('an edited journal line verified')
        for (const l of lines.slice(1)) {
          const code = expectCodedSync(() => parseJournalLine(l))
          if (result.ok && code !== 'ok' && l !== '')
            throw new FuzzFinding('verified journal holds a line that does not parse')
        }
      },
    }
  },
)

/** Parse envelope text leniently: text that is not JSON is fed as a string (type confusion). */
const asJson = (t: string): unknown => {
  try {
    return JSON.parse(t) as unknown
  } catch {
    return t
  }
}

const envelopeTarget = defineTarget(
  'envelope.open',
  'decodeEncryptedData + openEnvelope; only the sealed bytes open',
  () => {
    const w = getWorld()
    const sample = canonicalize(w.sealed.raw)
    const inner = openEnvelope(w.provider, w.sealed.raw, [w.bobPrekey.secret])
    return {
      arbitrary: fc.oneof(
        { weight: 6, arbitrary: textMutant([sample]).map(asJson) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
        { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
      ),
      run(json: unknown) {
        expectCodedSync(() => decodeEncryptedData(json))
        expectCodedSync(() => {
          const opened = openEnvelope(w.provider, json, [w.bobPrekey.secret])
          if (!equalBytes(opened, inner)) throw new FuzzFinding('an edited envelope opened')
        })
      },
    }
  },
)

const codecsTarget = defineTarget(
  'bytes.codecs',
  'base64url, hex, UTF-8 and key record decoders',
  () => ({
    arbitrary: fc.oneof(
      fc.record({
        text: fc.string({ maxLength: 120 }),
        bytes: randomBytes,
        json: fc.constant(null),
      }),
      fc.record({
        text: fc.stringMatching(/^[A-Za-z0-9_=+/-]{0,90}$/),
        bytes: byteMutant([utf8('héllo wörld ✓ 𝄞')]),
        json: fc.jsonValue({ maxDepth: 2 }),
      }),
    ),
    run({ text, bytes, json }: { text: string; bytes: Uint8Array; json: unknown }) {
      expectCodedSync(() => fromBase64url(text))
      expectCodedSync(() => fromBase64urlExact(text, 32, 'key'))
      expectCodedSync(() => fromHex(text))
      expectCodedSync(() => fromUtf8(bytes))
      expectCodedSync(() => decodeKeyRecord(json, 'key'))
    },
  }),
)

const compactTarget = defineTarget(
  'resource.compact',
  'compact form: one encoding, bounded',
  () => {
    const { provider, resources } = getWorld()
    const samples = resources.map((r) => encodeCompactResource(provider, r.bytes))
    return {
      arbitrary: fc.oneof(
        { weight: 6, arbitrary: byteMutant(samples) },
        { weight: 1, arbitrary: randomBytes.map((b) => Uint8Array.of(0xc1, 1, ...b)) },
        { weight: 1, arbitrary: randomBytes },
      ),
      run(bytes: Uint8Array) {
        let json: Uint8Array | undefined
        expectCodedSync(() => (json = decodeCompactResource(provider, bytes)))
        if (json === undefined) return
        // docs/protocol/compact.md §3.1: whatever decodes is the one encoding of its text.
        if (!equalBytes(encodeCompactResource(provider, json), bytes))
          throw new FuzzFinding('decodeCompactResource accepted a non-canonical compact text')
        expectCodedSync(() => decodeResource(provider, json!))
      },
    }
  },
)

/** The core decoder targets, in registry order. */
export const CORE_TARGETS: readonly FuzzTarget[] = [
  parseStrictTarget,
  parseCanonicalTarget,
  codecsTarget,
  decodeResourceTarget,
  validateResourceTarget,
  prekeyTarget,
  journalTarget,
  envelopeTarget,
  compactTarget,
]
