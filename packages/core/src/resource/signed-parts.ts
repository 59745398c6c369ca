/**
 * The compact form of each resource {@link signResource} built, made from its parts as it
 * signed (compact.ts `encodeSigned`), for the compact encoder to hand out instead of encoding the
 * JSON text again: every resource a node signs is encoded (the inner message of each envelope it
 * seals, the envelope it stores, each control message it sends), and encoding the text means
 * parsing what was just written, decoding the payload and hashing it for the derived identifier
 * (docs/load.md §5 "Eighth pass"). Keyed by the `bytes` object signResource returned, so bytes
 * from anywhere else, even equal ones, take the general path; each form is handed out once.
 *
 * A form, not the parts: a WeakMap whose values held the parsed container cost ~10 us per
 * signature in young-generation collections (they trace every live entry's value graph); one
 * byte array per entry costs nothing measurable.
 * @module
 */

const forms = new WeakMap<Uint8Array, Uint8Array>()

/** Remember the compact form of the bytes signResource returns. */
export function rememberCompact(bytes: Uint8Array, compact: Uint8Array): void {
  forms.set(bytes, compact)
}

/** The compact form of `bytes` if signResource made them here and nobody took it yet. */
export function takeCompact(bytes: Uint8Array): Uint8Array | undefined {
  const compact = forms.get(bytes)
  if (compact !== undefined) forms.delete(bytes)
  return compact
}
