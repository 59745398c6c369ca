/**
 * {@link SdmpHttpClient}: the {@link SdmpApi} over the node's HTTP/JSON API, plus its
 * Server-Sent Events stream read with fetch and a ReadableStream (docs/api.md). Browser-safe:
 * no `node:` imports. The bearer token only ever travels in the Authorization header.
 * @module
 */
import { ErrorCode, ProtocolError, isProtocolError } from '@sdmp/core'
import { checkedBytes, streamOf } from './byte-streams.js'
import type { AttachmentApi, AttachmentDownload, SdmpApi, SdmpEvent } from './types.js'
import { isAborted, readEvents, sleep } from './event-stream.js'
import { errorOf } from './http-errors.js'
import type {
  AddContactRequest,
  AuthorizeDeviceRequest,
  ChatsQuery,
  BlockRequest,
  RequestAccept,
  RequestSend,
  DelegationRequest,
  RuleRequest,
  InboxQuery,
  JoinRequest,
  JournalQuery,
  EditRequest,
  PostRequest,
  PostsQuery,
  ProfileRequest,
  AddressRequest,
  RecoverRequest,
  SendBatchRequest,
  SendRequest,
  ForwardRequest,
  GroupCreateRequest,
  GroupMemberRequest,
  GroupSendRequest,
  SettingsRequest,
  SyncRequest,
} from './schema/requests.js'
import type * as R from './schema/responses.js'
import type { Contract } from './schema/schema-kit.js'

/** Options of {@link SdmpHttpClient}. */
export interface SdmpHttpClientOptions {
  /** Base URL of the daemon's API, e.g. `http://127.0.0.1:7810`. */
  readonly url: string
  /** The bearer token (the home's api-token file). */
  readonly token: string
  /** A fetch implementation; default the global one. */
  readonly fetch?: typeof fetch
}

/** Options of {@link SdmpHttpClient.events}. */
export interface EventsOptions {
  /** Start after this journal position; default: only events from now on. */
  readonly after?: number
  /** Ends the stream (the iteration then simply finishes). */
  readonly signal?: AbortSignal
}

/** Options of {@link SdmpHttpClient.followEvents}. */
export interface FollowEventsOptions extends EventsOptions {
  /** First reconnection delay in ms (doubling up to `maxRetryMs`); default 1,000. */
  readonly retryMs?: number
  /** Longest reconnection delay in ms; default 30,000. */
  readonly maxRetryMs?: number
  /** Told about each dropped connection before the client reconnects. */
  readonly onDisconnect?: (error: unknown) => void
}

/** Errors a reconnect cannot fix: stop following instead of retrying forever. */
const FATAL = new Set<string>([ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.BAD_REQUEST])

/**
 * A typed client of the node's client API with the same results and error codes as the node's
 * in-process {@link SdmpApi}.
 * @example
 * const client = new SdmpHttpClient({ url: 'http://127.0.0.1:7810', token })
 * const { messages } = await client.inbox({ limit: 20 })
 * for await (const event of client.followEvents({ signal })) console.log(event.type)
 */
export class SdmpHttpClient implements SdmpApi, AttachmentApi {
  readonly #url: string
  readonly #token: string
  readonly #fetch: typeof fetch

  constructor(options: SdmpHttpClientOptions) {
    this.#url = options.url.replace(/\/+$/, '')
    this.#token = options.token
    // Bind: browsers refuse a fetch called with another `this` ("Illegal invocation").
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  }

