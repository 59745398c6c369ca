/**
 * Prosody (XMPP, Debian package `prosody`) as the peer baseline of prosody.bench.ts (issue 14
 * item 4, docs/load.md §4): installed when missing and possible, then run in the foreground on a
 * temporary directory with its own configuration (c2s with direct TLS on a free 127.0.0.1 port, a
 * self-signed certificate made with openssl, two accounts, memory storage for everything but the
 * accounts, no s2s, log in the temp dir). Never the system service.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { join } from 'node:path'
import { waitFor } from '@sdmp/testkit'
import { track } from './children.js'

/** The XMPP domain of the temporary server; the certificate is issued for it. */
export const PROSODY_DOMAIN = 'localhost'

/** Whether Prosody can run here: the binaries, or why not (shown in the bench table). */
export type ProsodyAvailability = { ok: true } | { ok: false; reason: string }

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0

/** The last lines of a command's output, for a reason that fits in a table cell. */
const tail = (text: string) => text.trim().split('\n').slice(-2).join(' / ').slice(0, 200)

/**
 * Make `prosody` and `prosodyctl` available: present already, or `apt-get install -y prosody`
 * when running as root with apt. The install runs with a policy-rc.d (`POLICYRCD`, honoured by
 * invoke-rc.d) that refuses to start services, so installing does not start the system daemon.
 * @param dir a scratch directory for that policy script
 */
export function ensureProsody(dir: string, log: (m: string) => void): ProsodyAvailability {
  if (!has('openssl')) return { ok: false, reason: 'openssl (for the TLS certificate) not found' }
  if (has('prosody') && has('prosodyctl')) return { ok: true }
  if (process.getuid?.() !== 0)
    return { ok: false, reason: 'prosody is not installed and installing it needs root' }
  if (!has('apt-get'))
    return { ok: false, reason: 'prosody is not installed and apt-get is missing' }
  const policy = join(dir, 'policy-rc.d')
  writeFileSync(policy, '#!/bin/sh\nexit 101\n')
  chmodSync(policy, 0o755)
  log('prosody: apt-get install -y prosody')
  const r = spawnSync('apt-get', ['install', '-y', 'prosody'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', POLICYRCD: policy },
    encoding: 'utf8',
    timeout: 600_000,
  })
  if (r.status !== 0)
    return { ok: false, reason: `apt-get install prosody failed: ${tail(r.stderr || r.stdout)}` }
  if (!has('prosody') || !has('prosodyctl'))
    return { ok: false, reason: 'apt-get installed prosody but its binaries are not on PATH' }
  return { ok: true }
}

/** Where a generated configuration puts things. */
export interface ProsodyLayout {
  readonly dir: string
  readonly port: number
}

/**
 * The configuration file of the temporary server (Lua). Only what c2s chat needs: roster and
 * disco (clients ask), saslauth (login), tls. No s2s, no mod_limits (its default rate limit
 * would measure the limit), no offline storage, no archive, no posix daemonizing.
 */
export function prosodyConfig({ dir, port }: ProsodyLayout): string {
  const q = (s: string) => JSON.stringify(s) // a Lua string literal for a plain path
  return [
    `pidfile = ${q(join(dir, 'prosody.pid'))}`,
    `data_path = ${q(join(dir, 'data'))}`,
    'plugin_paths = { }',
    'admins = { }',
    'run_as_root = true',
    'modules_enabled = { "roster"; "saslauth"; "tls"; "disco" }',
    'modules_disabled = { "s2s" }',
    'interfaces = { "127.0.0.1" }',
    'c2s_ports = { }',
    `c2s_direct_tls_ports = { ${port} }`,
    's2s_ports = { }',
    'c2s_require_encryption = true',
    'authentication = "internal_plain"',
    // Accounts are written by prosodyctl before the server starts, so they need files; every
    // other store (rosters, offline, archives) lives in memory.
    'default_storage = "memory"',
    'storage = { accounts = "internal" }',
    `certificates = ${q(join(dir, 'certs'))}`,
    `log = { warn = ${q(join(dir, 'prosody.log'))} }`,
    `VirtualHost ${q(PROSODY_DOMAIN)}`,
    '',
  ].join('\n')
}

/** A free TCP port on 127.0.0.1 (bound to 0, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}

/** A running temporary Prosody. */
export interface ProsodyProc {
  readonly pid: number
  readonly port: number
  /** The self-signed certificate (PEM) the clients pin as their only CA. */
  readonly cert: string
  readonly users: readonly { username: string; password: string }[]
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>
}

/**
 * Generate the certificate and configuration under `dir`, register `alice` and `bob`, start
 * `prosody -F --config` and wait until its port accepts connections.
 */
export async function startProsody(dir: string): Promise<ProsodyProc> {
  const port = await freePort()
  const config = join(dir, 'prosody.cfg.lua')
  const certs = join(dir, 'certs')
  mkdirSync(join(dir, 'data'), { recursive: true })
  mkdirSync(certs, { recursive: true })
  const key = join(certs, `${PROSODY_DOMAIN}.key`)
  const crt = join(certs, `${PROSODY_DOMAIN}.crt`)
  const ssl = spawnSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${PROSODY_DOMAIN}`],
      ...['-addext', `subjectAltName=DNS:${PROSODY_DOMAIN}`],
    ],
    { encoding: 'utf8' },
  )
  if (ssl.status !== 0) throw new Error(`openssl req failed: ${tail(ssl.stderr)}`)
  writeFileSync(config, prosodyConfig({ dir, port }))
  const users = [
    { username: 'alice', password: 'alice-bench-password' },
    { username: 'bob', password: 'bob-bench-password' },
  ]
  for (const u of users) {
    const r = spawnSync(
      'prosodyctl',
      ['--config', config, 'register', u.username, PROSODY_DOMAIN, u.password],
      { encoding: 'utf8' },
    )
    if (r.status !== 0) throw new Error(`prosodyctl register failed: ${tail(r.stderr || r.stdout)}`)
  }
  const proc: ChildProcess = track(
    spawn('prosody', ['-F', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] }),
  )
  let out = ''
  const keep = (d: Buffer) => (out = (out + d.toString('utf8')).slice(-4000))
  proc.stdout!.on('data', keep)
  proc.stderr!.on('data', keep)
  const exited = new Promise<void>((r) => proc.on('exit', () => r()))
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
    await exited
  }
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`prosody exited ${proc.exitCode}: ${out}`)
        return accepts(port)
      },
      { timeout: 30_000, interval: 50, what: 'prosody to listen' },
    )
  } catch (e) {
    await stop()
    const log = readFileSync(join(dir, 'prosody.log'), { encoding: 'utf8', flag: 'a+' })
    throw new Error(`${(e as Error).message}; log: ${tail(log)}`)
  }
  return { pid: proc.pid!, port, cert: readFileSync(crt, 'utf8'), users, stop }
}

/** Whether 127.0.0.1:`port` accepts a TCP connection (closed at once). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('connect', () => (socket.destroy(), resolve(true)))
    socket.on('error', () => resolve(false))
  })
}
