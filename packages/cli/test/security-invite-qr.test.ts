/**
 * Invites through the real executable (issues 5 and 15 item 6). The default invite is short
 * (`sdmp-invite:3:`): `contact add` and `device join` fetch the full invite from the inviter's
 * running node by first contact and verify it; an unreachable node or a wrong key is a clear
 * error. `--qr` draws it within 80 columns, and the drawing itself (parsed back from the
 * terminal characters) decodes to the invite with the `qr` decoder. `--full` works offline. The
 * compact form (`sdmp-invite:2:`) is still accepted, and tampered ones are refused.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, afterEach, describe, it } from 'node:test'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import decodeQR from 'qr/decode.js'
import { decodeInvite, encodeCompactInvite } from '@sdmp/daemon/account'
import { tmpDir } from '@sdmp/testkit'
import { newHome, startDaemon, stopAllDaemons } from './daemon-proc.js'
import { linesOf, runSdmp } from './run-sdmp.js'

afterEach(stopAllDaemons)

/** QR capacity in byte mode, version 40, error correction L (ISO/IEC 18004 table 7). */
const QR_CAPACITY = 2953
const COMPACT = 'sdmp-invite:2:'
const SHORT = 'sdmp-invite:3:'

async function sdmpJson(home: string, args: readonly string[]): Promise<Record<string, any>> {
  const run = await runSdmp([...args, '--home', home, '--json'])
  assert.equal(run.code, 0, `sdmp ${args.join(' ')}: ${run.stderr}`)
  return JSON.parse(linesOf(run.stdout)[0]!) as Record<string, any>
}

/** Run a command expected to fail; its `{"error"}` document and exit code. */
async function sdmpError(
  home: string,
  args: readonly string[],
): Promise<{ code: string; message: string; exit: number | null }> {
  const run = await runSdmp([...args, '--home', home, '--json'])
  assert.notEqual(run.code, 0, `expected failure of sdmp ${args.join(' ')}`)
  const e = (JSON.parse(linesOf(run.stderr)[0]!) as { error: { code: string; message: string } })
    .error
  return { ...e, exit: run.code }
}

/** The JSON inside a compact invite, and a function to encode an edited copy. */
function openCompact(invite: string): { value: any; encode: (v: unknown) => string } {
  const raw = inflateRawSync(Buffer.from(invite.slice(COMPACT.length), 'base64url'))
  return {
    value: JSON.parse(raw.toString('utf8')),
    encode: (v) => COMPACT + deflateRawSync(JSON.stringify(v)).toString('base64url'),
  }
}

/**
 * Decode a QR code from its terminal drawing: each character is two modules (qr's renderer:
 * `█` both light, `▀` light over dark, `▄` dark over light, space both dark), rasterized at
 * 4 px per module and scanned by the `qr` decoder.
 */
function scanDrawing(lines: readonly string[]): string {
  const width = lines[0]!.length
  const rows: boolean[][] = [] // true = dark
  for (const line of lines) {
    const top: boolean[] = []
    const bottom: boolean[] = []
    for (const ch of line) {
      top.push(ch === '▄' || ch === ' ')
      bottom.push(ch === '▀' || ch === ' ')
    }
    rows.push(top, bottom)
  }
  rows.length = width // the last line's lower half is padding when the side is odd
  const scale = 4
  const size = width * scale
  const data = new Uint8Array(size * size * 4)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const v = rows[Math.floor(y / scale)]![Math.floor(x / scale)] ? 0 : 255
      data.set([v, v, v, 255], (y * size + x) * 4)
    }
  return decodeQR({ width: size, height: size, data })
}

