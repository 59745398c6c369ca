/**
 * Encrypted-resource checks: both RSA PKCS#1 v1.5 wrapped AES keys unwrap to
 * resource-node-aes256.key, the AES-256-CBC ciphertext decrypts to resource-node.json, the
 * `encrypted` container holds exactly those parts, and each recipient can open the container
 * by trial decryption as 0.12 describes. Offline only (see rsa.ts). docs/legacy.md §encryption.
 * @module
 */
import { createDecipheriv } from 'node:crypto'
import { failCheck, firstDifference, stringAt } from './check.js'
import type { CheckSpec, VectorFiles } from './check.js'
import { decodeB64url, privateKeyOf } from './legacy-crypto.js'
import type { KeyLabel } from './legacy-crypto.js'
import { unwrapPkcs1v15 } from './rsa.js'

const KEY_FILE = 'resource-node-aes256.key'
const IV_FILE = 'resource-node-iv.key'
const PLAINTEXT = 'resource-node.json'
const CIPHERTEXT = 'resource-node.json.encrypted'
const CONTAINER = 'resource-node-encrypted.json'

/** Who each wrapped key is for: the recipient's private key label. */
const WRAPPED: readonly { readonly file: string; readonly recipient: KeyLabel }[] = [
  { file: 'resource-node-aes256-alice.key.encrypted', recipient: 'alice' },
  { file: 'resource-node-aes256-node.key.encrypted', recipient: 'alice-node' },
]

/** AES-256-CBC with PKCS#7 padding, as `openssl enc` wrote it; null when the padding is bad. */
function decryptCbc(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  try {
    const d = createDecipheriv('aes-256-cbc', key, iv)
    return new Uint8Array(Buffer.concat([d.update(ciphertext), d.final()]))
  } catch {
    return null
  }
}

function exactBytes(f: VectorFiles, file: string, length: number): Uint8Array {
  const bytes = f.bytes(file)
  if (bytes.length !== length) failCheck(`${file}: expected ${length} bytes, got ${bytes.length}`)
  return bytes
}

const unwrapCheck = (w: (typeof WRAPPED)[number]): CheckSpec => ({
  name: `unwrap aes key for ${w.recipient}`,
  file: w.file,
  run(f) {
    const key = unwrapPkcs1v15(privateKeyOf(f, w.recipient), f.bytes(w.file), 32)
    if (key === null)
      failCheck(`does not unwrap under ${w.recipient}'s key (RSA PKCS#1 v1.5 type 2)`)
    if (firstDifference(key, exactBytes(f, KEY_FILE, 32)) >= 0)
      failCheck(`unwraps to a key that is not ${KEY_FILE}`)
  },
})

const decryptCheck: CheckSpec = {
  name: 'decrypt resource-node',
  file: CIPHERTEXT,
  run(f) {
    const plain = decryptCbc(
      exactBytes(f, KEY_FILE, 32),
      exactBytes(f, IV_FILE, 16),
      f.bytes(CIPHERTEXT),
    )
    if (plain === null) failCheck(`does not decrypt under ${KEY_FILE} (AES-256-CBC, bad padding)`)
    const at = firstDifference(plain, f.bytes(PLAINTEXT))
    if (at >= 0) failCheck(`decrypts to bytes that differ from ${PLAINTEXT} at byte ${at}`)
  },
}

/** The container's parts as base64url strings, checked for shape. */
function containerParts(f: VectorFiles): { iv: string; payload: string; keys: string[] } {
  const doc = f.json(CONTAINER)
  const recipients = (doc as { encrypted?: { recipients?: unknown } }).encrypted?.recipients
  if (!Array.isArray(recipients) || recipients.length === 0)
    failCheck(`${CONTAINER}: encrypted.recipients: expected a non-empty array`)
  return {
    iv: stringAt(doc, 'encrypted.iv', CONTAINER),
    payload: stringAt(doc, 'encrypted.payload', CONTAINER),
    keys: recipients.map((_, i) => stringAt(doc, `encrypted.recipients.${i}.key`, CONTAINER)),
  }
}

const containerCheck: CheckSpec = {
  name: 'container resource-node-encrypted',
  file: CONTAINER,
  run(f) {
    const c = containerParts(f)
    if (c.iv !== Buffer.from(exactBytes(f, IV_FILE, 16)).toString('base64url'))
      failCheck(`encrypted.iv is not base64url of ${IV_FILE}`)
    if (c.payload !== f.text(`${CIPHERTEXT}.encoded`))
      failCheck(`encrypted.payload is not the content of ${CIPHERTEXT}.encoded`)
    if (c.keys.length !== WRAPPED.length)
      failCheck(`encrypted.recipients has ${c.keys.length} entries, expected ${WRAPPED.length}`)
    // Recipients are unlabelled (0.12 core/encrypted), so order is not significant.
    for (const w of WRAPPED)
      if (!c.keys.includes(f.text(`${w.file}.encoded`)))
        failCheck(`encrypted.recipients holds no entry equal to ${w.file}.encoded`)
  },
}

/** Open the container as 0.12 says a recipient does: trial-unwrap each key, then decrypt. */
const openCheck = (recipient: KeyLabel): CheckSpec => ({
  name: `open resource-node-encrypted as ${recipient}`,
  file: CONTAINER,
  run(f) {
    const c = containerParts(f)
    const priv = privateKeyOf(f, recipient)
    const iv = decodeB64url(c.iv, `${CONTAINER}: encrypted.iv`)
    if (iv.length !== 16)
      failCheck(`${CONTAINER}: encrypted.iv: expected 16 bytes, got ${iv.length}`)
    const payload = decodeB64url(c.payload, `${CONTAINER}: encrypted.payload`)
    for (const [i, k] of c.keys.entries()) {
      const key = unwrapPkcs1v15(
        priv,
        decodeB64url(k, `${CONTAINER}: encrypted.recipients.${i}.key`),
        32,
      )
      if (key === null) continue
      const plain = decryptCbc(key, iv, payload)
      if (plain === null) failCheck(`recipient ${i} unwraps but the payload does not decrypt`)
      if (firstDifference(plain, f.bytes(PLAINTEXT)) >= 0)
        failCheck(`recipient ${i} opens to bytes that are not ${PLAINTEXT}`)
      return
    }
    failCheck(`no recipient key unwraps under ${recipient}'s key`)
  },
})

/** Every encryption check, in report order. */
export const ENCRYPTED_CHECKS: readonly CheckSpec[] = [
  ...WRAPPED.map(unwrapCheck),
  decryptCheck,
  containerCheck,
  ...WRAPPED.map((w) => openCheck(w.recipient)),
]
