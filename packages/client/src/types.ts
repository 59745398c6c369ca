/**
 * The client API contract (docs/api.md): the {@link SdmpApi} interface that both the node
 * itself (`NodeService`, in-process) and the HTTP client implement, and the shapes that are not
 * JSON (streams) or not described by the OpenAPI document (SSE events). The JSON shapes are
 * declared once as schemas in `./schema/` (their types are exported by the package root). The CLI
 * is written once against this interface: it talks to a running daemon over HTTP, or opens the
 * home directly when none runs (docs/cli.md §1).
 * @module
 */
import type {
  AddContactRequest,
  AuthorizeDeviceRequest,
  ChatsQuery,
  ForwardRequest,
  GroupCreateRequest,
  GroupMemberRequest,
  GroupSendRequest,
  BlockRequest,
  DelegationRequest,
  EditRequest,
  InboxQuery,
  JoinRequest,
  JournalQuery,
  PostRequest,
  PostsQuery,
  ProfileRequest,
  AddressRequest,
  RecoverRequest,
  SendBatchRequest,
  RequestAccept,
  RequestSend,
  RuleRequest,
  SendRequest,
  SettingsRequest,
  SyncRequest,
} from './schema/requests.js'
import type {
  BatchPublished,
  ChatList,
  GroupInfo,
  GroupList,
  Block,
  BlockList,
  Contact,
  ContactAdded,
  ContactList,
  ContactRequest,
  ContactRemoved,
  Delegation,
  DelegationList,
  DelegationsRevoked,
  DeviceAuthorized,
  DeviceList,
  DeviceRevoked,
  IdentityRotated,
  Invite,
  OwnInvite,
  Joined,
  JournalPage,
  Message,
  MessageHistory,
  MessageList,
  MessageRead,
  Peer,
  PeerList,
  Post,
  PostChanged,
  PostList,
  Profile,
  Published,
  ReceiptInfo,
  RequestAccepted,
  RequestList,
  RequestRemoved,
  RequestSent,
  Rule,
  RuleList,
  Settings,
  Shown,
  Status,
  SyncResult,
  Unblocked,
  UploadedBlob,
  Whoami,
} from './schema/responses.js'
import type { Contract } from './schema/schema-kit.js'

/** A decrypted attachment being read (`GET /v1/messages/{id}/attachments/{index}`). */
export interface AttachmentDownload {
  readonly name: string
  readonly type: string | null
  /** Size of the file in bytes (the stream fails if it would deliver anything else). */
  readonly size: number
  /** The file's bytes; fails (DECRYPT_FAILED, UNAVAILABLE) if the blob is damaged. */
  readonly data: AsyncIterable<Uint8Array>
}

/**
 * The attachment operations (docs/api.md "Attachments"). Kept apart from {@link SdmpApi} so
 * that API doubles without attachments still type-check; {@link supportsAttachments} tells.
 */
export interface AttachmentApi {
  /**
   * Encrypt and store a file under a fresh key (`POST /v1/blobs`), streaming.
   * @throws LIMIT_EXCEEDED above 256 MiB, ABORTED when the signal fires
   */
  uploadBlob(
    data: AsyncIterable<Uint8Array>,
    options?: { readonly signal?: AbortSignal },
  ): Promise<UploadedBlob>
  /**
   * Read one attachment of an indexed message, decrypted.
   * @throws NOT_FOUND (no such message or index, or the blob is not here yet)
   */
  attachment(id: string, index: number): Promise<AttachmentDownload>
}

/** True when `api` also offers the {@link AttachmentApi}. */
export function supportsAttachments<T extends object>(api: T): api is T & AttachmentApi {
  const a = api as Partial<AttachmentApi>
  return typeof a.uploadBlob === 'function' && typeof a.attachment === 'function'
}

/**
 * One event of `GET /v1/events` (Server-Sent Events). Events derived from the journal carry the
 * journal position as their SSE id, so `Last-Event-ID` resumes without loss or duplicates;
 * `peer` events describe live state and have no id.
 */
export type SdmpEvent =
  | { readonly type: 'message'; readonly position: number; readonly message: Message }
  | {
      readonly type: 'receipt'
      readonly position: number
      /** The messages this receipt confirms (ids of inner messages; one receipt may name many). */
      readonly messages: readonly string[]
      readonly receipt: ReceiptInfo
    }
  | { readonly type: 'post'; readonly position: number; readonly post: Post }
  | {
      readonly type: 'contact'
      readonly position: number
      /** The user trusted or whose trust was revoked; `trusted-by` when a contact trusts us. */
      readonly user: string
      readonly change: 'trusted' | 'revoked' | 'trusted-by'
    }
  | {
      readonly type: 'device'
      readonly position: number
      readonly node: string
      readonly change: 'authorized' | 'revoked' | 'address' | 'prekey'
    }
  | { readonly type: 'peer'; readonly peer: Peer }
  | {
      /**
       * Live, no id: a contact's standing changed because of what their nodes said (one
       * refused us: `waiting` or `removed`; one accepted us again: `mutual`). Messages to
       * them change state with it (`rejected`, `waiting`, `sent`); re-read them.
       */
      readonly type: 'contact-status'
      readonly contact: Contact
    }
  | {
      /**
       * Live, no id: a message request was stored (docs/protocol/requests.md §6), delivered to
       * this node or taken from a host-only node of ours; re-read `GET /v1/requests`.
       */
      readonly type: 'request'
      readonly request: ContactRequest
    }

