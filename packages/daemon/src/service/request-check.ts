/**
 * The one runtime check of a client API request: the request schemas of `@sdmp/client/schemas`
 * compiled once (TypeBox's compiler lives only in the daemon, never in a client bundle), with
 * the first violation turned into a `BAD_REQUEST` that names the member and the expected type
 * or range, never the value (house style). The HTTP edge and the in-process service both call
 * it, so both refuse the same input with the same code and message (docs/api.md §Requests).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { TypeCompiler, ValueErrorType } from '@sinclair/typebox/compiler'
import type { TypeCheck } from '@sinclair/typebox/compiler'
import type { ValueError } from '@sinclair/typebox/errors'
import type { Static, TSchema } from '@sinclair/typebox'

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>()

function compile<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = compiled.get(schema)
  if (check === undefined) {
    check = TypeCompiler.Compile(schema)
    compiled.set(schema, check)
  }
  return check as TypeCheck<T>
}

/**
 * Check `value` against a request schema and return it typed.
 * @param label where the value came from: `body`, `query`, `path.index`
 * @throws BAD_REQUEST naming the first member that breaks the schema
 */
export function assertRequest<T extends TSchema>(
  schema: T,
  value: unknown,
  label: string,
): Static<T> {
  const check = compile(schema)
  if (check.Check(value)) return value
  const errors = [...check.Errors(value)]
  // An unknown member is reported before anything else (a typo explains the rest).
  const first =
    errors.find((e) => e.type === ValueErrorType.ObjectAdditionalProperties) ?? errors[0]
  throw new ProtocolError(
    ErrorCode.BAD_REQUEST,
    first ? describe(first, label) : `${label}: invalid`,
  )
}

/** `/attachments/0/hash` under `body` → `body.attachments[0].hash`. */
function labelOf(base: string, segments: readonly string[]): string {
  return segments.reduce((l, s) => (/^\d+$/.test(s) ? `${l}[${s}]` : `${l}.${s}`), base)
}

function describe(error: ValueError, base: string): string {
  const segments = error.path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  const s = error.schema as Record<string, unknown>
  const got = kindOf(error.value)
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const key = segments.pop() ?? ''
    return `${labelOf(base, segments)}: unknown member ${JSON.stringify(key.slice(0, 64))}`
  }
  const label = labelOf(base, segments)
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `${label}: required`
    case ValueErrorType.Object:
      return `${label}: expected a JSON object, got ${got}`
    case ValueErrorType.String:
    case ValueErrorType.Boolean:
    case ValueErrorType.Integer:
    case ValueErrorType.Array:
      return `${label}: expected ${String(s['type'])}, got ${got}`
    case ValueErrorType.StringMinLength:
    case ValueErrorType.StringMaxLength:
      return s['minLength'] === undefined
        ? `${label}: expected at most ${String(s['maxLength'])} characters`
        : `${label}: expected ${String(s['minLength'])}..${String(s['maxLength'])} characters`
    case ValueErrorType.StringPattern:
      return `${label}: expected to match ${String(s['pattern'])}`
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
      return `${label}: expected ${String(s['minimum'])}..${String(s['maximum'])}`
    case ValueErrorType.ArrayMinItems:
    case ValueErrorType.ArrayMaxItems: {
      const n = Array.isArray(error.value) ? error.value.length : 0
      return `${label}: expected ${String(s['minItems'] ?? 0)}..${String(s['maxItems'])} items, got ${n}`
    }
    case ValueErrorType.Union: {
      const values = ((s['anyOf'] ?? []) as { const?: unknown }[]).map((o) => o.const)
      if (values.every((v) => typeof v === 'string'))
        return `${label}: expected one of ${values.join(', ')}`
      return `${label}: ${error.message.toLowerCase()}`
    }
    default:
      return `${label}: ${error.message.toLowerCase()}`
  }
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
}
