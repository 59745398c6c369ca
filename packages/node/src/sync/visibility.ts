/**
 * Who may be offered, served or relayed a resource (docs/protocol/sync.md §8.5, §10): public
 * resources follow their user's trusts; a sealed (`encrypted`) resource goes only to the nodes
 * of its readers, which a node decides from the envelope's routing tags (envelope.md §12) without
 * opening it, so a host routes for its user and a contact never learns of our other traffic.
 * @module
 */
import { decodeResource, fromBase64url, routeTag } from '@sdmp/core'
import type { CryptoProvider, DecodedResource } from '@sdmp/core'
import type { Store } from '@sdmp/store'

/** What the visibility rule needs to know of one stored resource. */
export interface ResourceRef {
  readonly id: string
  /** The user the resource is published for (`resource.user`; for an envelope, its author). */
  readonly user: string
  readonly kind: string
}

/** Routing data of one envelope: its nonce and tags, or `null` for an untagged (1.0) one. */
type Route = { readonly nonce: Uint8Array; readonly tags: ReadonlySet<string> } | null

/** Envelopes whose routing data is kept in memory (about 150 bytes each: {@link own}); more are re-read. */
const ROUTE_CACHE = 50_000

/** Options of {@link Visibility}. */
export interface VisibilityOptions {
  readonly store: Store
  readonly provider: CryptoProvider
  /** This node's user (untagged envelopes still go to its own other devices). */
  readonly self: () => string
  /** The rule for public resources (sync.md §8.5): may `resourceUser`'s resources reach `peerUser`? */
  readonly visibleTo: (peerUser: string, resourceUser: string) => boolean
  /**
   * The group rule (docs/protocol/groups.md §5): may `ref`, authored by a fellow member of
   * `peerUser`, reach it? Envelopes still need the peer's routing tag (checked here).
   */
  readonly groupVisible?: (peerUser: string, ref: ResourceRef) => boolean
}

/** The per-resource visibility rule of one node, with a bounded cache of envelope routes. */
export class Visibility {
  readonly #options: VisibilityOptions
  readonly #routes = new Map<string, Route>()

  constructor(options: VisibilityOptions) {
    this.#options = options
  }

  /** Remember the routing data of a resource just journaled (saves a store read later). */
  note(resource: DecodedResource): void {
    if (resource.kind === 'encrypted') this.#remember(resource.id, routeOf(resource))
  }

  /**
   * May `ref` be offered or served to a node of `peerUser`? Public resources: the user rule.
   * Envelopes: additionally only to the author's nodes or to a user whose routing tag it
   * carries; an untagged envelope only to the author's and this node's own user's nodes
   * (sync.md §10.2). An envelope no longer stored is shown to nobody.
   */
  async mayShow(peerUser: string, ref: ResourceRef): Promise<boolean> {
    if (
      !this.#options.visibleTo(peerUser, ref.user) &&
      !(this.#options.groupVisible?.(peerUser, ref) ?? false)
    )
      return false
    if (ref.kind !== 'encrypted' || peerUser === ref.user) return true
    const route = await this.#route(ref.id)
    if (route === undefined) return false
    if (route === null) return peerUser === this.#options.self()
    return route.tags.has(routeTag(this.#options.provider, route.nonce, peerUser))
  }

  async #route(id: string): Promise<Route | undefined> {
    const cached = this.#routes.get(id)
    if (cached !== undefined) return cached
    const bytes = await this.#options.store.getResource(id)
    if (!bytes) return undefined
    let route: Route
    try {
      route = routeOf(decodeResource(this.#options.provider, bytes))
    } catch {
      return undefined // stored bytes that do not decode are shown to nobody
    }
    this.#remember(id, route)
    return route
  }

  #remember(id: string, route: Route): void {
    if (this.#routes.size >= ROUTE_CACHE) this.#routes.clear()
    // The id may be a slice of the resource's text too ({@link own}).
    this.#routes.set(own(id), route)
  }
}

function routeOf(resource: DecodedResource): Route {
  const data = resource.data as { nonce?: unknown; routes?: unknown }
  if (!Array.isArray(data.routes) || typeof data.nonce !== 'string') return null
  return { nonce: fromBase64url(data.nonce), tags: new Set((data.routes as string[]).map(own)) }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * A copy of `s` that holds no reference to a larger string. The parser hands out the id and
 * the tags as slices of the resource's whole JSON text (V8 sliced strings), so a cached
 * 86-character key kept the ~8-12 KB envelope alive: 50,000 cached routes held ~400 MB (a heap snapshot after
 * 20,000 messages: 153 MiB in 19,465 resource texts, retained through this cache).
 */
function own(s: string): string {
  return decoder.decode(encoder.encode(s))
}
