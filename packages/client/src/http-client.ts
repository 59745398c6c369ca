/**
 * {@link SdmpHttpClient}: the {@link SdmpApi} over the node's HTTP/JSON API, plus its
 * Server-Sent Events stream read with fetch and a ReadableStream (docs/api.md). Browser-safe:
 * no `node:` imports. The bearer token only ever travels in the Authorization header. The class
 * is the table of routes; the requests themselves are http-transport.ts, files http-blobs.ts and
 * the event stream http-events.ts.
 * @module
 */
import type { AttachmentApi, AttachmentDownload, SdmpApi, SdmpEvent } from './types.js'
import { downloadAttachment, uploadBlob } from './http-blobs.js'
import { events, followEvents } from './http-events.js'
import type { EventsOptions, FollowEventsOptions } from './http-events.js'
import { HttpTransport, queryString, segment } from './http-transport.js'
import type { SdmpHttpClientOptions } from './http-transport.js'
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

export type { SdmpHttpClientOptions } from './http-transport.js'
export type { EventsOptions, FollowEventsOptions } from './http-events.js'

/**
 * A typed client of the node's client API with the same results and error codes as the node's
 * in-process {@link SdmpApi}.
 * @example
 * const client = new SdmpHttpClient({ url: 'http://127.0.0.1:7810', token })
 * const { messages } = await client.inbox({ limit: 20 })
 * for await (const event of client.followEvents({ signal })) console.log(event.type)
 */
export class SdmpHttpClient implements SdmpApi, AttachmentApi {
  readonly #http: HttpTransport

  constructor(options: SdmpHttpClientOptions) {
    this.#http = new HttpTransport(options)
  }