  whoami(): Promise<R.Whoami> {
    return this.#call('GET', '/v1/whoami')
  }
  status(): Promise<R.Status> {
    return this.#call('GET', '/v1/status')
  }
  send(request: SendRequest): Promise<R.Published> {
    return this.#call('POST', '/v1/messages', request)
  }
  sendBatch(request: SendBatchRequest): Promise<R.BatchPublished> {
    return this.#call('POST', '/v1/messages/batch', request)
  }
  forward(id: string, request: ForwardRequest): Promise<R.Published> {
    return this.#call('POST', `/v1/messages/${segment(id)}/forward`, request)
  }
  groups(): Promise<Contract<typeof R.GroupList>> {
    return this.#call('GET', '/v1/groups')
  }
  createGroup(request: GroupCreateRequest): Promise<R.GroupInfo> {
    return this.#call('POST', '/v1/groups', request)
  }
  addGroupMember(group: string, request: GroupMemberRequest): Promise<R.GroupInfo> {
    return this.#call('POST', `/v1/groups/${segment(group)}/members`, request)
  }
  removeGroupMember(group: string, member: string): Promise<R.GroupInfo> {
    return this.#call('DELETE', `/v1/groups/${segment(group)}/members/${segment(member)}`)
  }
  sendToGroup(group: string, request: GroupSendRequest): Promise<R.Published> {
    return this.#call('POST', `/v1/groups/${segment(group)}/messages`, request)
  }
  inbox(query: InboxQuery = {}): Promise<Contract<typeof R.MessageList>> {
    return this.#call('GET', `/v1/messages${queryString(query)}`)
  }
  chats(query: ChatsQuery = {}): Promise<Contract<typeof R.ChatList>> {
    return this.#call('GET', `/v1/chats${queryString(query)}`)
  }
  chatMessages(id: string, query: ChatsQuery = {}): Promise<Contract<typeof R.MessageList>> {
    return this.#call('GET', `/v1/chats/${segment(id)}/messages${queryString(query)}`)
  }
  show(id: string): Promise<R.Shown> {
    return this.#call('GET', `/v1/items/${segment(id)}`)
  }
  markRead(id: string): Promise<Contract<typeof R.MessageRead>> {
    return this.#call('POST', `/v1/messages/${segment(id)}/read`)
  }
  editMessage(id: string, request: EditRequest): Promise<Contract<typeof R.MessageRead>> {
    return this.#call('PUT', `/v1/messages/${segment(id)}`, request)
  }
  deleteMessage(id: string): Promise<Contract<typeof R.MessageRead>> {
    return this.#call('DELETE', `/v1/messages/${segment(id)}`)
  }
  messageHistory(id: string): Promise<Contract<typeof R.MessageHistory>> {
    return this.#call('GET', `/v1/messages/${segment(id)}/history`)
  }
  editPost(id: string, request: EditRequest): Promise<Contract<typeof R.PostChanged>> {
    return this.#call('PUT', `/v1/posts/${segment(id)}`, request)
  }
  deletePost(id: string): Promise<Contract<typeof R.PostChanged>> {
    return this.#call('DELETE', `/v1/posts/${segment(id)}`)
  }
  post(request: PostRequest): Promise<R.Published> {
    return this.#call('POST', '/v1/posts', request)
  }
  posts(query: PostsQuery = {}): Promise<Contract<typeof R.PostList>> {
    return this.#call('GET', `/v1/posts${queryString(query)}`)
  }
  contacts(): Promise<Contract<typeof R.ContactList>> {
    return this.#call('GET', '/v1/contacts')
  }
  addContact(request: AddContactRequest): Promise<R.ContactAdded> {
    return this.#call('POST', '/v1/contacts', request)
  }
  removeContact(name: string): Promise<R.ContactRemoved> {
    return this.#call('DELETE', `/v1/contacts/${segment(name)}`)
  }
  delegations(): Promise<R.DelegationList> {
    return this.#call('GET', '/v1/delegations')
  }
  grantDelegation(request: DelegationRequest): Promise<R.Delegation> {
    return this.#call('POST', '/v1/delegations', request)
  }
  revokeDelegation(contact: string): Promise<R.DelegationsRevoked> {
    return this.#call('DELETE', `/v1/delegations/${segment(contact)}`)
  }
  rules(): Promise<R.RuleList> {
    return this.#call('GET', '/v1/rules')
  }
  addRule(request: RuleRequest): Promise<R.Rule> {
    return this.#call('POST', '/v1/rules', request)
  }
  removeRule(id: string): Promise<R.Rule> {
    return this.#call('DELETE', `/v1/rules/${segment(id)}`)
  }
  blocks(): Promise<Contract<typeof R.BlockList>> {
    return this.#call('GET', '/v1/blocks')
  }
  block(request: BlockRequest): Promise<R.Block> {
    return this.#call('POST', '/v1/blocks', request)
  }
  unblock(user: string): Promise<R.Unblocked> {
    return this.#call('DELETE', `/v1/blocks/${segment(user)}`)
  }
  settings(): Promise<R.Settings> {
    return this.#call('GET', '/v1/settings')
  }
  updateSettings(request: SettingsRequest): Promise<R.Settings> {
    return this.#call('PUT', '/v1/settings', request)
  }
  requests(): Promise<Contract<typeof R.RequestList>> {
    return this.#call('GET', '/v1/requests')
  }
  acceptRequest(id: string, request: RequestAccept = {}): Promise<R.RequestAccepted> {
    return this.#call('POST', `/v1/requests/${segment(id)}/accept`, request)
  }
  declineRequest(id: string): Promise<R.RequestRemoved> {
    return this.#call('POST', `/v1/requests/${segment(id)}/decline`, {})
  }
  blockRequest(id: string): Promise<R.RequestRemoved> {
    return this.#call('POST', `/v1/requests/${segment(id)}/block`, {})
  }
  sendRequest(request: RequestSend): Promise<R.RequestSent> {
    return this.#call('POST', '/v1/requests', request)
  }
  profile(): Promise<R.Profile> {
    return this.#call('GET', '/v1/profile')
  }
  setProfile(request: ProfileRequest): Promise<R.Profile> {
    return this.#call('PUT', '/v1/profile', request)
  }
  setAddress(request: AddressRequest): Promise<R.Profile> {
    return this.#call('PUT', '/v1/address', request)
  }
  contactInvite(name: string): Promise<Contract<typeof R.Invite>> {
    return this.#call('GET', `/v1/contacts/${segment(name)}/invite`)
  }
  devices(): Promise<Contract<typeof R.DeviceList>> {
    return this.#call('GET', '/v1/devices')
  }
  authorizeDevice(request: AuthorizeDeviceRequest): Promise<R.DeviceAuthorized> {
    return this.#call('POST', '/v1/devices', request)
  }
  revokeDevice(node: string): Promise<R.DeviceRevoked> {
    return this.#call('DELETE', `/v1/devices/${segment(node)}`)
  }
  join(request: JoinRequest): Promise<Contract<typeof R.Joined>> {
    return this.#call('POST', '/v1/devices/join', request)
  }
  invite(): Promise<Contract<typeof R.OwnInvite>> {
    return this.#call('GET', '/v1/invite')
  }
  rotateIdentity(): Promise<R.IdentityRotated> {
    return this.#call('POST', '/v1/identity/rotate', {})
  }
  recoverIdentity(request: RecoverRequest): Promise<R.IdentityRotated> {
    return this.#call('POST', '/v1/identity/recover', request)
  }
  peers(): Promise<Contract<typeof R.PeerList>> {
    return this.#call('GET', '/v1/peers')
  }
  sync(request: SyncRequest = {}): Promise<R.SyncResult> {
    return this.#call('POST', '/v1/sync', request)
  }
  journal(query: JournalQuery = {}): Promise<Contract<typeof R.JournalPage>> {
    return this.#call('GET', `/v1/journal${queryString(query)}`)
  }

