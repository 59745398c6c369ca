/**
 * Node A of the end-to-end sync bench, run as a worker thread: builds a SQLite node holding
 * `count` signed posts, listens on TCP loopback, and publishes one post per `publish` message
 * (reporting the time it started, for the latency figure).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { listenTcp } from '@sdmp/transport'
import { NODE_A, channelOptions, openNode, postOf, userResources } from './sync-node.js'

const port = parentPort!
const { count } = workerData as { count: number }
const dir = mkdtempSync(join(tmpdir(), 'sdmp-bench-a-'))
const { published, trustA } = userResources()
const node = await openNode(
  dir,
  NODE_A,
  trustA.id,
  published.map((r) => r.bytes),
)
const post = (i: number) => postOf(i, trustA)
for (let i = 0; i < count; i += 1000) {
  const batch = []
  for (let j = i; j < Math.min(count, i + 1000); j++) batch.push(post(j).bytes)
  await node.ingestor.ingest(batch)
}
const server = await listenTcp(
  { host: '127.0.0.1', port: 0 },
  {
    ...channelOptions(NODE_A, node),
    onChannel: (channel) => node.engine.attach(channel, 'responder'),
  },
)
let next = count
port.on('message', async (m: { type: string }) => {
  if (m.type === 'publish') {
    const r = post(next++)
    const t0 = performance.timeOrigin + performance.now()
    await node.ingestor.ingest([r.bytes])
    port.postMessage({ type: 'published', id: r.id, t0 })
  } else if (m.type === 'close') {
    await server.close()
    await node.close()
    rmSync(dir, { recursive: true, force: true })
    port.postMessage({ type: 'closed' })
    port.close()
  }
})
port.postMessage({
  type: 'ready',
  port: server.port,
  published: published.map((r) => r.bytes),
  trust: trustA.id,
})