  whoami(): Promise<R.Whoami> {
    return this.#http.call('GET', '/v1/whoami')
  }
  status(): Promise<R.Status> {
    return this.#http.call('GET', '/v1/status')
  }
  send(request: SendRequest): Promise<R.Published> {
    return this.#http.call('POST', '/v1/messages', request)
  }
  sendBatch(request: SendBatchRequest): Promise<R.BatchPublished> {
    return this.#http.call('POST', '/v1/messages/batch', request)
  }
  forward(id: string, request: ForwardRequest): Promise<R.Published> {
    return this.#http.call('POST', `/v1/messages/${segment(id)}/forward`, request)
  }
  groups(): Promise<Contract<typeof R.GroupList>> {
    return this.#http.call('GET', '/v1/groups')
  }
  createGroup(request: GroupCreateRequest): Promise<R.GroupInfo> {
    return this.#http.call('POST', '/v1/groups', request)
  }
  addGroupMember(group: string, request: GroupMemberRequest): Promise<R.GroupInfo> {
    return this.#http.call('POST', `/v1/groups/${segment(group)}/members`, request)
  }
  removeGroupMember(group: string, member: string): Promise<R.GroupInfo> {
    return this.#http.call('DELETE', `/v1/groups/${segment(group)}/members/${segment(member)}`)
  }
  sendToGroup(group: string, request: GroupSendRequest): Promise<R.Published> {
    return this.#http.call('POST', `/v1/groups/${segment(group)}/messages`, request)
  }
  inbox(query: InboxQuery = {}): Promise<Contract<typeof R.MessageList>> {
    return this.#http.call('GET', `/v1/messages${queryString(query)}`)
  }
  chats(query: ChatsQuery = {}): Promise<Contract<typeof R.ChatList>> {
    return this.#http.call('GET', `/v1/chats${queryString(query)}`)
  }
  chatMessages(id: string, query: ChatsQuery = {}): Promise<Contract<typeof R.MessageList>> {
    return this.#http.call('GET', `/v1/chats/${segment(id)}/messages${queryString(query)}`)
  }
  show(id: string): Promise<R.Shown> {
    return this.#http.call('GET', `/v1/items/${segment(id)}`)
  }
  markRead(id: string): Promise<Contract<typeof R.MessageRead>> {
    return this.#http.call('POST', `/v1/messages/${segment(id)}/read`)
  }
  editMessage(id: string, request: EditRequest): Promise<Contract<typeof R.MessageRead>> {
    return this.#http.call('PUT', `/v1/messages/${segment(id)}`, request)
  }
  deleteMessage(id: string): Promise<Contract<typeof R.MessageRead>> {
    return this.#http.call('DELETE', `/v1/messages/${segment(id)}`)
  }
  messageHistory(id: string): Promise<Contract<typeof R.MessageHistory>> {
    return this.#http.call('GET', `/v1/messages/${segment(id)}/history`)
  }
  editPost(id: string, request: EditRequest): Promise<Contract<typeof R.PostChanged>> {
    return this.#http.call('PUT', `/v1/posts/${segment(id)}`, request)
  }
  deletePost(id: string): Promise<Contract<typeof R.PostChanged>> {
    return this.#http.call('DELETE', `/v1/posts/${segment(id)}`)
  }
  post(request: PostRequest): Promise<R.Published> {
    return this.#http.call('POST', '/v1/posts', request)
  }
  posts(query: PostsQuery = {}): Promise<Contract<typeof R.PostList>> {
    return this.#http.call('GET', `/v1/posts${queryString(query)}`)
  }
  contacts(): Promise<Contract<typeof R.ContactList>> {
    return this.#http.call('GET', '/v1/contacts')
  }
  addContact(request: AddContactRequest): Promise<R.ContactAdded> {
    return this.#http.call('POST', '/v1/contacts', request)
  }
  removeContact(name: string): Promise<R.ContactRemoved> {
    return this.#http.call('DELETE', `/v1/contacts/${segment(name)}`)
  }
  delegations(): Promise<R.DelegationList> {
    return this.#http.call('GET', '/v1/delegations')
  }
  grantDelegation(request: DelegationRequest): Promise<R.Delegation> {
    return this.#http.call('POST', '/v1/delegations', request)
  }
  revokeDelegation(contact: string): Promise<R.DelegationsRevoked> {
    return this.#http.call('DELETE', `/v1/delegations/${segment(contact)}`)
  }
  rules(): Promise<R.RuleList> {
    return this.#http.call('GET', '/v1/rules')
  }
  addRule(request: RuleRequest): Promise<R.Rule> {
    return this.#http.call('POST', '/v1/rules', request)
  }
  removeRule(id: string): Promise<R.Rule> {
    return this.#http.call('DELETE', `/v1/rules/${segment(id)}`)
  }
  blocks(): Promise<Contract<typeof R.BlockList>> {
    return this.#http.call('GET', '/v1/blocks')
  }
  block(request: BlockRequest): Promise<R.Block> {
    return this.#http.call('POST', '/v1/blocks', request)
  }
  unblock(user: string): Promise<R.Unblocked> {
    return this.#http.call('DELETE', `/v1/blocks/${segment(user)}`)
  }
  settings(): Promise<R.Settings> {
    return this.#http.call('GET', '/v1/settings')
  }
  updateSettings(request: SettingsRequest): Promise<R.Settings> {
    return this.#http.call('PUT', '/v1/settings', request)
  }
  requests(): Promise<Contract<typeof R.RequestList>> {
    return this.#http.call('GET', '/v1/requests')
  }
  acceptRequest(id: string, request: RequestAccept = {}): Promise<R.RequestAccepted> {
    return this.#http.call('POST', `/v1/requests/${segment(id)}/accept`, request)
  }
  declineRequest(id: string): Promise<R.RequestRemoved> {
    return this.#http.call('POST', `/v1/requests/${segment(id)}/decline`, {})
  }
  blockRequest(id: string): Promise<R.RequestRemoved> {
    return this.#http.call('POST', `/v1/requests/${segment(id)}/block`, {})
  }
  sendRequest(request: RequestSend): Promise<R.RequestSent> {
    return this.#http.call('POST', '/v1/requests', request)
  }
  profile(): Promise<R.Profile> {
    return this.#http.call('GET', '/v1/profile')
  }
  setProfile(request: ProfileRequest): Promise<R.Profile> {
    return this.#http.call('PUT', '/v1/profile', request)
  }
  setAddress(request: AddressRequest): Promise<R.Profile> {
    return this.#http.call('PUT', '/v1/address', request)
  }
  contactInvite(name: string): Promise<Contract<typeof R.Invite>> {
    return this.#http.call('GET', `/v1/contacts/${segment(name)}/invite`)
  }
  devices(): Promise<Contract<typeof R.DeviceList>> {
    return this.#http.call('GET', '/v1/devices')
  }
  authorizeDevice(request: AuthorizeDeviceRequest): Promise<R.DeviceAuthorized> {
    return this.#http.call('POST', '/v1/devices', request)
  }
  revokeDevice(node: string): Promise<R.DeviceRevoked> {
    return this.#http.call('DELETE', `/v1/devices/${segment(node)}`)
  }
  join(request: JoinRequest): Promise<Contract<typeof R.Joined>> {
    return this.#http.call('POST', '/v1/devices/join', request)
  }
  invite(): Promise<Contract<typeof R.OwnInvite>> {
    return this.#http.call('GET', '/v1/invite')
  }
  rotateIdentity(): Promise<R.IdentityRotated> {
    return this.#http.call('POST', '/v1/identity/rotate', {})
  }
  recoverIdentity(request: RecoverRequest): Promise<R.IdentityRotated> {
    return this.#http.call('POST', '/v1/identity/recover', request)
  }
  peers(): Promise<Contract<typeof R.PeerList>> {
    return this.#http.call('GET', '/v1/peers')
  }
  sync(request: SyncRequest = {}): Promise<R.SyncResult> {
    return this.#http.call('POST', '/v1/sync', request)
  }
  journal(query: JournalQuery = {}): Promise<Contract<typeof R.JournalPage>> {
    return this.#http.call('GET', `/v1/journal${queryString(query)}`)
  }

