/**
 * Invites and contacts between two homes, through the real `sdmp` executable: a verified
 * invite becomes a contact with a published trust; malformed, tampered, foreign or repeated
 * invites are refused in one line with nothing stored; contact remove revokes the trust.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeResource, fromBase64url, toBase64url, utf8 } from '@sdmp/core'
import type { ContentData } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { SqliteStore } from '@sdmp/store-sqlite'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { linesOf, runSdmp } from './run-sdmp.js'

const provider = createNodeProvider()

async function sdmpJson(home: string, args: string[]) {
  const run = await runSdmp([...args, '--home', home, '--json'])
  assert.equal(run.code, 0, `sdmp ${args.join(' ')}: ${run.stderr}`)
  return JSON.parse(run.stdout) as Record<string, any>
}

async function sdmpFails(home: string, args: string[]) {
  const run = await runSdmp([...args, '--home', home])
  assert.notEqual(run.code, 0, `expected failure of sdmp ${args.join(' ')}`)
  assert.equal(run.stdout, '')
  const lines = linesOf(run.stderr)
  assert.equal(lines.length, 1, run.stderr)
  assert.match(lines[0]!, /^sdmp: /)
  return { code: run.code, line: lines[0]! }
}

/** The JSON inside an invite, and a function to encode an edited copy. */
function openInvite(invite: string): { value: any; encode: (v: unknown) => string } {
  const prefix = 'sdmp-invite:1:'
  const value = JSON.parse(new TextDecoder().decode(fromBase64url(invite.slice(prefix.length))))
  return { value, encode: (v) => prefix + toBase64url(utf8(JSON.stringify(v))) }
}

/** Two fresh homes, alice (named Alice) and bob. */
async function twoUsers(dir: string) {
  const alice = join(dir, 'alice')
  const bob = join(dir, 'bob')
  const a = await sdmpJson(alice, ['init', '--name', 'Alice'])
  const b = await sdmpJson(bob, ['init', '--name', 'Bob Builder'])
  return { alice, bob, aliceUser: a['user'] as string, bobUser: b['user'] as string }
}

/** Status counts of a home. */
async function counts(home: string) {
  return (await sdmpJson(home, ['status']))['counts'] as Record<string, number>
}

