/**
 * Shared by the conformance tests: the three presets under test and a loader for the published
 * vectors in ../shared/vectors (the test process runs from the project root).
 * @module
 */
import { readFileSync } from 'node:fs'
import { createNobleProvider } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { createNodeProvider } from '../src/index.js'

/** Every preset sdmp ships; each conformance test runs once per entry. */
export const PRESETS: readonly { label: string; create: () => CryptoProvider }[] = [
  { label: 'noble', create: () => createNobleProvider() },
  {
    label: 'node-openssl',
    create: () =>
      createNodeProvider({
        ed25519Backend: 'openssl',
        x25519Backend: 'openssl',
        aeadBackend: 'openssl',
      }),
  },
  {
    label: 'node-sodium',
    create: () =>
      createNodeProvider({
        ed25519Backend: 'sodium',
        x25519Backend: 'sodium',
        aeadBackend: 'sodium',
      }),
  },
]

/** Parse a JSON vector file under ../shared/vectors. */
export function loadVectors<T>(path: string): T {
  return JSON.parse(readFileSync(`../shared/vectors/${path}`, 'utf8')) as T
}

/** Hex to bytes (vectors only; product code uses @sdmp/core's fromHex). */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'))
}

/** Bytes to lowercase hex, for readable assertion messages. */
export function toHexString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** The common shape of a Wycheproof file. */
export interface WycheproofFile<G> {
  algorithm: string
  testGroups: (G & { tests: WycheproofTest[] })[]
}

/** Fields every Wycheproof test has; the rest depend on the schema. */
export interface WycheproofTest {
  tcId: number
  comment?: string
  flags: string[]
  result: 'valid' | 'invalid' | 'acceptable'
  [field: string]: unknown
}

/** A test's string field (all Wycheproof byte fields are hex strings). */
export function field(test: WycheproofTest, name: string): string {
  const v = test[name]
  if (typeof v !== 'string') throw new Error(`tcId ${test.tcId}: field ${name} is not a string`)
  return v
}