  /**
   * Send a file to `POST /v1/blobs`; the daemon encrypts and stores it (attachments.md §4).
   * An async iterable is streamed (Node); a `Blob` (a browser `File`) is sent as it is, because
   * browsers refuse streamed request bodies over HTTP/1.1, which the daemon speaks.
   * @throws LIMIT_EXCEEDED above 256 MiB, ABORTED when the signal fires, UNAVAILABLE
   */
  uploadBlob(
    data: AsyncIterable<Uint8Array> | Blob,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<R.UploadedBlob> {
    return uploadBlob(this.#http, data, options)
  }

  /**
   * One attachment of a message, decrypted by the daemon, streamed. The stream fails with
   * UNAVAILABLE when it breaks or delivers another size than announced.
   * @throws NOT_FOUND (no such message or index, or the blob has not arrived yet)
   */
  attachment(id: string, index: number): Promise<AttachmentDownload> {
    return downloadAttachment(this.#http, id, index)
  }

  /**
   * The node's events as they happen (`GET /v1/events`), starting after `options.after` (sent as
   * the Last-Event-ID header) or from now. Ends when the server closes the stream or the signal
   * aborts.
   * @throws UNAVAILABLE when the daemon is unreachable or the connection breaks; the server's
   * code for a refused request or an `error` event
   */
  events(options: EventsOptions = {}): AsyncGenerator<SdmpEvent, void, undefined> {
    return events(this.#http, options)
  }

  /**
   * Like {@link events}, but reconnects after a dropped connection (with growing delays),
   * resuming after the last journal position seen, so no event is lost or repeated. Ends only
   * when the signal aborts.
   * @throws UNAUTHORIZED, FORBIDDEN, BAD_REQUEST (a reconnect cannot fix these)
   */
  followEvents(options: FollowEventsOptions = {}): AsyncGenerator<SdmpEvent, void, undefined> {
    return followEvents(this.#http, options)
  }
}
