/**
 * Two XMPP users (alice -> bob) on the temporary Prosody of prosody.ts, with `@xmpp/client` over
 * direct TLS. The clients trust exactly the server's self-signed certificate (pinned as the only
 * CA, host name checked against `localhost`), rather than switching verification off.
 * @module
 */
import { client, xml } from '@xmpp/client'
import type { Element, XmppClient } from '@xmpp/client'
import ConnectionTLS from '@xmpp/tls/lib/Connection.js'
import { PROSODY_DOMAIN } from './prosody.js'
import type { ProsodyProc } from './prosody.js'

/** The `id` attribute that marks bench message `seq` (kept by the server end to end). */
export const xmppMessageId = (seq: number) => `bench-${seq}`

/** The bench sequence number of a received stanza, or undefined when it is not a bench message. */
export function benchSeqOf(stanza: Element): number | undefined {
  if (!stanza.is('message') || stanza.attrs['type'] !== 'chat') return undefined
  if (stanza.getChildText('body') === null) return undefined
  const m = /^bench-(\d{1,9})$/.exec(stanza.attrs['id'] ?? '')
  return m ? Number(m[1]) : undefined
}

/** A direct-TLS connection class whose tls.connect trusts only `cert`. */
function pinnedTls(cert: string): unknown {
  return class PinnedTLS extends ConnectionTLS {
    override socketParameters(service: string) {
      const p = super.socketParameters(service)
      return p && { ...p, ca: [cert], servername: PROSODY_DOMAIN }
    }
  }
}

/** One logged-in user. */
async function login(
  server: ProsodyProc,
  user: { username: string; password: string },
): Promise<XmppClient> {
  const xmpp = client({
    service: `xmpps://127.0.0.1:${server.port}`,
    domain: PROSODY_DOMAIN,
    resource: 'bench',
    username: user.username,
    password: user.password,
  })
  xmpp.transports.unshift(pinnedTls(server.cert))
  // Errors also reject start() or surface as missing arrivals; an unhandled 'error' would crash.
  xmpp.on('error', () => undefined)
  await xmpp.start()
  return xmpp
}

/** Alice sends, Bob receives; `deliver(seq, body)` resolves when Bob's client has the message. */
export class XmppPair {
  readonly #waiters = new Map<number, () => void>()
  private constructor(
    readonly alice: XmppClient,
    readonly bob: XmppClient,
  ) {
    bob.on('stanza', (stanza: Element) => {
      const seq = benchSeqOf(stanza)
      if (seq === undefined) return
      this.#waiters.get(seq)?.()
      this.#waiters.delete(seq)
    })
  }

  /** Log both users in; Bob sends initial presence so messages to his bare JID reach him. */
  static async connect(server: ProsodyProc): Promise<XmppPair> {
    const [a, b] = server.users
    const alice = await login(server, a!)
    const bob = await login(server, b!).catch(async (e) => {
      await alice.stop()
      throw e
    })
    await bob.send(xml('presence'))
    return new XmppPair(alice, bob)
  }

  /** Send bench message `seq` to bob's bare JID and wait for it at Bob. */
  deliver(seq: number, body: string): Promise<void> {
    const arrived = new Promise<void>((resolve) => this.#waiters.set(seq, resolve))
    const message = xml(
      'message',
      { type: 'chat', to: `bob@${PROSODY_DOMAIN}`, id: xmppMessageId(seq) },
      xml('body', {}, body),
    )
    return this.alice.send(message).then(() => arrived)
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.alice.stop(), this.bob.stop()])
  }
}
