/**
 * The QR code of an invite (`qr`, the library `sdmp invite --qr` uses: zero dependencies,
 * browser-safe), drawn on a canvas: dark modules on white whatever the colour scheme, with a
 * quiet zone, low error correction (the smallest symbol, as the CLI draws it).
 * @module
 */
import encodeQR from 'qr'
import { h } from '../dom.js'

/** What one QR code holds in byte mode (version 40, error correction L, ISO/IEC 18004). */
export const QR_CAPACITY_BYTES = 2953

/** About this many CSS pixels wide, whatever the symbol's size. */
const TARGET_PX = 300

/** A canvas showing `text` as a QR code, or null when it is more than one QR code holds. */
export function qrCanvas(text: string, label: string): HTMLCanvasElement | null {
  if (new TextEncoder().encode(text).length > QR_CAPACITY_BYTES) return null
  const modules = encodeQR(text, 'raw', { ecc: 'low', border: 2 })
  const scale = Math.max(2, Math.ceil(TARGET_PX / modules.length))
  const size = modules.length * scale
  const canvas = h('canvas', { class: 'qr', width: size, height: size, role: 'img' })
  canvas.setAttribute('aria-label', label)
  const g = canvas.getContext('2d')
  if (g === null) return null
  g.fillStyle = '#ffffff'
  g.fillRect(0, 0, size, size)
  g.fillStyle = '#000000'
  for (const [y, row] of modules.entries())
    for (const [x, dark] of row.entries()) if (dark) g.fillRect(x * scale, y * scale, scale, scale)
  return canvas
}
