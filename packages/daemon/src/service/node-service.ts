/**
 * The node as its client API (packages/client `SdmpApi`, docs/api.md): the account operations,
 * the mailbox and, while a daemon runs, the network. The HTTP API is a thin mapping of this
 * class, and the CLI calls it directly when no daemon runs, so both give the same results and
 * the same error codes (docs/cli.md §1).
 * @module
 */
import { SerialQueue } from '@sdmp/node'
import { API_DEFAULT_PAGE, API_PAGE_LIMITS } from '@sdmp/client'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { EditRequest, InboxQuery, JournalQuery, PostsQuery } from '@sdmp/client/schemas'
import type {
  ChatsQuery,
  ForwardRequest,
  SendBatchRequest,
  GroupCreateRequest,
  GroupInfo,
  GroupMemberRequest,
  GroupSendRequest,
  SendRequest,
  AttachmentApi,
  AttachmentDownload,
  Block,
  BlockRequest,
  Profile,
  ProfileRequest,
  AddressRequest,
  ContactRequest,
  RequestAccept,
  RequestAccepted,
  RequestRemoved,
  RequestSend,
  RequestSent,
  Settings,
  SettingsRequest,
  Unblocked,
  UploadedBlob,
  Contact,
  ContactAdded,
  ContactRemoved,
  Device,
  DeviceAuthorized,
  DeviceRevoked,
  IdentityRotated,
  JournalLine,
  Message,
  MessageDetail,
  Peer,
  Post,
  PostRequest,
  MessageHistory,
  BatchPublished,
  Published,
  SdmpApi,
  Shown,
  Status,
  SyncRequest,
  SyncResult,
  Whoami,
} from '@sdmp/client'
import type { Account } from '../account/account.js'
import { publishPost } from '../account/activity.js'
import { createInvite, readContacts, removeContact } from '../account/contacts.js'
import { authorizeDevice, listDevices, revokeDevice } from '../account/devices.js'
import { listContacts } from '../account/contact-list.js'
import { requireContact } from '../account/contact-names.js'
import { joinUser } from '../account/join.js'
import { recoverIdentity, rotateIdentity } from '../account/rotation.js'
import { revokedError } from '../account/revocation.js'
import type { Mailbox } from '../mail/index.js'
import { storeAttachment } from '../mail/attachment-store.js'
import { changePost, readPost, readPosts } from './posts.js'
import {
  assertId,
  forwardMessage,
  messageHistory,
  sendMessage,
  sendMessages,
  sendToGroup,
} from './messages.js'
import * as groups from './groups.js'
import { nodeStatus, offlinePeers, revokedInfo, whoami } from './node-info.js'
import { readChatMessages, readChats } from './chats.js'
import { assertRequest } from './request-check.js'
import { resolveInvite } from './invite-fetch.js'
import type { InviteFetchOptions } from './invite-fetch.js'
import { createInviteRef, isInviteRef } from '../account/invite-ref.js'
import * as prefs from './preferences.js'
import { openAttachment, wantMissing } from './attachments.js'
import { addContactFrom } from './contact-add.js'
import type { AddContactRequest } from './contact-add.js'
import type { NodeServiceOptions, ServiceBlobs } from './service-options.js'
import * as requests from './requests.js'
import * as delegating from './delegation-rules.js'
import type {
  Delegation,
  DelegationList,
  DelegationRequest,
  DelegationsRevoked,
  Rule,
  RuleList,
  RuleRequest,
} from '@sdmp/client'

export type { NodeServiceOptions, ServiceBlobs, ServiceNetwork } from './service-options.js'

/** {@link SdmpApi} over an open account and its mailbox. */
export class NodeService implements SdmpApi, AttachmentApi {
  readonly account: Account
  readonly mailbox: Mailbox
  readonly #options: NodeServiceOptions
  readonly #wanting = new SerialQueue()
  readonly #inviteFetch: InviteFetchOptions

