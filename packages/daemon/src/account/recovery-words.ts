/**
 * Recovery words (docs/protocol/keys.md §4, docs/cli.md "Recovery"): the recovery key is an
 * Ed25519 key whose 32-byte seed is shown once as 24 BIP-39 English words (`@scure/bip39`, the
 * audited implementation of the standard word list and checksum) and never stored. The words
 * are the seed itself (BIP-39 entropy), not a BIP-39 PBKDF2 seed: nothing else derives from
 * them, and a typo is caught by the checksum before any key is made.
 * @module
 */
import { entropyToMnemonic, mnemonicToEntropy, validateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { ErrorCode, ProtocolError, signingKeyFromSeed } from '@sdmp/core'
import type { CryptoProvider, SigningKey } from '@sdmp/core'

/** Number of recovery words (256 bits of entropy and an 8-bit checksum). */
export const RECOVERY_WORD_COUNT = 24

/** A new recovery key and its words. */
export function newRecoveryKey(provider: CryptoProvider): { key: SigningKey; words: string } {
  const seed = provider.randomBytes(32)
  return { key: signingKeyFromSeed(provider, seed), words: entropyToMnemonic(seed, wordlist) }
}

/**
 * The recovery key of typed words: case, extra spaces, line breaks and the numbers `init`
 * prints before each word do not matter.
 * @throws BAD_REQUEST when the words are not 24 words of the list with a valid checksum (the
 *   message never repeats the words)
 */
export function recoveryKeyFromWords(provider: CryptoProvider, typed: string): SigningKey {
  // Numbers as `init` prints them (`1 coil 2 measure ...`, `1. coil`) are not words.
  const words = typed
    .trim()
    .toLowerCase()
    .split(/\s+/u)
    .filter((w) => !/^[0-9]{1,2}[.):]?$/u.test(w))
  const unknown = words.findIndex((w) => !wordlist.includes(w))
  if (words.length !== RECOVERY_WORD_COUNT)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `recovery words: expected ${RECOVERY_WORD_COUNT} words, got ${words[0] === '' ? 0 : words.length}`,
    )
  if (unknown >= 0)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `recovery words: word ${unknown + 1} is not a recovery word: check its spelling`,
    )
  const phrase = words.join(' ')
  if (!validateMnemonic(phrase, wordlist))
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'recovery words: the checksum does not match: check the order of the words',
    )
  return signingKeyFromSeed(provider, mnemonicToEntropy(phrase, wordlist))
}