  /**
   * Send a file to `POST /v1/blobs`; the daemon encrypts and stores it (attachments.md §4).
   * An async iterable is streamed (Node); a `Blob` (a browser `File`) is sent as it is, because
   * browsers refuse streamed request bodies over HTTP/1.1, which the daemon speaks.
   * @throws LIMIT_EXCEEDED above 256 MiB, ABORTED when the signal fires, UNAVAILABLE
   */
  async uploadBlob(
    data: AsyncIterable<Uint8Array> | Blob,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<R.UploadedBlob> {
    const streamed = !(data instanceof Blob)
    const init: RequestInit & { duplex?: 'half' } = {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.#token}`,
        'content-type': 'application/octet-stream',
      },
      body: streamed ? streamOf(data) : data,
      // fetch needs `duplex: 'half'` for a streamed request body.
      ...(streamed && { duplex: 'half' as const }),
      signal: options.signal ?? null,
    }
    const response = await this.#send(`${this.#url}/v1/blobs`, init)
    if (response === undefined) throw new ProtocolError(ErrorCode.ABORTED, 'upload aborted')
    if (!response.ok) throw await errorOf(response)
    return (await response.json()) as R.UploadedBlob
  }

  /**
   * One attachment of a message, decrypted by the daemon, streamed. The stream fails with
   * UNAVAILABLE when it breaks or delivers another size than announced.
   * @throws NOT_FOUND (no such message or index, or the blob has not arrived yet)
   */
  async attachment(id: string, index: number): Promise<AttachmentDownload> {
    const response = await this.#send(
      `${this.#url}/v1/messages/${segment(id)}/attachments/${index}`,
      { headers: { authorization: `Bearer ${this.#token}` } },
    )
    if (response === undefined) throw new ProtocolError(ErrorCode.ABORTED, 'request aborted')
    if (!response.ok) throw await errorOf(response)
    const size = Number(response.headers.get('x-attachment-size'))
    const name = decodeURIComponent(response.headers.get('x-attachment-name') ?? '')
    const type = response.headers.get('x-attachment-type')
    return {
      name,
      type: type === null || type === '' ? null : decodeURIComponent(type),
      size,
      data: checkedBytes(response.body, size, this.#url),
    }
  }

