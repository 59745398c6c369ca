/**
 * The client API contract (docs/api.md): the JSON shapes the node's HTTP API returns and the
 * {@link SdmpApi} interface that both the node itself (`NodeService`, in-process) and the HTTP
 * client implement. The CLI is written once against this interface: it talks to a running
 * daemon over HTTP, or opens the home directly when none runs (docs/cli.md §1).
 * All fingerprints and ids are 86-character base64url digests; times are ISO 8601 (UTC).
 * @module
 */

/** `GET /v1/whoami`. */
export interface Whoami {
  /** Null on a joined device whose trust has not arrived yet. */
  readonly user: string | null
  readonly node: string
  readonly uri: string | null
  readonly name?: string
  /** Configured listen addresses (config.json). */
  readonly listen: { readonly peer: string; readonly api: string }
  /** Bound addresses while a daemon runs (`HOST:PORT`, `http://HOST:PORT`). */
  readonly running?: { readonly peer: string; readonly api: string; readonly pid: number }
  /** Present when this device was revoked (docs/protocol/trust.md §6.1). */
  readonly revoked?: RevokedInfo
}

/** When and by which key this device was revoked, and the sentence to show. */
export interface RevokedInfo {
  /** ISO 8601. */
  readonly at: string
  /** Fingerprint of the key that signed the revocation. */
  readonly by: string
  /** "this device was revoked on DATE by DEVICE". */
  readonly message: string
}

/** `GET /v1/status`. */
export interface Status {
  readonly user: string | null
  readonly node: string
  readonly store: string
  readonly encrypted: boolean
  readonly counts: {
    readonly resources: number
    readonly journal: number
    readonly contacts: number
    readonly devices: number
    readonly messages: number
  }
  /** Present while a daemon runs. */
  readonly daemon?: { readonly pid: number; readonly uptimeMs: number; readonly peers: number }
  /** Present when this device was revoked. */
  readonly revoked?: RevokedInfo
}

/** How a client renders a message body. */
export type BodyType = 'text' | 'markdown' | 'html'

/** `POST /v1/messages`: an end-to-end encrypted message (docs/protocol/schemas.md "message"). */
export interface SendRequest {
  /** Recipient users: contact names or user fingerprints (1..1,024). */
  readonly to: readonly string[]
  readonly body: string
  readonly type?: BodyType
  readonly subject?: string
  /** Id of the message this answers; the new message joins its conversation. */
  readonly replyTo?: string
  /** Time to live in ms from now; clients hide and nodes may drop the message after it. */
  readonly expiresInMs?: number
  /** Files uploaded first with {@link AttachmentApi.uploadBlob} (0..64). */
  readonly attachments?: readonly AttachmentRef[]
}

/**
 * One attachment of a message to send (docs/protocol/attachments.md): the blob an upload
 * stored, as {@link AttachmentApi.uploadBlob} returned it, plus the file's name and media type.
 */
export interface AttachmentRef {
  /** SHA-256 of the encrypted blob, 64 lowercase hex. */
  readonly hash: string
  /** Size of the encrypted blob in bytes. */
  readonly size: number
  /** The blob's 32-byte key, base64url. */
  readonly key: string
  /** File name (1..255 characters). */
  readonly name: string
  /** Media type (..255 characters). */
  readonly type?: string
}

/** What `POST /v1/blobs` stored: the encrypted blob's hash and size and its key. */
export interface UploadedBlob {
  readonly hash: string
  readonly size: number
  readonly key: string
}

/**
 * An attachment as messages show it (attachments.md §4). Never the key: the node decrypts
 * attachments itself.
 */
export interface AttachmentInfo {
  readonly name: string
  /** Size of the file (plaintext) in bytes. */
  readonly size: number
  readonly type: string | null
  /** SHA-256 of the encrypted blob. */
  readonly hash: string
  /** Whether this node holds the blob; until then it is being fetched from peers. */
  readonly available: boolean
}

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

/** An id of a published resource (`send`, `post`). */
export interface Published {
  readonly id: string
}

/**
 * State of a message. Received: `unread` or `read` (by this user). Sent: `sent` (no receipt
 * yet), `delivered` (every recipient's node holds it), `read` (every recipient read it).
 */