  constructor(account: Account, mailbox: Mailbox, options: NodeServiceOptions = {}) {
    this.account = account
    this.mailbox = mailbox
    this.#options = options
    this.#inviteFetch = options.inviteFetch ?? {}
    // Fetch the blobs of newly indexed messages from peers (attachments.md §3).
    mailbox.onAttachments((hashes) => {
      // A store error here (closing) only means the blobs are asked for again: the wanted set
      // is rebuilt from the index on the next start (attachments.md §3).
      void this.#wanting
        .run(() => wantMissing(this.account, () => this.#blobs, hashes))
        .catch(() => undefined)
    })
  }

  /**
   * Resolves once the blobs of every message indexed so far were asked of the network (and so
   * recorded as wanted): a one-shot sync waits for it before its network stops.
   */
  wantsSettled(): Promise<void> {
    return this.#wanting.idle()
  }

  get #blobs(): ServiceBlobs | undefined {
    return this.#options.network?.()?.blobs
  }

  /**
   * Encrypt and store an upload under a fresh key; `send` then names it (attachments.md §4).
   * @throws LIMIT_EXCEEDED above 256 MiB, ABORTED, the store's codes
   */
  async uploadBlob(
    data: AsyncIterable<Uint8Array>,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<UploadedBlob> {
    return storeAttachment(this.account.provider, this.account.store, data, options)
  }

  /** Attachment `index` of a message (attachments.ts). @throws BAD_REQUEST, NOT_FOUND */
  attachment(id: string, index: number): Promise<AttachmentDownload> {
    return openAttachment(this.account, this.mailbox, () => this.#blobs, id, index)
  }

  whoami(): Promise<Whoami> {
    return whoami(this.account, this.#options.running?.())
  }

  status(): Promise<Status> {
    const peers = this.#options.network?.()?.peers() ?? []
    const connected = peers.filter((p) => p.state === 'connected').length
    return nodeStatus(this.account, this.mailbox, this.#options.running?.(), connected)
  }

  send(request: SendRequest): Promise<Published> {
    return sendMessage(this.account, this.mailbox, this.#blobs, request)
  }

  sendBatch(request: SendBatchRequest): Promise<BatchPublished> {
    return sendMessages(this.account, this.mailbox, this.#blobs, request)
  }

  forward(id: string, request: ForwardRequest): Promise<Published> {
    return forwardMessage(this.account, this.mailbox, id, request)
  }

  groups(): ReturnType<SdmpApi['groups']> {
    return groups.listGroups(this.account, this.mailbox)
  }
  createGroup(request: GroupCreateRequest): Promise<GroupInfo> {
    return groups.createGroup(this.account, this.mailbox, request)
  }
  addGroupMember(group: string, request: GroupMemberRequest): Promise<GroupInfo> {
    return groups.changeGroup(this.account, this.mailbox, group, request.member, true)
  }
  removeGroupMember(group: string, member: string): Promise<GroupInfo> {
    return groups.changeGroup(this.account, this.mailbox, group, member, false)
  }
  sendToGroup(group: string, request: GroupSendRequest): Promise<Published> {
    return sendToGroup(this.account, this.mailbox, this.#blobs, group, request)
  }

  async inbox(query: InboxQuery = {}): ReturnType<SdmpApi['inbox']> {
    const { all, limit = API_DEFAULT_PAGE, before } = assertRequest(InboxQuery, query, 'query')
    return this.mailbox.page({ all: all === true, limit, ...(before !== undefined && { before }) })
  }
  chats(query: ChatsQuery = {}): ReturnType<SdmpApi['chats']> {
    return readChats(this.account, this.mailbox, query)
  }
  chatMessages(id: string, query: ChatsQuery = {}): ReturnType<SdmpApi['chatMessages']> {
    return readChatMessages(this.mailbox, id, query)
  }

  async show(id: string): Promise<Shown> {
    assertId(id, 'id')
    const message = await this.mailbox.get(id)
    if (message) {
      const missing = (message.attachments ?? []).filter((a) => !a.available)
      if (missing.length > 0) this.#blobs?.want(missing.map((a) => a.hash))
      return { message }
    }
    const post = await readPost(this.account, id)
    if (post) return { post }
    throw new ProtocolError(ErrorCode.NOT_FOUND, `this node holds no message or post ${id}`)
  }

  async markRead(id: string): Promise<{ message: MessageDetail }> {
    assertId(id, 'id')
    return { message: await this.mailbox.markRead(id) }
  }

  async editMessage(id: string, request: EditRequest): Promise<{ message: MessageDetail }> {
    assertId(id, 'id')
    const edit = assertRequest(EditRequest, request, 'body')
    return { message: await this.mailbox.change(id, edit) }
  }

  async deleteMessage(id: string): Promise<{ message: MessageDetail }> {
    assertId(id, 'id')
    return { message: await this.mailbox.change(id, undefined) }
  }

  messageHistory(id: string): Promise<MessageHistory> {
    return messageHistory(this.mailbox, id)
  }

  async editPost(id: string, request: EditRequest): Promise<{ post: Post }> {
    assertId(id, 'id')
    return { post: await changePost(this.account, id, assertRequest(EditRequest, request, 'body')) }
  }

  async deletePost(id: string): Promise<{ post: Post }> {
    assertId(id, 'id')
    return { post: await changePost(this.account, id, undefined) }
  }

  async post(request: PostRequest): Promise<Published> {
    return publishPost(this.account, request.body, {
      ...(request.type !== undefined && { type: request.type }),
      ...(request.subject !== undefined && { subject: request.subject }),
    })
  }

  async posts(query: PostsQuery = {}): Promise<{ posts: Post[] }> {
    const { limit = API_DEFAULT_PAGE } = assertRequest(PostsQuery, query, 'query')
    return { posts: await readPosts(this.account, limit) }
  }

  async contacts(): Promise<{ contacts: Contact[] }> {
    return { contacts: await listContacts(this.account) }
  }

  addContact(request: AddContactRequest): Promise<ContactAdded> {
    return addContactFrom(this.account, this.mailbox, request, {
      inviteFetch: this.#inviteFetch,
      ...(this.#options.addressLookup && { addressLookup: this.#options.addressLookup }),
    })
  }

  async removeContact(name: string): Promise<ContactRemoved> {
    const removed = await removeContact(this.account, name)
    await this.mailbox.shareContacts()
    return removed
  }

  async devices(): Promise<{ devices: Device[] }> {
    return { devices: await listDevices(this.account), ...revokedInfo(this.account) }
  }

  async authorizeDevice(request: {
    request: string
    hostOnly?: boolean
  }): Promise<DeviceAuthorized> {
    return authorizeDevice(this.account, request.request, { hostOnly: request.hostOnly === true })
  }

  async revokeDevice(node: string): Promise<DeviceRevoked> {
    return revokeDevice(this.account, node)
  }

  async join(request: { invite: string }): Promise<{ user: string; node: string }> {
    const invite = await resolveInvite(this.account.provider, request.invite, this.#inviteFetch)
    const joined = await joinUser(this.account, invite)
    await this.#options.onJoined?.()
    return joined
  }

  async contactInvite(name: string): Promise<{ invite: string }> {
    const entry = requireContact(await readContacts(this.account), name)
    return { invite: await createInvite(this.account, entry.user) }
  }

  async rotateIdentity(): Promise<IdentityRotated> {
    return this.#afterRotation(await rotateIdentity(this.account))
  }

  async recoverIdentity(request: { invite: string; words: string }): Promise<IdentityRotated> {
    if (isInviteRef(request.invite))
      throw new ProtocolError(
        ErrorCode.BAD_REQUEST,
        'identity recover needs a full invite (a contact prints one with sdmp contact invite NAME)',
      )
    return this.#afterRotation(await recoverIdentity(this.account, request))
  }

  /** A prekey and the contact list under the new identity (keys.md §5.4). */
  async #afterRotation(rotated: IdentityRotated): Promise<IdentityRotated> {
    await this.mailbox.maintainPrekeys()
    await this.mailbox.shareContacts()
    return rotated
  }

  async invite(): Promise<{ invite: string; short?: string }> {
    const short = await createInviteRef(this.account)
    return { invite: await createInvite(this.account), ...(short !== undefined && { short }) }
  }

  async peers(): Promise<{ peers: Peer[] }> {
    const network = this.#options.network?.()
    if (network) return { peers: network.peers() }
    return { peers: await offlinePeers(this.account) }
  }

  async sync(request: SyncRequest = {}): Promise<SyncResult> {
    const revoked = this.account.revoked
    if (revoked !== undefined) throw revokedError(revoked) // it no longer dials (trust.md §6.1)
    const network = this.#options.network?.()
    if (network) return network.sync(request)
    if (this.#options.oneShotSync) return this.#options.oneShotSync(request)
    throw new ProtocolError(ErrorCode.UNAVAILABLE, 'sync: this node has no network')
  }

  async journal(query: JournalQuery = {}): Promise<{ lines: JournalLine[] }> {
    const { after = 0, limit = API_PAGE_LIMITS.list } = assertRequest(JournalQuery, query, 'query')
    const rows = await this.account.store.readJournal(after, limit)
    return { lines: rows.map((r) => ({ position: r.position, line: r.line })) }
  }

  // Blocking, read receipts and the profile (preferences.ts).
  blocks = (): Promise<{ blocks: Block[] }> => prefs.listBlocks(this.account)
  block = (request: BlockRequest): Promise<Block> =>
    prefs.block(this.account, request, () => this.#options.network?.()?.refuseBlocked?.())
  unblock = (user: string): Promise<Unblocked> => prefs.unblock(this.account, user)
  settings = (): Promise<Settings> => prefs.getSettings(this.account)
  updateSettings = (r: SettingsRequest): Promise<Settings> => prefs.updateSettings(this.account, r)
  profile = (): Promise<Profile> => prefs.getProfile(this.account)
  // Message requests (requests.ts, docs/protocol/requests.md).
  requests = (): Promise<{ requests: ContactRequest[] }> => requests.listRequests(this.account)
  acceptRequest = (id: string, r: RequestAccept = {}): Promise<RequestAccepted> =>
    requests.accept(this.account, id, r, this.#requestHooks())
  declineRequest = (id: string): Promise<RequestRemoved> =>
    requests.decline(this.account, id, this.#requestHooks())
  blockRequest = (id: string): Promise<RequestRemoved> =>
    requests.block(this.account, id, this.#requestHooks())
  sendRequest = (r: RequestSend): Promise<RequestSent> =>
    requests.send(this.account, r, this.#requestHooks())
  #requestHooks(): requests.RequestHooks {
    return {
      shareContacts: () => this.mailbox.shareContacts(),
      refuseBlocked: () => this.#options.network?.()?.refuseBlocked?.(),
      fetch: this.#inviteFetch,
      ownKeys: async () => (await this.mailbox.recipientKeys([this.account.requireUser()])).keys,
      decided: () => void this.#options.network?.()?.pullHeld?.(),
    }
  }
  setProfile = (request: ProfileRequest): Promise<Profile> =>
    prefs.setProfile(this.account, request)
  setAddress = (request: AddressRequest): Promise<Profile> =>
    prefs.setAddress(this.account, request)

  // Delegations and forwarding rules (delegation-rules.ts).
  delegations = (): Promise<DelegationList> => delegating.delegations(this.account)
  grantDelegation = (r: DelegationRequest): Promise<Delegation> => delegating.grant(this.account, r)
  revokeDelegation = (contact: string): Promise<DelegationsRevoked> =>
    delegating.revoke(this.account, contact)
  rules = (): Promise<RuleList> => delegating.rules(this.account)
  addRule = (r: RuleRequest): Promise<Rule> => delegating.addForwardRule(this.account, r)
  removeRule = (id: string): Promise<Rule> => delegating.removeForwardRule(this.account, id)
}
