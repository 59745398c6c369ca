/**
 * The compact invite as a terminal QR code (`sdmp invite --qr`, issue 5). Uses `qr` (exact
 * version in package.json): zero dependencies, by the author of the audited noble libraries.
 * @module
 */
import encodeQR from 'qr'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { QR_CAPACITY_BYTES, decodeInvite, encodeCompactInvite } from '@sdmp/daemon/account'

/**
 * The compact form of `invite` and, when `draw`, its QR code drawn with half-block characters
 * (two modules per character row, low error correction: the smallest symbol).
 * @throws LIMIT_EXCEEDED when even the compact invite is more than one QR code holds
 */
export function compactInviteQr(
  invite: string,
  draw: boolean,
): { compact: string; drawing: string } {
  const compact = encodeCompactInvite(decodeInvite(invite))
  if (compact.length > QR_CAPACITY_BYTES)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `invite: the compact invite has ${compact.length} characters, more than one QR code holds (${QR_CAPACITY_BYTES}); share it as text`,
    )
  const drawing = draw ? encodeQR(compact, 'ascii', { ecc: 'low', border: 2 }) : ''
  return { compact, drawing }
}
