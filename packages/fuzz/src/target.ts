/**
 * The fuzz target contract (docs/fuzz.md): a named fast-check arbitrary plus a `run` that must
 * either succeed or throw a coded ProtocolError. Any other throw, a hang or an unhandled
 * rejection is a finding (issue 6).
 * @module
 */
import type { Arbitrary } from 'fast-check'
import { isProtocolError } from '@sdmp/core'

/** A prepared target: inputs and the code under test. */
export interface PreparedTarget {
  readonly arbitrary: Arbitrary<unknown>
  /** Feed one input. Must resolve, or throw/reject with a ProtocolError; anything else fails. */
  run(input: unknown): void | Promise<void>
  /** Release what `prepare` built (stores, timers); called once after the last run. */
  close?(): void | Promise<void>
}

/**
 * One fuzz target. `prepare` builds the valid samples (signing real resources, handshakes) once
 * per target run, so listing the registry costs nothing and `--target` skips unused setup.
 */
export interface FuzzTarget {
  readonly name: string
  /** One line for the table and `--list`. */
  readonly summary: string
  prepare(): Promise<PreparedTarget>
}

/** The typed form a target module writes; {@link defineTarget} erases `T` for the registry. */
export interface TypedTarget<T> {
  readonly arbitrary: Arbitrary<T>
  run(input: T): void | Promise<void>
  close?(): void | Promise<void>
}

/**
 * Register a target whose input type is `T`. The registry stores it type-erased: inputs only
 * ever come from the target's own arbitrary, so the cast in `run` is sound.
 */
export function defineTarget<T>(
  name: string,
  summary: string,
  prepare: () => TypedTarget<T> | Promise<TypedTarget<T>>,
): FuzzTarget {
  return {
    name,
    summary,
    async prepare() {
      const t = await prepare()
      return {
        arbitrary: t.arbitrary as Arbitrary<unknown>,
        run: (input: unknown) => t.run(input as T),
        ...(t.close ? { close: () => t.close!() } : {}),
      }
    },
  }
}

/** A finding: what the code under test did that it must never do. */
export class FuzzFinding extends Error {
  override readonly name = 'FuzzFinding'
}

/**
 * Call `f` and accept success or a ProtocolError; rethrow anything else as a finding. Targets
 * that expect specific codes (e.g. "must not verify") throw FuzzFinding themselves.
 * @throws FuzzFinding for a non-ProtocolError throw
 */
export async function expectCoded(f: () => unknown): Promise<'ok' | string> {
  try {
    await f()
    return 'ok'
  } catch (e) {
    if (isProtocolError(e)) return e.code
    throw new FuzzFinding(`uncoded ${describeError(e)}`, { cause: e })
  }
}

/** The synchronous form of {@link expectCoded}, for the cheap decoder targets. */
export function expectCodedSync(f: () => unknown): 'ok' | string {
  try {
    f()
    return 'ok'
  } catch (e) {
    if (isProtocolError(e)) return e.code
    throw new FuzzFinding(`uncoded ${describeError(e)}`, { cause: e })
  }
}

/** Name and first line of an error, for reports (never the input, which may be large). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.split('\n')[0]!.slice(0, 300)}`
  return `non-Error value thrown: ${typeof e}`
}