/** Names of {@link SdmpEvent} types (the SSE `event:` field). */
export type SdmpEventType = SdmpEvent['type']

/**
 * Everything a client can ask of a node. Implemented by the node in-process and by
 * {@link SdmpHttpClient} over HTTP with the same results and the same error codes.
 */
export interface SdmpApi {
  whoami(): Promise<Whoami>
  status(): Promise<Status>
  send(request: SendRequest): Promise<Published>
  /**
   * Send up to MAX_BATCH_MESSAGES messages in one call (docs/api.md "Batches"): answered per
   * message, in order, with its id or its coded error; the stored ones share commits.
   * @throws LIMIT_EXCEEDED (too many), BAD_REQUEST (not a list of messages)
   */
  sendBatch(request: SendBatchRequest): Promise<BatchPublished>
  /**
   * Forward message `id` to other contacts, its author's signature kept inside
   * (docs/protocol/forwarding.md); the result is the new message's id.
   * @throws NOT_FOUND (no such message, or a recipient), CONFLICT (ambiguous short id)
   */
  forward(id: string, request: ForwardRequest): Promise<Published>
  /** The groups this node knows, mine first (docs/protocol/groups.md). */
  groups(): Promise<Contract<typeof GroupList>>
  /**
   * Create a group of contacts, administered by me (docs/protocol/groups.md §2).
   * @throws FORBIDDEN (a member is not a contact), NOT_FOUND (no such contact, or no prekey of
   *   theirs yet), CONFLICT (I am in a group of that name already), BAD_REQUEST
   */
  createGroup(request: GroupCreateRequest): Promise<GroupInfo>
  /** Add a contact to a group I administer (a new version). @throws FORBIDDEN, NOT_FOUND, CONFLICT */
  addGroupMember(group: string, request: GroupMemberRequest): Promise<GroupInfo>
  /**
   * Remove a member from a group I administer: later messages are not sealed to them.
   * @throws FORBIDDEN, NOT_FOUND, CONFLICT
   */
  removeGroupMember(group: string, member: string): Promise<GroupInfo>
  /** Send to every member of group `group` (a name or id). @throws NOT_FOUND, CONFLICT, FORBIDDEN */
  sendToGroup(group: string, request: GroupSendRequest): Promise<Published>
  /** A page of messages, newest first; `next` is the cursor of the older page (`?before`). */
  inbox(query?: InboxQuery): Promise<Contract<typeof MessageList>>
  /** A page of chats, most recent activity first (docs/api.md "Chats"). */
  chats(query?: ChatsQuery): Promise<Contract<typeof ChatList>>
  /**
   * A page of the messages of chat `id`, newest first; an unknown chat is an empty page.
   * @throws BAD_REQUEST when `id` is not a chat id
   */
  chatMessages(id: string, query?: ChatsQuery): Promise<Contract<typeof MessageList>>
  /** @throws NOT_FOUND when the node holds no message or post by that id */
  show(id: string): Promise<Shown>
  /** Mark a received message read (sends a `read` receipt once). */
  markRead(id: string): Promise<Contract<typeof MessageRead>>
  /**
   * Edit one's own message (docs/protocol/edits.md): a signed update sealed to its recipients.
   * @throws FORBIDDEN (not ours), NOT_FOUND, CONFLICT (deleted)
   */
  editMessage(id: string, request: EditRequest): Promise<Contract<typeof MessageRead>>
  /** Delete one's own message everywhere it is held. @throws FORBIDDEN, NOT_FOUND, CONFLICT */
  deleteMessage(id: string): Promise<Contract<typeof MessageRead>>
  /** A message and its versions, oldest first (the last is the one shown). @throws NOT_FOUND */
  messageHistory(id: string): Promise<Contract<typeof MessageHistory>>
  post(request: PostRequest): Promise<Published>
  posts(query?: PostsQuery): Promise<Contract<typeof PostList>>
  /** Publish a new version of one's own post. @throws FORBIDDEN, NOT_FOUND, CONFLICT */
  editPost(id: string, request: EditRequest): Promise<Contract<typeof PostChanged>>
  /** Delete one's own post. @throws FORBIDDEN, NOT_FOUND, CONFLICT */
  deletePost(id: string): Promise<Contract<typeof PostChanged>>
  contacts(): Promise<Contract<typeof ContactList>>
  addContact(request: AddContactRequest): Promise<ContactAdded>
  removeContact(name: string): Promise<ContactRemoved>
  /**
   * A contact's invite as this node knows it: what the contact needs to recover a lost
   * identity (`sdmp identity recover`, docs/cli.md "Recovery and rotation").
   */
  contactInvite(name: string): Promise<Contract<typeof Invite>>
  devices(): Promise<Contract<typeof DeviceList>>
  authorizeDevice(request: AuthorizeDeviceRequest): Promise<DeviceAuthorized>
  revokeDevice(node: string): Promise<DeviceRevoked>
  /**
   * On a joined device: take the user's invite (made after `device authorize`), check that its
   * user trusts this node, store it and learn the user (docs/cli.md §5).
   */
  join(request: JoinRequest): Promise<Contract<typeof Joined>>
  invite(): Promise<Contract<typeof OwnInvite>>
  /** Replace the user identity key, proven by the old key (this device must hold it). */
  rotateIdentity(): Promise<IdentityRotated>
  /**
   * On a device made with `init --join`: replace a lost identity key with the recovery key of
   * `words`; `invite` is an invite of the old identity (docs/cli.md "Recovery").
   */
  recoverIdentity(request: RecoverRequest): Promise<IdentityRotated>
  peers(): Promise<Contract<typeof PeerList>>
  sync(request?: SyncRequest): Promise<SyncResult>
  journal(query?: JournalQuery): Promise<Contract<typeof JournalPage>>
  /** Blocked users (docs/messaging.md "Blocking"). */
  blocks(): Promise<Contract<typeof BlockList>>
  /**
   * Block a user (a contact name or a fingerprint): their resources are refused and their
   * nodes' connections too; `hide` hides what they sent before.
   * @throws NOT_FOUND (an unknown name, with a suggestion), BAD_REQUEST (ourselves)
   */
  block(request: BlockRequest): Promise<Block>
  /** Unblock a user (a contact name or a fingerprint). */
  unblock(user: string): Promise<Unblocked>
  /** Read receipts: the default and per-contact overrides (docs/messaging.md §4). */
  settings(): Promise<Settings>
  /** Change read receipts, for everyone or one contact. @throws NOT_FOUND, BAD_REQUEST */
  updateSettings(request: SettingsRequest): Promise<Settings>
  /** Message requests received and not yet answered (docs/protocol/requests.md §6). */
  requests(): Promise<Contract<typeof RequestList>>
  /**
   * Accept a request (full id or a unique prefix): its sender becomes a contact, as
   * `addContact` with the invite it carried. @throws NOT_FOUND, CONFLICT (name taken)
   */
  acceptRequest(id: string, request?: RequestAccept): Promise<RequestAccepted>
  /** Decline a request: it is deleted; the sender is told nothing more. @throws NOT_FOUND */
  declineRequest(id: string): Promise<RequestRemoved>
  /** Block a request's sender and delete the request. @throws NOT_FOUND */
  blockRequest(id: string): Promise<RequestRemoved>
  /**
   * Send a message request to someone not yet a contact; resolves with the outcome their node
   * gave. @throws BAD_REQUEST (a bad address), UNAVAILABLE (their node did not answer)
   */
  sendRequest(request: RequestSend): Promise<RequestSent>
  /** This user's display name as published (schemas.md "user"). */
  profile(): Promise<Profile>
  /** Publish a new profile with this display name; contacts see it after sync. */
  setProfile(request: ProfileRequest): Promise<Profile>
  /**
   * Claim `name@domain` in a new profile version (null drops the claim); its host serves the
   * user's well-known document for it (docs/protocol/addresses.md §2).
   * @throws BAD_REQUEST (not an address), FORBIDDEN (this device may not publish)
   */
  setAddress(request: AddressRequest): Promise<Profile>
  /** Delegations our user granted and those granted to it (docs/protocol/delegation.md). */
  delegations(): Promise<DelegationList>
  /**
   * Let a contact send for us or read what is addressed to us, until `until` or a revoke.
   * @throws NOT_FOUND (no such contact), BAD_REQUEST (a past `until`), FORBIDDEN
   */
  grantDelegation(request: DelegationRequest): Promise<Delegation>
  /** Revoke, at once, every active delegation to a contact. @throws NOT_FOUND, FORBIDDEN */
  revokeDelegation(contact: string): Promise<DelegationsRevoked>
  /** The forwarding rules of this node (docs/protocol/forwarding.md §6). */
  rules(): Promise<RuleList>
  /** Add a forwarding rule. @throws BAD_REQUEST, NOT_FOUND (a target), LIMIT_EXCEEDED */
  addRule(request: RuleRequest): Promise<Rule>
  /** Remove a forwarding rule. @throws NOT_FOUND */
  removeRule(id: string): Promise<Rule>
}
