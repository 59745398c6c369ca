/**
 * Chat index names (chats.ts `ChatKeys`): whatever chats were named before, and across more
 * chats than it keeps and a reload from other records, a chat's name is the HMAC of its id
 * under the secret of the records it was last loaded from.
 * @module
 */
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MemoryStore, SecretVault } from '@sdmp/store'
import { CHAT_SECRET_KEY, ChatKeys } from '../src/mail/chats.js'
import { MailRecords } from '../src/mail/records.js'

const sha512 = (b: Uint8Array) => new Uint8Array(createHash('sha512').update(b).digest())

async function records(): Promise<MailRecords> {
  const store = new MemoryStore({ sha512 })
  return new MailRecords(store, await SecretVault.open(store))
}

/** The name the module comment defines: the first 22 characters of the base64url HMAC. */
async function nameIn(r: MailRecords, chat: string): Promise<string> {
  const secret = Buffer.from((await r.get<string>(CHAT_SECRET_KEY))!, 'base64url')
  return createHmac('sha256', secret).update(chat).digest('base64url').slice(0, 22)
}

describe('ChatKeys', () => {
  it('names every chat by its HMAC, over many chats and a reload from other records', async () => {
    const homes = [await records(), await records()]
    const keys = new ChatKeys()
    await keys.load(homes[1]!) // each home makes its secret on first load
    await keys.load(homes[0]!)
    // Two secrets, so a name kept from before a reload would show.
    assert.notEqual(await nameIn(homes[0]!, 'c'), await nameIn(homes[1]!, 'c'))
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            { weight: 20, arbitrary: fc.integer({ min: 0, max: 700 }).map((n) => `chat-${n}`) },
            { weight: 1, arbitrary: fc.integer({ min: 0, max: 1 }) },
          ),
          { maxLength: 1_500 },
        ),
        async (steps) => {
          let home = 0
          await keys.load(homes[home]!)
          for (const step of steps) {
            if (typeof step === 'number') {
              home = step
              await keys.load(homes[home]!)
              continue
            }
            assert.equal(keys.keyOf(step), await nameIn(homes[home]!, step), step)
          }
        },
      ),
      { numRuns: 30 },
    )
  })
})