export type MessageState = 'sent' | 'delivered' | 'read' | 'unread'

/** One message as `inbox` and `show` return it. */
export interface Message {
  /** Id of the signed inner message resource (what `show`, `--reply-to` and receipts name). */
  readonly id: string
  /** Author user fingerprint. */
  readonly from: string
  /** Recipient user fingerprints. */
  readonly to: readonly string[]
  readonly subject: string | null
  readonly body: string
  readonly type: BodyType
  readonly created: string
  /** The conversation id: the first message's id for a thread root. */
  readonly conversation: string
  readonly replyTo: string | null
  readonly expires: string | null
  readonly state: MessageState
  /** `in`: received; `out`: sent by this user (from any of its devices). */
  readonly direction: 'in' | 'out'
  /** The message's files, when it has any (docs/protocol/attachments.md §4). */
  readonly attachments?: readonly AttachmentInfo[]
}

/** A receipt a recipient's node sent for a message (sender side). */
export interface ReceiptInfo {
  readonly user: string
  readonly status: 'delivered' | 'read'
  /** When the receipt was created. */
  readonly at: string
}

/** `show` of a message: the message and, for sent ones, who has it. */
export interface MessageDetail extends Message {
  readonly receipts: readonly ReceiptInfo[]
}

/** A public post. */
export interface Post {
  readonly id: string
  readonly from: string
  readonly body: string
  readonly type: 'text' | 'markdown'
  readonly subject: string | null
  readonly created: string
}

/**
 * The largest page each listing of the API returns (`?limit`, 1..max): declared once here and
 * read by the service, the request validator and the OpenAPI document (docs/api.md §2).
 */
export const API_PAGE_LIMITS = Object.freeze({
  /** `GET /v1/messages`, `GET /v1/posts`. */
  list: 1_000,
  /** `GET /v1/journal`. */
  journal: 10_000,
})

/** `GET /v1/messages`. */
export interface InboxQuery {
  /** Include sent messages. */
  readonly all?: boolean
  /** 1..1,000, default 100. */
  readonly limit?: number
}

/** `GET /v1/items/{id}`: any message or post the node holds. */
export type Shown = { readonly message: MessageDetail } | { readonly post: Post }

/** `POST /v1/posts`. */
export interface PostRequest {
  readonly body: string
  readonly type?: 'text' | 'markdown'
  readonly subject?: string
}

/** A contact (`contact list`): `mutual` once the contact's trust back has arrived. */
export interface Contact {
  readonly name: string
  readonly user: string
  readonly trust: string
  readonly added: string
  readonly status: 'mutual' | 'waiting'
}

/** `POST /v1/contacts`. */
export interface ContactAdded {
  readonly name: string
  readonly user: string
  readonly trust: string
  /** When it was added, ISO 8601. */
  readonly added: string
  /** How many of the contact's devices the invite listed. */
  readonly nodes: number
  /** The user was a contact already: the invite only refreshed their devices. */
  readonly refreshed?: boolean
  /**
   * The invite's identity replaces this contact's (a rotation, docs/protocol/keys.md §5): the
   * contact moved to it. `from` is the replaced identity; `kind` how it was proven.
   */
  readonly replaced?: { readonly from: string; readonly kind: 'key' | 'recovery' }
}

/** `DELETE /v1/contacts/{name}`. */
export interface ContactRemoved {
  readonly name: string
  readonly user: string
  readonly revokes: readonly string[]
}

/** One of the user's devices (`device list`). */
export interface Device {
  readonly node: string
  readonly name?: string
  readonly authorization: readonly string[]
  readonly status: 'active' | 'revoked' | 'expired' | 'pending'
  readonly self: boolean
  readonly trusts: readonly string[]
}

/** `POST /v1/devices`. */
export interface DeviceAuthorized {
  readonly node: string
  readonly name?: string
  readonly trust: string
  readonly authorization: readonly string[]
}

/** `DELETE /v1/devices/{node}`. */
export interface DeviceRevoked {
  readonly node: string
  readonly revokes: readonly string[]
}

