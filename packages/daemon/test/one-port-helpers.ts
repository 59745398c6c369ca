/**
 * Helpers of the one-port tests: WebSocket clients that report how the daemon closed or refused
 * them (the reverse proxy is `startHttpProxy` of @sdmp/testkit).
 * @module
 */
import { WebSocket } from 'ws'

/** Open a WebSocket (no Origin header, as a node dials). */
export function wsOpen(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Open, do `act`, and resolve with the close code the server sent. */
export async function wsClose(
  url: string,
  act: (ws: WebSocket) => void,
): Promise<{ code: number }> {
  const ws = await wsOpen(url)
  ws.on('error', () => {}) // a close the server forces may also surface as an error
  const closed = new Promise<{ code: number }>((resolve) =>
    ws.once('close', (code) => resolve({ code })),
  )
  act(ws)
  return closed
}

/** Try an upgrade that the server refuses with an HTTP status; resolve with that status. */
export function wsRefusal(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      ws.terminate()
    })
    ws.once('open', () => reject(new Error('upgrade accepted')))
    ws.on('error', () => {})
  })
}
