/**
 * TCP binding (docs/protocol/transport.md §9): a node:net socket as a {@link Duplex}, a listener
 * on host:port and a dialler. Nagle is off on both ends (`setNoDelay`): small frames would
 * otherwise wait for delayed ACKs (~40 ms stalls).
 * @module
 */
import { createServer, connect as netConnect } from 'node:net'
import type { Server, Socket } from 'node:net'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { secureChannel } from './channel.js'
import type { SecureChannel, SecureChannelOptions } from './channel-types.js'
import type { Duplex } from './duplex.js'
import { createListener } from './listener.js'
import type { Listener, ListenerOptions } from './listener.js'

/** After `end()`, a peer that never closes its side is dropped after this many ms. */
const END_GRACE_MS = 2000
/** Frames up to this size are coalesced per tick (measured: +30% at 1 KiB, -35% at 64 KiB). */
const CORK_MAX_BYTES = 4096

/** Wrap a connected socket as a Duplex. */
export function socketDuplex(socket: Socket): Duplex {
  socket.setNoDelay(true)
  let ended = false
  let corked = false
  return {
    remoteAddress: socket.remoteAddress ?? 'unknown',
    attach(h) {
      const end = () => {
        if (ended) return
        ended = true
        h.end()
      }
      socket.on('data', (chunk: Buffer) => h.data(chunk))
      socket.on('end', end)
      socket.on('close', end)
      socket.on('error', (error) => h.error(error))
      socket.on('drain', () => h.drain())
    },
    write(chunk) {
      if (socket.destroyed) return false
      // Coalesce small frames written in one synchronous run into one syscall (writev). The
      // uncork is a microtask, not a nextTick: nextTick waits until the whole microtask queue
      // has drained, and a node that pushes a message then signs, indexes and answers in one
      // promise chain held the frame for ~2 ms (docs/load.md §5 "Tenth pass"). Large frames
      // go straight out: corking them measured slower.
      if (!corked && chunk.length <= CORK_MAX_BYTES) {
        corked = true
        socket.cork()
        queueMicrotask(() => {
          corked = false
          socket.uncork()
        })
      }
      return socket.write(chunk)
    },
    end() {
      socket.end()
      setTimeout(() => socket.destroy(), END_GRACE_MS).unref()
    },
    destroy: () => void socket.destroy(),
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
  }
}

/** A TCP listener and the address it actually bound. */
export interface TcpListener {
  readonly host: string
  readonly port: number
  readonly listener: Listener
  readonly server: Server
  /** Stop accepting, close open channels (orderly) and the server. */
  close(): Promise<void>
}

/**
 * Listen for peers on TCP. Use port 0 to let the OS pick; read `.port` back.
 * @throws (rejects) UNAVAILABLE when the address cannot be bound
 * @example
 * const server = await listenTcp({ host: '127.0.0.1', port: 0 }, { ...options, onChannel })
 */
export function listenTcp(
  address: { host: string; port: number },
  options: ListenerOptions,
): Promise<TcpListener> {
  const listener = createListener(options)
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {}) // reported through the channel; never an uncaught 'error'
    listener.accept(socketDuplex(socket))
  })
  return new Promise((resolve, reject) => {
    server.once('error', (cause) =>
      reject(new ProtocolError(ErrorCode.UNAVAILABLE, 'tcp: cannot listen', { cause })),
    )
    server.listen(address.port, address.host, () => {
      const bound = server.address()
      if (bound === null || typeof bound === 'string') throw new Error('tcp: no bound address')
      resolve({
        host: bound.address,
        port: bound.port,
        listener,
        server,
        async close() {
          await listener.close()
          for (const s of sockets) s.destroy()
          await new Promise<void>((r) => server.close(() => r()))
        },
      })
    })
  })
}

/**
 * Dial a peer over TCP and run the initiator side of the channel.
 * @throws (rejects) UNAVAILABLE when the connection fails, and every code of secureChannel
 */
export function connectTcp(
  address: { host: string; port: number },
  options: Omit<SecureChannelOptions, 'role'>,
): Promise<SecureChannel> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = netConnect({ host: address.host, port: address.port })
    const onError = (cause: Error) =>
      reject(new ProtocolError(ErrorCode.UNAVAILABLE, 'tcp: cannot connect', { cause }))
    socket.once('error', onError)
    socket.once('connect', () => {
      socket.off('error', onError)
      socket.on('error', () => {}) // reported through the channel
      resolve(socket)
    })
  }).then((socket) => secureChannel(socketDuplex(socket), { ...options, role: 'initiator' }))
}
