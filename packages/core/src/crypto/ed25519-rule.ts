/**
 * The profile's one Ed25519 validity rule (docs/protocol/keys.md §3). Every preset runs these
 * checks before its backend verifies, so that all nodes accept exactly the same signatures.
 * TODO(#2): crypto helper pins the full rule against vectors/cctv-ed25519.
 * @module
 */

/** Cheap structural checks shared by every preset: lengths only for now. */
export function isValidEd25519Input(signature: Uint8Array, publicKey: Uint8Array): boolean {
  return (
    signature instanceof Uint8Array &&
    publicKey instanceof Uint8Array &&
    signature.length === 64 &&
    publicKey.length === 32
  )
}
