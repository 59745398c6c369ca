/**
 * Parent side of the kill -9 tests: spawn the child node script, follow its `ack`/`count`
 * lines, SIGKILL it when a condition on its output holds (no sleeps), and inspect its store
 * from the parent process once it is gone (docs/faults.md).
 * @module
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { SqliteStore } from '@sdmp/store-sqlite'
import { waitFor } from '@sdmp/testkit'
import { provider, verifiedJournalIds } from '@sdmp/testkit/node-world'
import type { PeerAddress } from '../../src/index.js'

/** What the child node is told (JSON in argv). Bytes are base64url. */
export interface ChildSpec {
  readonly dir: string
  /** The child node's 32-byte Ed25519 seed. */
  readonly nodeSeed: string
  /** The child's user fingerprint. */
  readonly user: string
  /** The trust resource authorizing the child node. */
  readonly trust: string
  /** Resources to ingest first (identities and trusts of both users). */
  readonly introduce: readonly string[]
  /** The parent's node to dial. */
  readonly peer: PeerAddress
  /** Publish this many posts of its own, `concurrency` at a time. */
  readonly publish?: {
    readonly count: number
    readonly concurrency: number
    readonly bodyBytes: number
  }
  /** Distinguishes the posts of one run from another's. */
  readonly runTag: string
}

const SCRIPT = fileURLToPath(new URL('./child-node.js', import.meta.url))

/** A running child node and what it has printed. */
export class Child {
  readonly proc: ChildProcess
  /** Every id the child acknowledged (durably committed), over this run. */
  readonly acked: string[] = []
  /** Its resource count as last reported. */
  count = -1
  ready = false
  done = false
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  #stderr = ''

  constructor(spec: ChildSpec) {
    this.proc = spawn(process.execPath, [SCRIPT, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code, signal) => resolve({ code, signal })),
    )
    this.proc.stderr!.on('data', (c: Buffer) => (this.#stderr += c.toString()))
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      const [word, arg] = line.split(' ')
      if (word === 'ack') this.acked.push(arg!)
      else if (word === 'count') this.count = Number(arg)
      else if (word === 'ready') this.ready = true
      else if (word === 'done') this.done = true
    })
  }

  /** What the child wrote to stderr (for failure messages). */
  get stderr(): string {
    return this.#stderr
  }

  /** Wait until `check` holds on the child's output; fail early if the child died. */
  async until(check: (c: Child) => boolean, what: string, timeout = 20_000): Promise<void> {
    await waitFor(
      () => {
        if (this.proc.exitCode !== null || this.proc.signalCode !== null)
          throw new Error(`child exited while waiting for ${what}: ${this.#stderr}`)
        return check(this)
      },
      { what, timeout, interval: 2 },
    )
  }

  /** SIGKILL now, and wait for the process to be gone. */
  async kill9(): Promise<void> {
    this.proc.kill('SIGKILL')
    const { signal } = await this.exited
    if (signal !== 'SIGKILL') throw new Error(`child ended with ${signal}, not SIGKILL`)
  }

  /** SIGTERM (clean shutdown) and wait for exit code 0. */
  async stop(): Promise<void> {
    this.proc.kill('SIGTERM')
    const { code } = await this.exited
    if (code !== 0) throw new Error(`child exited with ${code}: ${this.#stderr}`)
  }
}

/** What the parent found in a store after the child was gone. */
export interface StoreCheck {
  /** Resource ids in journal order (the journal verified as one chain). */
  readonly ids: string[]
  /** Which of the asked ids are missing. */
  readonly missing: string[]
}

/**
 * Open the child's store from this process (proves the lock was released and the file is not
 * corrupt), verify its journal and look for `ids`, then close it.
 * @throws Error when the journal does not verify; the store's own IN_USE/INCOMPATIBLE_STORE
 */
export async function inspectStore(dir: string, ids: readonly string[]): Promise<StoreCheck> {
  const store = new SqliteStore({ dir, sha512: provider.sha512 })
  await store.open()
  try {
    const journal = await verifiedJournalIds(store, dir)
    const have = await store.hasResources(ids)
    const count = await store.countResources()
    if (count !== journal.length)
      throw new Error(`${dir}: ${count} resources but ${journal.length} journal lines`)
    return { ids: journal, missing: ids.filter((_, i) => !have[i]) }
  } finally {
    await store.close()
  }
}
