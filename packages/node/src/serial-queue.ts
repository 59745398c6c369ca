/**
 * One task at a time, in order: the node's single serializer (issue 13). Each task starts once
 * every task queued before it has settled, whether it succeeded or failed, and its outcome goes
 * to its caller alone: a failed task never blocks or fails the ones after it.
 * @module
 */

const settled = (): void => undefined

/** Runs the tasks given to {@link SerialQueue.run} one after another. */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve()

  /**
   * Queue `task`; the promise settles with its outcome. A caller that does not wait for it
   * must handle its failure (`.catch`), as for any promise.
   */
  run<T>(task: () => T | PromiseLike<T>): Promise<T> {
    const result = this.#tail.then(task)
    this.#tail = result.then(settled, settled)
    return result
  }

  /** Settles (never rejects) once every task queued so far has settled. */
  idle(): Promise<void> {
    return this.#tail
  }
}
