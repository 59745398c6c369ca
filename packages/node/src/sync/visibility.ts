/**
 * Who may be offered, served or relayed a resource (docs/protocol/sync.md §8.5, §10): public
 * resources follow their user's trusts; a sealed (`encrypted`) resource goes only to the nodes
 * of its readers, which a node decides from the envelope's routing tags (envelope.md §12) without
 * opening it, so a host routes for its user and a contact never learns of our other traffic.
 * @module
 */
import { decodeResource, detachedString, fromBase64url, routeTag } from '@sdmp/core'
import type { CryptoProvider, DecodedResource } from '@sdmp/core'
import type { Store } from '@sdmp/store'

/** What the visibility rule needs to know of one stored resource. */
export interface ResourceRef {
  readonly id: string
  /** The user the resource is published for (`resource.user`; for an envelope, its author). */
  readonly user: string
  readonly kind: string
}

/**
 * Routing data of one envelope in one flat string, `"<nonce> <tag> <tag> "` (the nonce and
 * each routing tag base64url, each tag followed by a space), or `null` for an untagged (1.0)
 * envelope. One string per envelope instead of an object, a byte array and a set: the cache
 * below holds ~270 bytes per envelope (~600 as objects; a heap snapshot after 20,000 messages
 * found 20,550 routes holding ~12 MiB). A tag matches only as a whole space-delimited token,
 * and tokens that are not base64url are dropped, so no tag can match across a boundary.
 */
type Route = string | null

/** Default bound of the route cache: envelopes whose routing data stays in memory (~9 MiB). */
const ROUTE_CACHE = 32_768
const BASE64URL = /^[A-Za-z0-9_-]+$/

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
  /**
   * Most envelope routes kept in memory (default 32,768). Beyond it the oldest is dropped and
   * read again from the store when asked for: a reconcile over a larger history costs a store
   * read per envelope, memory stays bounded whatever the history.
   */
  readonly routeCache?: number
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
    const nonce = fromBase64url(route.slice(0, route.indexOf(' ')))
    return route.includes(` ${routeTag(this.#options.provider, nonce, peerUser)} `)
  }

  /** Envelope routes held in memory now (at most `routeCache`). */
  get cachedRoutes(): number {
    return this.#routes.size
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
    // Oldest first (a Map keeps insertion order): recent envelopes are the ones pushed and
    // offered, and dropping one at a time never empties the cache at once.
    if (this.#routes.size >= (this.#options.routeCache ?? ROUTE_CACHE))
      this.#routes.delete(this.#routes.keys().next().value!)
    // The id may be a slice of the resource's text too ({@link detachedString}).
    this.#routes.set(detachedString(id), route)
  }
}

function routeOf(resource: DecodedResource): Route {
  const data = resource.data as { nonce?: unknown; routes?: unknown }
  if (!Array.isArray(data.routes) || typeof data.nonce !== 'string') return null
  // A nonce the tags cannot be computed from routes to nobody but our own (as untagged).
  if (!BASE64URL.test(data.nonce)) return null
  const tags = (data.routes as unknown[]).filter(
    (t): t is string => typeof t === 'string' && BASE64URL.test(t),
  )
  return detachedString(`${data.nonce} ${tags.map((t) => `${t} `).join('')}`)
}