describe('sdmp invite and contact add', () => {
  it('tells a newcomer what to do next after init and contact add', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const init = await runSdmp(['init', '--name', 'Carol', '--home', join(dir, 'carol')])
    assert.equal(init.code, 0, init.stderr)
    assert.match(init.stdout, /^Next: with your node running \(sdmp start\), give your invite/m)
    const { alice, bob } = await twoUsers(dir)
    const { invite } = (await sdmpJson(alice, ['invite'])) as { invite: string }
    // An invite saved to a file is read from it.
    const file = join(dir, 'alice-invite.txt')
    writeFileSync(file, `${invite}\n`)
    const added = await runSdmp(['contact', 'add', file, '--home', bob])
    assert.equal(added.code, 0, added.stderr)
    assert.match(added.stdout, /^added Alice: /)
    assert.match(added.stdout, /^Next: if Alice has not added you yet, give them your invite/m)
    assert.match(added.stdout, /sdmp send Alice 'hello'/)
  })

  it('bob verifies alice’s invite, stores her resources and trusts her', async (t) => {
    const { alice, bob, aliceUser, bobUser } = await twoUsers(tmpDir(t.after.bind(t)))
    const { invite } = (await sdmpJson(alice, ['invite'])) as { invite: string }
    assert.match(invite, /^sdmp-invite:1:[A-Za-z0-9_-]+$/)
    const before = await counts(bob)

    const added = await sdmpJson(bob, ['contact', 'add', invite])
    assert.equal(added['name'], 'Alice', 'the name comes from the invite')
    assert.equal(added['user'], aliceUser)
    assert.equal(added['nodes'], 1)
    const after = await counts(bob)
    // Alice's identity, profile, node identity, device trust and prekey, plus bob's trust and
    // his contact list, sealed to his own devices (schemas.md "contacts").
    assert.equal(after['resources'], before['resources']! + 7)
    assert.equal(after['contacts'], 1)

    // The published trust: bob's user trusts alice's user with read_resource only.
    const store = new SqliteStore({ dir: join(bob, 'store'), sha512: provider.sha512 })
    await store.open()
    try {
      const trust = decodeResource(provider, (await store.getResource(added['trust']))!)
      assert.equal(trust.header.user, bobUser)
      const data = trust.data as ContentData<'trust'>
      assert.equal(data.trustee, aliceUser)
      assert.deepEqual(data.authorization, ['read_resource'])
      assert.equal(data.expires, undefined)
    } finally {
      await store.close()
    }

    const { contacts } = await sdmpJson(bob, ['contact', 'list'])
    assert.deepEqual(
      contacts.map((c: any) => [c.name, c.user, c.status]),
      [['Alice', aliceUser, 'waiting']],
    )
    // A name from the invite with spaces becomes a usable local name; --name overrides it.
    const { invite: bobInvite } = (await sdmpJson(bob, ['invite'])) as { invite: string }
    assert.equal((await sdmpJson(alice, ['contact', 'add', bobInvite]))['name'], 'Bob-Builder')

    // Once each holds the other's trust (by sync), both see a mutual contact.
    await syncHomes(alice, bob)
    await syncHomes(bob, alice)
    for (const [home, user] of [
      [bob, aliceUser],
      [alice, bobUser],
    ] as const) {
      const list = (await sdmpJson(home, ['contact', 'list']))['contacts']
      assert.deepEqual(
        list.map((c: any) => [c.user, c.status]),
        [[user, 'mutual']],
      )
    }

    // Adding the same user again refreshes their devices (issue 11): no second contact, no
    // second trust, and it says so. One's own invite is refused.
    const again = await sdmpJson(bob, ['contact', 'add', invite, '--name', 'other'])
    assert.equal(again['refreshed'], true)
    assert.equal(again['name'], 'Alice')
    assert.equal((await sdmpJson(bob, ['contact', 'list']))['contacts'].length, 1)
    const plain = await runSdmp(['contact', 'add', invite, '--home', bob])
    assert.equal(plain.code, 0, plain.stderr)
    assert.match(plain.stdout, /^Alice is already a contact: devices refreshed \(1 device\)$/m)
    const own = await sdmpFails(alice, ['contact', 'add', invite])
    assert.match(own.line, /your own invite/)
  })

  it('refuses malformed, tampered and foreign invites in one line, storing nothing', async (t) => {
    const { alice, bob } = await twoUsers(tmpDir(t.after.bind(t)))
    const { invite } = (await sdmpJson(alice, ['invite'])) as { invite: string }
    const { invite: bobInvite } = (await sdmpJson(bob, ['invite'])) as { invite: string }
    const carol = join(tmpDir(t.after.bind(t)), 'carol')
    await sdmpJson(carol, ['init'])
    const before = await counts(carol)
    const { value, encode } = openInvite(invite)

    // A payload edited after signing: the identity now claims another name.
    const tampered = structuredClone(value)
    const identity = tampered.resources[0].signature
    const text = new TextDecoder().decode(fromBase64url(identity.payload))
    assert.ok(text.includes('"Alice"'))
    identity.payload = toBase64url(utf8(text.replace('"Alice"', '"Mallo"')))
    // A resource from another user slipped in.
    const foreign = structuredClone(value)
    foreign.resources.push(openInvite(bobInvite).value.resources[0])
    // The invite's user claim does not match its identity.
    const claim = structuredClone(value)
    claim.user = openInvite(bobInvite).value.user
    // Only the identity: no device to reach.
    const bare = structuredClone(value)
    bare.resources = [value.resources[0]]
    const flipped = invite.slice(0, -10) + (invite.at(-10) === 'A' ? 'B' : 'A') + invite.slice(-9)

    const cases: [string, string, RegExp][] = [
      ['garbage', 'garbage', /expected a string starting with sdmp-invite:1: or sdmp-invite:2:/],
      ['other version', 'sdmp-invite:9:abc', /version 9 is not supported/],
      ['bad base64url', 'sdmp-invite:1:!!!!', /invalid base64url/],
      ['not json', 'sdmp-invite:1:' + toBase64url(utf8('{nope')), /not valid JSON/],
      ['truncated', invite.slice(0, invite.length / 2), /invite/],
      ['flipped character', flipped, /invite/],
      ['unknown member', encode({ ...value, extra: 1 }), /unknown member extra/],
      ['tampered', encode(tampered), /invite\.resources\[0\]/],
      ['foreign resource', encode(foreign), /invite/],
      ['wrong user claim', encode(claim), /invite/],
      ['no device', encode(bare), /no authorized device/],
    ]
    for (const [label, text, message] of cases) {
      // --verbose shows the detail; without it, damage is said in plain words (same exit code).
      const r = await sdmpFails(carol, ['contact', 'add', text, '--name', 'x', '--verbose'])
      assert.match(r.line, message, label)
      assert.ok([65, 77].includes(r.code!), `${label}: exit ${r.code}`)
      if (r.code === 65) {
        assert.match(r.line, /^sdmp: this invite is damaged or incomplete: ask for a new one: /)
        const plain = await sdmpFails(carol, ['contact', 'add', text, '--name', 'x'])
        assert.equal(
          plain.line,
          'sdmp: this invite is damaged or incomplete: ask for a new one (--verbose shows why)',
          label,
        )
        assert.equal(plain.code, r.code, label)
      }
    }
    assert.deepEqual(await counts(carol), before, 'nothing stored by refused invites')
    // The genuine invite still works afterwards: from standard input, wrapped as a mail client
    // would wrap it.
    const wrapped = invite.match(/.{1,76}/g)!.join('\n') + '\n'
    const piped = await runSdmp(['contact', 'add', '-', '--home', carol, '--json'], {}, wrapped)
    assert.equal(piped.code, 0, piped.stderr)
    assert.equal(JSON.parse(piped.stdout)['name'], 'Alice')
  })

  it('contact remove revokes the trust; an unknown name fails in one line', async (t) => {
    const { alice, bob, aliceUser } = await twoUsers(tmpDir(t.after.bind(t)))
    const { invite } = (await sdmpJson(alice, ['invite'])) as { invite: string }
    const added = await sdmpJson(bob, ['contact', 'add', invite, '--name', 'al'])
    assert.equal(added['name'], 'al')

    const unknown = await sdmpFails(bob, ['contact', 'remove', 'nobody'])
    assert.equal(unknown.line, 'sdmp: no contact named nobody')
    assert.equal(unknown.code, 66)
    const badName = await sdmpFails(bob, ['contact', 'add', invite, '--name', 'has space'])
    assert.match(badName.line, /contact name/)

    const removed = await sdmpJson(bob, ['contact', 'remove', 'al'])
    assert.equal(removed['user'], aliceUser)
    assert.equal(removed['revokes'].length, 1)
    assert.deepEqual((await sdmpJson(bob, ['contact', 'list']))['contacts'], [])

    const store = new SqliteStore({ dir: join(bob, 'store'), sha512: provider.sha512 })
    await store.open()
    try {
      const revoke = decodeResource(provider, (await store.getResource(removed['revokes'][0]))!)
      assert.equal(revoke.kind, 'revoke')
      assert.equal((revoke.data as ContentData<'revoke'>).resource, added['trust'])
    } finally {
      await store.close()
    }
    // Re-adding after removal publishes a new trust.
    const readded = await sdmpJson(bob, ['contact', 'add', invite])
    assert.notEqual(readded['trust'], added['trust'])
  })
})
