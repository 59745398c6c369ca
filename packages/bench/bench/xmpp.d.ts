/**
 * The part of `@xmpp/client` (ISC, plain JavaScript without types) that the Prosody baseline
 * uses (xmpp-users.ts).
 */
declare module '@xmpp/client' {
  import type { EventEmitter } from 'node:events'

  /** An XML element (ltx) as the client parses and builds them. */
  export interface Element {
    readonly name: string
    readonly attrs: Record<string, string | undefined>
    is(name: string, xmlns?: string): boolean
    getChildText(name: string): string | null
  }

  export interface XmppClient extends EventEmitter {
    /** Connection classes tried in order; the first whose socketParameters(service) is defined wins. */
    readonly transports: unknown[]
    start(): Promise<unknown>
    stop(): Promise<unknown>
    send(element: Element): Promise<void>
  }

  export function client(options: {
    service: string
    domain: string
    resource: string
    username: string
    password: string
  }): XmppClient

  export function xml(
    name: string,
    attrs?: Record<string, string>,
    ...children: (Element | string)[]
  ): Element
}

declare module '@xmpp/tls/lib/Connection.js' {
  /** Direct TLS (`xmpps://`) connections: socketParameters gives the tls.connect options. */
  export default class ConnectionTLS {
    socketParameters(service: string): { port: number; host: string } | undefined
  }
}
