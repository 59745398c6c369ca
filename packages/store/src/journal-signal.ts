/**
 * The in-process half of {@link Store.watchJournal}: the listeners of one store object and the
 * head they are told about after each commit that appended lines. Single-process backends
 * (memory, SQLite) need nothing more, since every writer is this object; PostgreSQL adds the
 * signals of other processes on top (LISTEN/NOTIFY, docs/scale.md).
 * @module
 */
import type { JournalWatch, PutResult } from './store.js'

/** Listeners of one store's journal head. */
export class JournalSignal {
  readonly #listeners = new Set<(position: number) => void>()

  /** How many subscriptions are open (a backend listens to others only while there are some). */
  get size(): number {
    return this.#listeners.size
  }

  /** Subscribe; the returned watch unsubscribes. */
  add(listener: (position: number) => void): JournalWatch {
    const entry = (position: number): void => listener(position)
    this.#listeners.add(entry)
    return {
      close: async () => {
        this.#listeners.delete(entry)
      },
    }
  }

  /**
   * Tell every listener the head is at `position`. A throwing listener is the caller's bug; it
   * must not stop the others nor fail the write that signalled.
   */
  emit(position: number): void {
    for (const l of [...this.#listeners])
      try {
        l(position)
      } catch {
        // Ignored, see above.
      }
  }

  /** Emit the highest position a put inserted, if it inserted anything. */
  emitPut(results: readonly PutResult[]): void {
    let head = 0
    for (const r of results) if (r.inserted && r.position > head) head = r.position
    if (head > 0) this.emit(head)
  }
}
