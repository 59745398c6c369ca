/**
 * Generator of vectors/sync.json: complete reconciliation exchanges between two fixed sets (every
 * message as hex, in order, and what each side learns), the version-negotiation answer, and
 * hostile messages with the error code a receiver must raise (docs/protocol/sync.md).
 * reconcile-vectors.test.ts checks the committed file against this generator.
 * @module
 */
import {
  MemoryReconcileStorage,
  Reconciler,
  createNobleProvider,
  toBase64url,
  toHex,
  utf8,
} from '../../src/index.js'
import type { CryptoProvider, ReconcilerOptions, SyncKey } from '../../src/index.js'

/** Where the committed vectors live, relative to the repository root (the test cwd). */
export const SYNC_VECTORS_PATH = 'vectors/sync.json'

/** Fixed epoch for vector timestamps. */
const T = 1_700_000_000_000

/** A vector id: SHA-512 of a label, or one whose first 4 bytes are forced (prefix collisions). */
function vectorId(provider: CryptoProvider, label: string, first4?: number[]): string {
  const bytes = provider.sha512(utf8(label))
  if (first4) bytes.set(first4, 0)
  return toBase64url(bytes)
}

/** One exchange: the inputs, every message in order, and what each side ends knowing. */
function exchange(
  provider: CryptoProvider,
  name: string,
  a: SyncKey[],
  b: SyncKey[],
  options: ReconcilerOptions,
) {
  const A = new Reconciler(MemoryReconcileStorage.fromKeys(a), provider, options)
  const B = new Reconciler(MemoryReconcileStorage.fromKeys(b), provider, options)
  const messages: { from: 'a' | 'b'; hex: string }[] = []
  let msg: Uint8Array | undefined = A.initiate()
  let from: 'a' | 'b' = 'a'
  while (msg !== undefined) {
    messages.push({ from, hex: toHex(msg) })
    msg = (from === 'a' ? B : A).reconcile(msg).reply
    from = from === 'a' ? 'b' : 'a'
  }
  const sorted = (s: ReadonlySet<string>) => [...s].sort()
  return {
    name,
    options,
    a,
    b,
    messages,
    result: {
      a: { have: sorted(A.have), need: sorted(A.need) },
      b: { have: sorted(B.have), need: sorted(B.need) },
    },
  }
}

/**
 * Build the whole vector file. Deterministic: ids are SHA-512 of fixed labels.
 * @example writeFileSync(SYNC_VECTORS_PATH, JSON.stringify(buildSyncVectors(), null, 2) + '\n')
 */
export function buildSyncVectors(provider: CryptoProvider = createNobleProvider()): unknown {
  const key = (set: string, i: number, created: number, first4?: number[]): SyncKey => ({
    created,
    id: vectorId(provider, `sdmp sync vector ${set} ${i}`, first4),
  })
  // 24 shared items, several per millisecond so some bounds need id prefixes.
  const shared = Array.from({ length: 24 }, (_, i) =>
    key('shared', i, T + Math.floor(i / 3) * 1000),
  )
  const onlyA = [key('a', 0, T + 2500), key('a', 1, T + 9000)]
  const onlyB = [key('b', 0, T + 4000), key('b', 1, T + 4000), key('b', 2, T + 12_000)]
  const small: ReconcilerOptions = { branching: 4, idListThreshold: 4, maxMessageBytes: 1024 }
  // An A-only and a B-only item in one leaf with equal 4-byte hash prefixes: the first ID_DIFF
  // fails its fingerprint check and the range is listed again with 32-byte prefixes (sync.md §5.2).
  const twinA = key('twin a', 0, T + 5500, [1, 2, 3, 4])
  const twinB = key('twin b', 0, T + 5500, [1, 2, 3, 4])
  return {
    description:
      'range-based set reconciliation (docs/protocol/sync.md): exchanges as hex messages in order, A initiating; ids are SHA-512 of "sdmp sync vector <set> <i>" (base64url); invalid messages are fed to a fresh responder holding set b of the first exchange',
    version: 1,
    exchanges: [
      exchange(
        provider,
        'two sets with differences on both sides',
        [...shared, ...onlyA],
        [...shared, ...onlyB],
        small,
      ),
      exchange(provider, 'identical sets', shared, shared, small),
      exchange(provider, 'empty initiator', [], [...shared, ...onlyB], small),
      exchange(
        provider,
        'colliding 4-byte prefixes',
        [...shared, twinA],
        [...shared, twinB],
        small,
      ),
    ],
    negotiation: [
      {
        name: 'unsupported version 2: answered with a reject naming version 1',
        messageHex: '02',
        replyHex: '00010101',
      },
      {
        name: 'a reject received by the initiator',
        messageHex: '00010101',
        code: 'UNSUPPORTED_VERSION',
      },
    ],
    invalid: [
      { name: 'empty message', hex: '', code: 'INVALID_ENCODING' },
      { name: 'truncated fingerprint', hex: '01000001aabb', code: 'INVALID_ENCODING' },
      {
        name: 'non-canonical varint',
        hex: '01800000' + '01' + '00'.repeat(16),
        code: 'INVALID_ENCODING',
      },
      { name: 'unknown mode 9', hex: '01000009', code: 'BAD_REQUEST' },
      {
        name: 'bounds not increasing',
        hex: '01' + '0500' + '01' + '00'.repeat(16) + '0100' + '01' + '00'.repeat(16),
        code: 'BAD_REQUEST',
      },
      {
        name: 'prefix longer than an id',
        hex: '010157' + '41'.repeat(87) + '00',
        code: 'BAD_REQUEST',
      },
      { name: 'prefix outside base64url', hex: '0101012b00', code: 'INVALID_ENCODING' },
      {
        name: 'final bound with a prefix',
        hex: '0100014101' + '00'.repeat(16),
        code: 'INVALID_ENCODING',
      },
      { name: 'redundant trailing skip', hex: '01020000', code: 'BAD_REQUEST' },
      {
        name: 'id list count beyond the message',
        hex: '01000002' + '04' + '8080808080808001',
        code: 'INVALID_ENCODING',
      },
      { name: 'id list prefix length 3', hex: '0100000203' + '00', code: 'BAD_REQUEST' },
      {
        name: 'id list entries out of order',
        hex: '0100000204' + '02' + '00000002' + '00000001',
        code: 'BAD_REQUEST',
      },
      {
        name: 'id diff bitmap padding bits set',
        hex: '0100000304' + '00'.repeat(16) + '01' + '02' + '00',
        code: 'INVALID_ENCODING',
      },
      {
        name: 'id diff for a range the receiver never listed',
        hex: '0100000304' + '00'.repeat(16) + '00' + '00',
        code: 'BAD_REQUEST',
      },
      { name: 'empty ids range', hex: '0100000400', code: 'BAD_REQUEST' },
      {
        name: 'defer before the last range',
        hex: '010200050000' + '01' + '00'.repeat(16),
        code: 'BAD_REQUEST',
      },
      { name: 'over the frame limit', hex: '01' + '00'.repeat(1024), code: 'LIMIT_EXCEEDED' },
    ],
  }
}
