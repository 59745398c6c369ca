/**
 * Signed-resource checks: for the identity and user resources, the identifier is SHA-512 of the
 * raw JSON (the rule the 0.12 example files follow, not the spec's formula) and every signature
 * is RSA PKCS#1 v1.5 SHA-512 over the payload string under the key its `kid` names; identities
 * are self-signed. Also the detached trust signature and the known-broken trust-resource.json.
 * docs/legacy.md §signatures.
 * @module
 */
import { CheckFailure, failCheck, stringAt } from './check.js'
import type { CheckSpec, VectorFiles } from './check.js'
import {
  decodeB64url,
  keyLabelForKid,
  pemBody,
  publicKeyOf,
  sha512b64url,
  short,
  EXAMPLE_KEYS,
} from './legacy-crypto.js'
import type { KeyLabel } from './legacy-crypto.js'
import { verifyRsaSha512 } from './rsa.js'

/** A signed example resource and who must have signed it. */
interface SignedResource {
  readonly label: string
  readonly file: string
  readonly signer: KeyLabel
  /** An identity must carry its signer's own key (self-signed, 0.12 core/identity). */
  readonly identity: boolean
}

const SIGNED: readonly SignedResource[] = [
  { label: 'bob-identity', file: 'bob-identity-signature.json', signer: 'bob', identity: true },
  { label: 'node-identity', file: 'node-identity-signature.json', signer: 'node', identity: true },
  { label: 'resource-user', file: 'resource-user-published.json', signer: 'node', identity: false },
]

const utf8 = new TextEncoder()

/** Legacy identifier rule: SHA-512 of the raw JSON bytes (the decoded payload). */
function checkIdentifier(doc: unknown, file: string): void {
  const payload = stringAt(doc, 'signature.payload', file)
  const identifier = stringAt(doc, 'signature.identifier', file)
  const raw = decodeB64url(payload, `${file}: signature.payload`)
  if (sha512b64url(raw) === identifier) return
  const spec =
    sha512b64url(payload) === identifier ? ' (it hashes the payload string, the spec formula)' : ''
  failCheck(
    `${file}: signature.identifier ${short(identifier)} is not SHA-512 of the raw JSON${spec}`,
  )
}

/** Every entry of signature.signatures verifies under its kid's key, which must be `signer`'s. */
function checkSignatures(f: VectorFiles, doc: unknown, file: string, signer: KeyLabel): void {
  const payload = stringAt(doc, 'signature.payload', file)
  const list = (doc as { signature?: { signatures?: unknown } }).signature?.signatures
  if (!Array.isArray(list) || list.length === 0)
    failCheck(`${file}: signature.signatures: expected a non-empty array`)
  list.forEach((_, i) => {
    const at = `signature.signatures.${i}`
    const header = decodeB64url(stringAt(doc, `${at}.protected`, file), `${file}: ${at}.protected`)
    let parsed: unknown
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(header))
    } catch {
      failCheck(`${file}: ${at}.protected does not decode to JSON`)
    }
    // 0.12 writes "HS512" for what is really RS512; it is the documented value, so require it.
    const alg = stringAt(parsed, 'alg', `${file} ${at}.protected`)
    if (alg !== 'HS512')
      failCheck(`${file}: ${at}.protected alg is ${JSON.stringify(alg)}, 0.12 uses "HS512"`)
    const kid = stringAt(parsed, 'kid', `${file} ${at}.protected`)
    const label =
      keyLabelForKid(f, kid) ?? failCheck(`${file}: kid ${short(kid)} matches no example key`)
    if (label !== signer) failCheck(`${file}: signed by ${label}'s key, expected ${signer}`)
    const signature = decodeB64url(
      stringAt(doc, `${at}.signature`, file),
      `${file}: ${at}.signature`,
    )
    if (!verifyRsaSha512(publicKeyOf(f, label), utf8.encode(payload), signature))
      failCheck(
        `${file}: ${at} does not verify under ${label}'s key (RSA PKCS#1 v1.5 SHA-512 over the payload)`,
      )
  })
}

/** identity.key inside the payload is the signer's own key body. */
function checkSelfSigned(f: VectorFiles, doc: unknown, file: string, signer: KeyLabel): void {
  const raw = decodeB64url(stringAt(doc, 'signature.payload', file), `${file}: signature.payload`)
  let inner: unknown
  try {
    inner = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw))
  } catch {
    failCheck(`${file}: signature.payload does not decode to JSON`)
  }
  const key = stringAt(inner, 'identity.key', `${file} payload`)
  const spec = EXAMPLE_KEYS.find((k) => k.label === signer)!
  if (pemBody(key) !== pemBody(f.text(spec.publicPem)))
    failCheck(`${file}: identity.key is not ${signer}'s key, the identity is not self-signed`)
}

const identifierCheck = (r: SignedResource): CheckSpec => ({
  name: `identifier ${r.label}`,
  file: r.file,
  run: (f) => checkIdentifier(f.json(r.file), r.file),
})

const signatureCheck = (r: SignedResource): CheckSpec => ({
  name: `signature ${r.label}`,
  file: r.file,
  run(f) {
    const doc = f.json(r.file)
    checkSignatures(f, doc, r.file, r.signer)
    if (r.identity) checkSelfSigned(f, doc, r.file, r.signer)
  },
})

const trustSignature: CheckSpec = {
  name: 'signature trust',
  file: 'trust-container-signature.encoded',
  run(f) {
    const sig = decodeB64url(
      f.text('trust-container-signature.encoded'),
      'trust-container-signature.encoded',
    )
    if (!verifyRsaSha512(publicKeyOf(f, 'bob'), f.bytes('trust-container.encoded'), sig))
      failCheck(
        "does not verify over trust-container.encoded under bob's key (RSA PKCS#1 v1.5 SHA-512)",
      )
  },
}

/** The documented defect: `"resource":{"user":}`, a key with no value (notes §11). */
const TRUST_RESOURCE_DEFECT = /not valid JSON at offset \d+: "user":}$/

const trustResource: CheckSpec = {
  name: 'container trust-resource',
  file: 'trust-resource.json',
  run(f) {
    let doc: unknown
    try {
      doc = f.json('trust-resource.json')
    } catch (e) {
      if (e instanceof CheckFailure && TRUST_RESOURCE_DEFECT.test(e.message))
        throw new CheckFailure(
          `${e.message} (known defect of the 0.12 example: "user" has no value)`,
          true,
        )
      throw e
    }
    // A repaired file is checked like the other signed resources: Bob signs the trust.
    if (
      stringAt(doc, 'signature.payload', 'trust-resource.json') !==
      f.text('trust-container.encoded')
    )
      failCheck('signature.payload is not the content of trust-container.encoded')
    checkIdentifier(doc, 'trust-resource.json')
    checkSignatures(f, doc, 'trust-resource.json', 'bob')
  },
}

/** Every signature check, in report order. */
export const SIGNED_CHECKS: readonly CheckSpec[] = [
  ...SIGNED.map(identifierCheck),
  ...SIGNED.map(signatureCheck),
  trustSignature,
  trustResource,
]