/**
 * `POST /v1/identity/rotate` and `POST /v1/identity/recover`: the user identity was replaced
 * (docs/protocol/keys.md §5).
 */
export interface IdentityRotated {
  /** The new user identity. */
  readonly user: string
  /** The identity it replaces. */
  readonly previous: string
  /** `key`: proven by the old identity key; `recovery`: by the recovery words. */
  readonly kind: 'key' | 'recovery'
  /** Devices trusted by the new identity (this one included). */
  readonly devices: number
  /** Contacts trusted by the new identity. */
  readonly contacts: number
  /** After a recovery: the new recovery words, shown once (the old ones are spent). */
  readonly recoveryWords?: string
}

/** A peer of the running node (`sdmp peers`). */
export interface Peer {
  /** Peer node fingerprint, when known. */
  readonly node: string | null
  /** The peer's user, when connected. */
  readonly user: string | null
  /** `HOST:PORT` dialled, or null for an inbound-only peer. */
  readonly address: string | null
  readonly state: 'connected' | 'connecting' | 'backoff' | 'offline'
  readonly direction: 'inbound' | 'outbound' | null
  readonly lastError: string | null
  /** In backoff: when the next dial happens. */
  readonly nextAttempt: string | null
}

/** `POST /v1/sync`. */
export interface SyncRequest {
  /** Wait until every reachable peer is caught up (or `timeoutMs` passes). */
  readonly wait?: boolean
  /** Default 30,000. */
  readonly timeoutMs?: number
}

/** The outcome of `sync`. */
export interface SyncResult {
  /** True when every connected peer finished its sync round before the timeout. */
  readonly synced: boolean
  readonly peers: readonly Peer[]
}

/** One journal line. */
export interface JournalLine {
  readonly position: number
  readonly line: string
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
  inbox(query?: InboxQuery): Promise<{ readonly messages: readonly Message[] }>
  /** @throws NOT_FOUND when the node holds no message or post by that id */
  show(id: string): Promise<Shown>
  /** Mark a received message read (sends a `read` receipt once). */
  markRead(id: string): Promise<{ readonly message: MessageDetail }>
  post(request: PostRequest): Promise<Published>
  posts(query?: { readonly limit?: number }): Promise<{ readonly posts: readonly Post[] }>
  contacts(): Promise<{ readonly contacts: readonly Contact[] }>
  addContact(request: { readonly invite: string; readonly name?: string }): Promise<ContactAdded>
  removeContact(name: string): Promise<ContactRemoved>
  /**
   * A contact's invite as this node knows it: what the contact needs to recover a lost
   * identity (`sdmp identity recover`, docs/cli.md "Recovery and rotation").
   */
  contactInvite(name: string): Promise<{ readonly invite: string }>
  devices(): Promise<{ readonly devices: readonly Device[]; readonly revoked?: RevokedInfo }>
  authorizeDevice(request: {
    readonly request: string
    readonly hostOnly?: boolean
  }): Promise<DeviceAuthorized>
  revokeDevice(node: string): Promise<DeviceRevoked>
  /**
   * On a joined device: take the user's invite (made after `device authorize`), check that its
   * user trusts this node, store it and learn the user (docs/cli.md §5).
   */
  join(request: {
    readonly invite: string
  }): Promise<{ readonly user: string; readonly node: string }>
  invite(): Promise<{ readonly invite: string }>
  /** Replace the user identity key, proven by the old key (this device must hold it). */
  rotateIdentity(): Promise<IdentityRotated>
  /**
   * On a device made with `init --join`: replace a lost identity key with the recovery key of
   * `words`; `invite` is an invite of the old identity (docs/cli.md "Recovery").
   */
  recoverIdentity(request: {
    readonly invite: string
    readonly words: string
  }): Promise<IdentityRotated>
  peers(): Promise<{ readonly peers: readonly Peer[] }>
  sync(request?: SyncRequest): Promise<SyncResult>
  journal(query?: {
    readonly after?: number
    readonly limit?: number
  }): Promise<{ readonly lines: readonly JournalLine[] }>
}

/** The error document of every failed API call: `{"error":{"code","message"}}`. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string }
}
