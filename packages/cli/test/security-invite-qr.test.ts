/**
 * `sdmp invite --qr` (issue 5) through the real executable: the compact invite
 * (`sdmp-invite:2:`) fits one QR code, the drawn code decodes back to it, `contact add` takes
 * it, and tampered compact invites are refused with a coded error and nothing stored.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import encodeQR from 'qr'
import decodeQR from 'qr/decode.js'
import { tmpDir } from '@sdmp/testkit'
import { linesOf, runSdmp } from './run-sdmp.js'

/** QR capacity in byte mode, version 40, error correction L (ISO/IEC 18004 table 7). */
const QR_CAPACITY = 2953
const PREFIX = 'sdmp-invite:2:'

async function sdmpJson(home: string, args: readonly string[]): Promise<Record<string, any>> {
  const run = await runSdmp([...args, '--home', home, '--json'])
  assert.equal(run.code, 0, `sdmp ${args.join(' ')}: ${run.stderr}`)
  return JSON.parse(linesOf(run.stdout)[0]!) as Record<string, any>
}

/** Run a command expected to fail; return the error code of its `{"error"}` document. */
async function sdmpErrorCode(home: string, args: readonly string[]): Promise<string> {
  const run = await runSdmp([...args, '--home', home, '--json'])
  assert.notEqual(run.code, 0, `expected failure of sdmp ${args.join(' ')}`)
  return (JSON.parse(linesOf(run.stderr)[0]!) as { error: { code: string } }).error.code
}

/** The JSON inside a compact invite, and a function to encode an edited copy. */
function openCompact(invite: string): { value: any; encode: (v: unknown) => string } {
  const raw = inflateRawSync(Buffer.from(invite.slice(PREFIX.length), 'base64url'))
  return {
    value: JSON.parse(raw.toString('utf8')),
    encode: (v) => PREFIX + deflateRawSync(JSON.stringify(v)).toString('base64url'),
  }
}

/** Render a QR matrix as RGBA pixels (4 px per module) and decode it with the same library. */
function scanQr(text: string): string {
  const m = encodeQR(text, 'raw', { ecc: 'low', border: 2 })
  const scale = 4
  const size = m.length * scale
  const data = new Uint8Array(size * size * 4)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const v = m[Math.floor(y / scale)]![Math.floor(x / scale)] ? 0 : 255
      data.set([v, v, v, 255], (y * size + x) * 4)
    }
  return decodeQR({ width: size, height: size, data })
}

async function twoUsers(dir: string): Promise<{ alice: string; bob: string }> {
  const alice = join(dir, 'alice')
  const bob = join(dir, 'bob')
  await sdmpJson(alice, ['init', '--name', 'Alice'])
  await sdmpJson(bob, ['init', '--name', 'bob'])
  return { alice, bob }
}

describe('sdmp invite --qr', () => {
  it('prints a compact invite that fits one QR code and contact add accepts', async (t) => {
    const { alice, bob } = await twoUsers(tmpDir(t.after.bind(t)))
    const full = (await sdmpJson(alice, ['invite'])).invite as string
    assert.ok(full.length > QR_CAPACITY, `a full invite (${full.length}) exceeds one QR code`)

    const out = await sdmpJson(alice, ['invite', '--qr'])
    assert.deepEqual(Object.keys(out).sort(), ['invite', 'qr'])
    assert.equal(out['qr'], true)
    const compact = out['invite'] as string
    assert.ok(compact.startsWith(PREFIX))
    assert.ok(compact.length <= QR_CAPACITY, `${compact.length} characters fit one QR code`)
    const kinds = (openCompact(compact).value.resources as [string, unknown][]).map(
      ([payload]) => (JSON.parse(payload) as { sdmp: { schemas: string[] } }).sdmp.schemas[1],
    )
    assert.ok(!kinds.includes('prekey'), 'no prekeys in the compact form')

    // Without --json: the drawing, then the string; the drawing scans back to the string.
    const text = await runSdmp(['invite', '--qr', '--home', alice])
    assert.equal(text.code, 0, text.stderr)
    const lines = linesOf(text.stdout)
    assert.equal(lines[lines.length - 1], compact)
    assert.ok(lines.length > 20 && /[█▀▄]/.test(lines[0]!), 'a QR code is drawn')
    assert.equal(scanQr(compact), compact)

    const added = await sdmpJson(bob, ['contact', 'add', compact])
    const me = await sdmpJson(alice, ['whoami'])
    assert.equal(added['user'], me['user'])
    assert.equal(added['name'], 'Alice')
    assert.equal(added['nodes'], 1)
    const list = await sdmpJson(bob, ['contact', 'list'])
    assert.deepEqual(
      (list['contacts'] as { name: string }[]).map((c) => c.name),
      ['Alice'],
    )
  })

  it('refuses tampered compact invites with a coded error and stores nothing', async (t) => {
    const { alice, bob } = await twoUsers(tmpDir(t.after.bind(t)))
    const compact = (await sdmpJson(alice, ['invite', '--qr'])).invite as string
    const { value, encode } = openCompact(compact)

    // A payload edited without re-signing: the rebuilt resource's signature fails.
    const edited = structuredClone(value)
    const i = (edited.resources as [string, unknown][]).findIndex(([p]) => p.includes('"Alice"'))
    assert.ok(i >= 0)
    edited.resources[i][0] = edited.resources[i][0].replace('"Alice"', '"Mallory"')
    assert.match(
      await sdmpErrorCode(bob, ['contact', 'add', encode(edited)]),
      /^INVALID_SIGNATURE$/,
    )

    // A signature swapped for another resource's.
    const swapped = structuredClone(value)
    swapped.resources[0][1][0][1] = swapped.resources[1][1][0][1]
    assert.equal(await sdmpErrorCode(bob, ['contact', 'add', encode(swapped)]), 'INVALID_SIGNATURE')

    // Damaged characters, an unknown member, and a deflate bomb.
    const flipped = compact.slice(0, 40) + (compact[40] === 'A' ? 'B' : 'A') + compact.slice(41)
    assert.match(
      await sdmpErrorCode(bob, ['contact', 'add', flipped]),
      /^(INVALID_ENCODING|BAD_REQUEST|INVALID_SIGNATURE)$/,
    )
    assert.equal(
      await sdmpErrorCode(bob, ['contact', 'add', encode({ ...value, extra: 1 })]),
      'BAD_REQUEST',
    )
    const bomb =
      PREFIX + deflateRawSync(Buffer.alloc(1 << 20, 0x20), { level: 9 }).toString('base64url')
    assert.ok(bomb.length < 2 * QR_CAPACITY)
    assert.equal(await sdmpErrorCode(bob, ['contact', 'add', bomb]), 'INVALID_ENCODING')

    assert.deepEqual((await sdmpJson(bob, ['contact', 'list']))['contacts'], [])
  })
})