  /**
   * The node's events as they happen (`GET /v1/events`), starting after `options.after` (sent as
   * the Last-Event-ID header) or from now. Ends when the server closes the stream or the signal
   * aborts.
   * @throws UNAVAILABLE when the daemon is unreachable or the connection breaks; the server's
   * code for a refused request or an `error` event
   */
  async *events(options: EventsOptions = {}): AsyncGenerator<SdmpEvent, void, undefined> {
    for await (const { event } of this.#stream(options.after, options.signal)) {
      if (event !== undefined) yield event
    }
  }

  /**
   * Like {@link events}, but reconnects after a dropped connection (with growing delays),
   * resuming after the last journal position seen, so no event is lost or repeated. Ends only
   * when the signal aborts.
   * @throws UNAUTHORIZED, FORBIDDEN, BAD_REQUEST (a reconnect cannot fix these)
   */
  async *followEvents(
    options: FollowEventsOptions = {},
  ): AsyncGenerator<SdmpEvent, void, undefined> {
    const { signal } = options
    const first = options.retryMs ?? 1000
    const max = options.maxRetryMs ?? 30_000
    let after = options.after
    let delay = first
    while (!isAborted(signal)) {
      try {
        for await (const item of this.#stream(after, signal)) {
          delay = first
          if (item.id !== undefined) after = item.id
          if (item.event !== undefined) yield item.event
        }
      } catch (error) {
        if (isAborted(signal)) return
        if (isProtocolError(error) && FATAL.has(error.code)) throw error
        options.onDisconnect?.(error)
      }
      if (isAborted(signal)) return
      await sleep(delay, signal)
      delay = Math.min(delay * 2, max)
    }
  }

  /**
   * Read one SSE connection; yields each event with the stream's last id (the server also sends
   * a bare `id:` of its start position first, so a reconnect right away loses nothing).
   */
  async *#stream(
    after: number | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<{ event?: SdmpEvent; id?: number }, void, undefined> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: 'text/event-stream',
    }
    if (after !== undefined) headers['last-event-id'] = String(after)
    const response = await this.#send(`${this.#url}/v1/events`, { headers, signal: signal ?? null })
    if (response === undefined) return
    if (!response.ok) throw await errorOf(response)
    if (response.body === null) throw this.#unreachable()
    yield* readEvents(response.body, this.#url, signal)
  }

  /** One JSON request; returns the parsed success body or throws the server's error. */
  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` }
    const init: RequestInit = { method, headers }
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
    const response = await this.#send(`${this.#url}${path}`, init)
    if (response === undefined) throw new ProtocolError(ErrorCode.ABORTED, 'request aborted')
    if (!response.ok) throw await errorOf(response)
    try {
      return (await response.json()) as T
    } catch (error) {
      throw new ProtocolError(ErrorCode.UNAVAILABLE, `daemon at ${this.#url} sent a broken reply`, {
        cause: error,
      })
    }
  }

  /** fetch, with network failures as UNAVAILABLE; undefined when the caller's signal aborted. */
  async #send(url: string, init: RequestInit): Promise<Response | undefined> {
    try {
      return await this.#fetch(url, init)
    } catch (error) {
      if (init.signal?.aborted === true) return undefined
      throw this.#unreachable(error)
    }
  }

  #unreachable(cause?: unknown): ProtocolError {
    return new ProtocolError(ErrorCode.UNAVAILABLE, `daemon not reachable at ${this.#url}`, {
      cause,
    })
  }
}

/** A path segment, percent-encoded (ids are base64url, names may hold `.`). */
function segment(value: string): string {
  return encodeURIComponent(value)
}

/** `?a=1&b=true` from the defined members, or '' when none. */
function queryString(query: object): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query) as [string, unknown][]) {
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string')
      params.set(key, String(value))
  }
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}
