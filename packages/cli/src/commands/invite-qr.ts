/**
 * The short invite as a terminal QR code (`sdmp invite --qr`, issue 15 item 6). Uses `qr`
 * (exact version in package.json): zero dependencies, by the author of the audited noble
 * libraries. Drawn with half blocks (two modules per character row), error correction L (the
 * smallest symbol for the text, so the biggest modules on screen) and a 2-module border: a
 * short invite (at most 400 characters) gives at most version 13 + border = 73 columns, inside
 * an 80-column terminal. Today's compact invite (about 1,100 characters) drew 117 columns.
 * @module
 */
import encodeQR from 'qr'
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** Widest drawing allowed: an 80-column terminal. */
export const QR_MAX_COLUMNS = 80

/**
 * The QR drawing of `text`, one string with a line per two module rows.
 * @throws LIMIT_EXCEEDED when the drawing would be wider than {@link QR_MAX_COLUMNS}
 */
export function inviteQr(text: string): string {
  const drawing = encodeQR(text, 'ascii', { ecc: 'low', border: 2 })
  const width = drawing.split('\n')[0]!.length
  if (width > QR_MAX_COLUMNS)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `invite: a QR code of ${text.length} characters is ${width} columns wide, more than ${QR_MAX_COLUMNS}; share it as text`,
    )
  return drawing
}
