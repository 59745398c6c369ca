/**
 * Delegations and forwarding rules behind the client API (docs/api.md "Delegation and
 * rules"): account/delegations.ts and account/rules.ts, shaped as the API's responses.
 * NodeService maps its methods here.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type {
  Delegation,
  DelegationList,
  DelegationRequest,
  DelegationsRevoked,
  Rule,
  RuleList,
  RuleRequest,
} from '@sdmp/client'
import {
  DelegationRequest as DelegationSchema,
  RuleRequest as RuleSchema,
} from '@sdmp/client/schemas'
import type { Account } from '../account/account.js'
import { grantDelegation, listDelegations, revokeDelegations } from '../account/delegations.js'
import type { DelegationInfo } from '../account/delegations.js'
import { addRule, readRules, removeRule } from '../account/rules.js'
import { assertRequest } from './request-check.js'

const iso = (ms: number) => new Date(ms).toISOString()

function toDelegation(d: DelegationInfo): Delegation {
  return {
    id: d.id,
    principal: d.principal,
    delegate: d.delegate,
    scope: [...d.scope],
    created: iso(d.created),
    until: d.until === undefined ? null : iso(d.until),
    state: d.state,
  }
}

/** `GET /v1/delegations`. */
export async function delegations(account: Account): Promise<DelegationList> {
  const { granted, received } = await listDelegations(account)
  return { granted: granted.map(toDelegation), received: received.map(toDelegation) }
}

/** `POST /v1/delegations`. @throws BAD_REQUEST, NOT_FOUND, FORBIDDEN */
export async function grant(account: Account, request: DelegationRequest): Promise<Delegation> {
  assertRequest(DelegationSchema, request, 'delegation')
  let until: number | undefined
  if (request.until !== undefined) {
    until = Date.parse(request.until)
    if (!Number.isSafeInteger(until))
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'until: expected an ISO 8601 time')
  }
  return toDelegation(await grantDelegation(account, request.contact, request.scope, until))
}

/** `DELETE /v1/delegations/{contact}`. @throws NOT_FOUND, FORBIDDEN */
export async function revoke(account: Account, contact: string): Promise<DelegationsRevoked> {
  return { revoked: (await revokeDelegations(account, contact)).map(toDelegation) }
}

/** `GET /v1/rules`. */
export async function rules(account: Account): Promise<RuleList> {
  return { rules: (await readRules(account)).map((r) => ({ ...r, to: [...r.to] })) }
}

/** `POST /v1/rules`. @throws BAD_REQUEST, NOT_FOUND, LIMIT_EXCEEDED */
export async function addForwardRule(account: Account, request: RuleRequest): Promise<Rule> {
  assertRequest(RuleSchema, request, 'rule')
  const r = await addRule(account, request.from, request.to)
  return { ...r, to: [...r.to] }
}

/** `DELETE /v1/rules/{id}`. @throws NOT_FOUND */
export async function removeForwardRule(account: Account, id: string): Promise<Rule> {
  const r = await removeRule(account, id)
  return { ...r, to: [...r.to] }
}