describe('sdmp invite: short by default, --full, --qr in 80 columns', () => {
  it('a short invite is added by fetching the rest from the running inviter', async () => {
    const alice = await newHome(after, 'Alice')
    const bob = await newHome(after, 'bob')
    const a = await startDaemon(alice)
    const out = await sdmpJson(alice, ['invite'])
    assert.equal(out['form'], 'short')
    const short = out['invite'] as string
    assert.ok(short.startsWith(SHORT), 'the default invite is the short form')
    assert.ok(short.length <= 400, `${short.length} characters`)
    const full = (await sdmpJson(alice, ['invite', '--full']))['invite'] as string
    assert.ok(full.startsWith('sdmp-invite:1:') && full.length > 10 * short.length)

    // The drawing: every line within 80 columns, and it scans back to the invite.
    const text = await runSdmp(['invite', '--qr', '--home', alice])
    assert.equal(text.code, 0, text.stderr)
    const lines = linesOf(text.stdout)
    assert.equal(lines[lines.length - 1], short)
    const drawing = lines.slice(0, -1)
    assert.ok(drawing.length > 10 && /[█▀▄]/.test(drawing[0]!), 'a QR code is drawn')
    for (const l of drawing) assert.ok(l.length <= 80, `a line of ${l.length} columns`)
    assert.equal(scanDrawing(drawing), short)

    // bob has no daemon: his command fetches alice's full invite from her node.
    const added = await sdmpJson(bob, ['contact', 'add', short])
    assert.equal(added['user'], (await a.client.whoami()).user)
    assert.equal(added['name'], 'Alice')
    assert.equal(added['nodes'], 1)
    // The prekeys came with it: bob can write at once (the message waits for alice's add).
    const sent = await sdmpJson(bob, ['send', 'Alice', 'hi'])
    assert.match(sent['id'] as string, /^[A-Za-z0-9_-]{86}$/)
  })

  it('refuses a short invite whose node is down, whose key or user is wrong', async () => {
    const alice = await newHome(after, 'Alice')
    const bob = await newHome(after, 'bob')
    const a = await startDaemon(alice)
    const short = (await sdmpJson(alice, ['invite']))['invite'] as string
    const [user, node, key, addresses] = short.slice(SHORT.length).split('.', 3).concat([])
    const rest = short.slice(SHORT.length + user!.length + node!.length + key!.length + 3)
    assert.ok(addresses === undefined && rest.length > 0)

    const wrongKey = `${SHORT}${user}.${node}.${key!.startsWith('A') ? 'B' : 'A'}${key!.slice(1)}.${rest}`
    const refused = await sdmpError(bob, ['contact', 'add', wrongKey])
    assert.equal(refused.code, 'FORBIDDEN')
    assert.match(refused.message, /refused this invite's key/)

    const bobUser = (await sdmpJson(bob, ['whoami']))['user'] as string
    const wrongUser = `${SHORT}${bobUser}.${node}.${key}.${rest}`
    const other = await sdmpError(bob, ['contact', 'add', wrongUser])
    assert.equal(other.exit, 65)
    assert.match(other.message, /this invite is damaged or incomplete/)

    await a.stop()
    const down = await sdmpError(bob, ['contact', 'add', short])
    assert.equal(down.code, 'UNAVAILABLE')
    assert.equal(down.exit, 69)
    assert.match(down.message, /cannot reach the inviter's node at 127\.0\.0\.1:\d+/)
    assert.match(down.message, /sdmp invite --full/)
    assert.deepEqual((await sdmpJson(bob, ['contact', 'list']))['contacts'], [])

    // The full invite works with alice's node down.
    const full = (await sdmpJson(alice, ['invite', '--full']))['invite'] as string
    assert.equal((await sdmpJson(bob, ['contact', 'add', full]))['name'], 'Alice')
  })

  it('a home that never ran its node gives the full invite; --qr says why it cannot', async () => {
    const alice = await newHome(after, 'Alice')
    const out = await runSdmp(['invite', '--home', alice])
    assert.equal(out.code, 0, out.stderr)
    assert.ok(out.stdout.startsWith('sdmp-invite:1:'))
    assert.match(out.stderr, /no short invite until your node has run once/)
    const qr = await sdmpError(alice, ['invite', '--qr'])
    assert.equal(qr.code, 'UNAVAILABLE')
    assert.match(qr.message, /sdmp invite --full/)
  })

  it('device join takes the short invite from the first device', async () => {
    const laptop = await newHome(after, 'Alice')
    const phone = join(tmpDir(after), 'phone')
    const { node, request } = await sdmpJson(phone, ['init', '--join', '--name', 'phone'])
    const l = await startDaemon(laptop)
    await l.client.authorizeDevice({ request })
    const short = (await sdmpJson(laptop, ['invite']))['invite'] as string
    assert.ok(short.startsWith(SHORT))
    const joined = await sdmpJson(phone, ['device', 'join', short])
    assert.deepEqual(joined, { user: (await l.client.whoami()).user, node })
  })
})

describe('compact invites (sdmp-invite:2:) are still accepted', () => {
  it('contact add takes one; tampered ones are refused with a coded error', async () => {
    const alice = await newHome(after, 'Alice')
    const bob = await newHome(after, 'bob')
    const full = (await sdmpJson(alice, ['invite', '--full']))['invite'] as string
    const compact = encodeCompactInvite(decodeInvite(full))
    assert.ok(compact.length <= QR_CAPACITY)
    const { value, encode } = openCompact(compact)

    // A payload edited without re-signing: the rebuilt resource's signature fails.
    const edited = structuredClone(value)
    const i = (edited.resources as [string, unknown][]).findIndex(([p]) => p.includes('"Alice"'))
    assert.ok(i >= 0)
    edited.resources[i][0] = edited.resources[i][0].replace('"Alice"', '"Mallory"')
    assert.equal(
      (await sdmpError(bob, ['contact', 'add', encode(edited)])).code,
      'INVALID_SIGNATURE',
    )
    // A signature swapped for another resource's.
    const swapped = structuredClone(value)
    swapped.resources[0][1][0][1] = swapped.resources[1][1][0][1]
    assert.equal(
      (await sdmpError(bob, ['contact', 'add', encode(swapped)])).code,
      'INVALID_SIGNATURE',
    )
    // Damaged characters, an unknown member, and a deflate bomb.
    const flipped = compact.slice(0, 40) + (compact[40] === 'A' ? 'B' : 'A') + compact.slice(41)
    assert.match(
      (await sdmpError(bob, ['contact', 'add', flipped])).code,
      /^(INVALID_ENCODING|BAD_REQUEST|INVALID_SIGNATURE)$/,
    )
    assert.equal(
      (await sdmpError(bob, ['contact', 'add', encode({ ...value, extra: 1 })])).code,
      'BAD_REQUEST',
    )
    const bomb =
      COMPACT + deflateRawSync(Buffer.alloc(1 << 20, 0x20), { level: 9 }).toString('base64url')
    assert.equal((await sdmpError(bob, ['contact', 'add', bomb])).code, 'INVALID_ENCODING')
    assert.deepEqual((await sdmpJson(bob, ['contact', 'list']))['contacts'], [])

    const added = await sdmpJson(bob, ['contact', 'add', compact])
    assert.equal(added['name'], 'Alice')
  })
})
