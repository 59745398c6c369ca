/**
 * Two nodes that choose sessions as the mailbox does (mail/sessions.ts), with `sendPlan`
 * (docs/protocol/sessions.md §6). Their clocks move on every
 * message, as under load. Shared by the pending-start tests and the delivery-order property.
 * @module
 */
import {
  generateRecipientKeyPair,
  keepSession,
  openSessionEnvelope,
  sealSessionEnvelope,
  sendPlan,
  utf8,
} from '../src/index.js'
import type { CryptoProvider, EncryptedData, RecipientKeyPair, Session } from '../src/index.js'

const PREKEY_CREATED = 0

export class Node {
  readonly prekey: RecipientKeyPair
  readonly sessions = new Map<string, Session[]>()
  #clock = 1_000
  constructor(
    readonly provider: CryptoProvider,
    readonly fp: string,
  ) {
    this.prekey = generateRecipientKeyPair(provider)
  }
  now(): number {
    return (this.#clock += 5)
  }
  /** Let `ms` pass (past the 24-hour age limit, sessions start again). */
  advance(ms: number): void {
    this.#clock += ms
  }
  keep(s: Session) {
    this.sessions.set(s.peer, keepSession(this.sessions.get(s.peer) ?? [], s))
  }
  seal(to: Node, text: string): { data: EncryptedData; wraps: number; entries: number } {
    const now = this.now()
    const list = this.sessions.get(to.fp) ?? []
    const fresh = { now, peerPrekeyCreated: PREKEY_CREATED }
    const plan = sendPlan(list, fresh)
    const out = sealSessionEnvelope(this.provider, utf8(text), {
      self: this.fp,
      now,
      prekeys: plan.wrap ? [{ node: to.fp, publicKey: to.prekey.publicKey }] : [],
      sessions: plan.sessions,
    })
    for (const s of out.sessions) this.keep(s)
    return { data: out.data, wraps: plan.wrap ? 1 : 0, entries: plan.sessions.length }
  }
  /** The text, or undefined when this node cannot open it (a lost message). */
  open(data: EncryptedData, from: Node): string | undefined {
    try {
      const out = openSessionEnvelope(this.provider, data, {
        self: this.fp,
        peer: from.fp,
        now: this.now(),
        secrets: [this.prekey.secret],
        sessions: this.sessions.get(from.fp) ?? [],
      })
      if (out.session) this.keep(out.session)
      return new TextDecoder().decode(out.inner)
    } catch {
      return undefined
    }
  }
}
