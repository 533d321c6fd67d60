import type { FastifyInstance } from 'fastify';
import { oktaId } from '../core';
import { ALREADY_EXISTS, notFound, Validation } from './errors';
import { absolute, isRecord, nextSeq, objectBody, stringArray, type OktaContext } from './http';
import { authServerOr404 } from './authorization-servers';
import { logEvent, target } from './system-log';
import type { AuthServerRecord, ClaimRecord, GroupRecord, OktaState, UserRecord } from './state';

/*
 * Custom claims (`/api/v1/authorizationServers/{id}/claims`). Names are unique per server and claim type
 * (okta-cli reads 400 "Api validation failed: name" as "already exists"). Tokens carry them: RESOURCE
 * claims in access tokens, IDENTITY claims in ID tokens, when a granted scope is in `conditions.scopes`
 * (an empty list means always). The sandbox evaluates the common expression forms, `user.<attribute>`,
 * `appuser.<attribute>`, a quoted literal, `true`/`false`/numbers, and GROUPS filters; anything else is
 * kept verbatim and left out of tokens.
 */

const CLAIM_TYPES = ['RESOURCE', 'IDENTITY'] as const;
const VALUE_TYPES = ['EXPRESSION', 'GROUPS'] as const;
const GROUP_FILTERS = ['STARTS_WITH', 'EQUALS', 'CONTAINS', 'REGEX'] as const;
/** Claims Okta sets itself; a custom claim can't take these names. */
const RESERVED = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'cid', 'uid', 'scp', 'ver', 'auth_time', 'nonce', 'amr', 'idp', 'at_hash', 'c_hash', 'nbf'];

export function renderClaim(ctx: OktaContext, as: AuthServerRecord, c: ClaimRecord) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    claimType: c.claimType,
    valueType: c.valueType,
    value: c.value,
    conditions: { scopes: [...c.conditions.scopes] },
    system: c.system,
    alwaysIncludeInToken: c.alwaysIncludeInToken,
    ...(c.group_filter_type ? { group_filter_type: c.group_filter_type } : {}),
    _links: { self: { href: absolute(ctx, `/api/v1/authorizationServers/${as.id}/claims/${c.id}`), hints: { allow: ['GET', 'PUT', 'DELETE'] } } },
  };
}

function readClaim(as: AuthServerRecord, body: Record<string, unknown>, existing?: ClaimRecord) {
  const v = new Validation();
  v.required('name', body.name).required('claimType', body.claimType).required('valueType', body.valueType).required('value', body.value);
  v.oneOf('claimType', body.claimType, CLAIM_TYPES).oneOf('valueType', body.valueType, VALUE_TYPES).oneOf('group_filter_type', body.group_filter_type, GROUP_FILTERS);
  v.oneOf('status', body.status, ['ACTIVE', 'INACTIVE']);
  const name = typeof body.name === 'string' ? body.name : '';
  if (RESERVED.includes(name)) v.add('name', `'${name}' is a reserved claim name`);
  if (name && as.claims.some((c) => c.name === name && c.claimType === body.claimType && c.id !== existing?.id)) v.add('name', ALREADY_EXISTS);
  if (body.valueType === 'GROUPS' && !body.group_filter_type) v.add('group_filter_type', 'The field is required when valueType is GROUPS');
  const scopes = isRecord(body.conditions) ? stringArray(body.conditions.scopes) ?? [] : [];
  const unknown = scopes.filter((s) => !as.scopes.some((x) => x.name === s));
  if (unknown.length) v.add('conditions.scopes', `Unknown scopes: ${unknown.join(', ')}`);
  v.throwIfFailed();
  return {
    name,
    status: (body.status as ClaimRecord['status']) ?? 'ACTIVE',
    claimType: body.claimType as ClaimRecord['claimType'],
    valueType: body.valueType as ClaimRecord['valueType'],
    value: String(body.value),
    group_filter_type: body.group_filter_type as ClaimRecord['group_filter_type'],
    conditions: { scopes },
    alwaysIncludeInToken: body.alwaysIncludeInToken !== false,
  };
}

function claimOr404(as: AuthServerRecord, claimId: string): ClaimRecord {
  const claim = as.claims.find((c) => c.id === claimId);
  if (!claim) throw notFound(claimId, 'OAuth2Claim');
  return claim;
}

type ClaimParams = { authServerId: string; claimId: string };
const BASE = '/api/v1/authorizationServers/:authServerId/claims';

export function registerClaims(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Params: ClaimParams }>(BASE, async function listOAuth2Claims(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    return as.claims.map((c) => renderClaim(ctx, as, c));
  });

  app.post<{ Params: ClaimParams }>(BASE, async function createOAuth2Claim(req, reply) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const claim: ClaimRecord = { id: oktaId('ocl'), seq: nextSeq(ctx.state), system: false, ...readClaim(as, objectBody(req.body)) };
    as.claims.push(claim);
    logEvent(ctx, req, { eventType: 'oauth2.claim.created', displayMessage: 'OAuth2 claim created', target: [target(claim.id, 'OAuth2Claim', claim.name)] });
    return reply.code(201).send(renderClaim(ctx, as, claim));
  });

  app.get<{ Params: ClaimParams }>(`${BASE}/:claimId`, async function getOAuth2Claim(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    return renderClaim(ctx, as, claimOr404(as, req.params.claimId));
  });

  app.put<{ Params: ClaimParams }>(`${BASE}/:claimId`, async function replaceOAuth2Claim(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const claim = claimOr404(as, req.params.claimId);
    Object.assign(claim, readClaim(as, objectBody(req.body), claim));
    logEvent(ctx, req, { eventType: 'oauth2.claim.updated', displayMessage: 'OAuth2 claim updated', target: [target(claim.id, 'OAuth2Claim', claim.name)] });
    return renderClaim(ctx, as, claim);
  });

  app.delete<{ Params: ClaimParams }>(`${BASE}/:claimId`, async function deleteOAuth2Claim(req, reply) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const claim = claimOr404(as, req.params.claimId);
    as.claims = as.claims.filter((c) => c !== claim);
    logEvent(ctx, req, { eventType: 'oauth2.claim.deleted', displayMessage: 'OAuth2 claim deleted', target: [target(claim.id, 'OAuth2Claim', claim.name)] });
    return reply.code(204).send();
  });
}

function groupsOfUser(state: OktaState, user: UserRecord): GroupRecord[] {
  return Object.values(state.groups).filter((g) => g.type === 'BUILT_IN' || g.members.includes(user.id));
}

function evaluateExpression(expression: string, user: UserRecord | undefined): unknown {
  const expr = expression.trim();
  const literal = /^"(.*)"$/.exec(expr) ?? /^'(.*)'$/.exec(expr);
  if (literal) return literal[1];
  if (expr === 'true' || expr === 'false') return expr === 'true';
  if (/^-?\d+(\.\d+)?$/.test(expr)) return Number(expr);
  const attribute = /^(?:user|appuser)\.([A-Za-z0-9_]+)$/.exec(expr);
  if (attribute && user) {
    if (attribute[1] === 'id') return user.id;
    if (attribute[1] === 'status') return user.status;
    return user.profile[attribute[1]] ?? undefined;
  }
  return undefined;
}

function matchesGroupFilter(filter: ClaimRecord['group_filter_type'], value: string, name: string): boolean {
  switch (filter) {
    case 'STARTS_WITH':
      return name.toLowerCase().startsWith(value.toLowerCase());
    case 'EQUALS':
      return name === value;
    case 'CONTAINS':
      return name.toLowerCase().includes(value.toLowerCase());
    case 'REGEX':
      try {
        return new RegExp(`^(?:${value})$`).test(name);
      } catch {
        return false;
      }
    default:
      return false;
  }
}

/** The custom claims of `claimType` a token granting `scopes` carries, for `user` (absent for client_credentials). */
export function customClaims(state: OktaState, as: AuthServerRecord, claimType: ClaimRecord['claimType'], scopes: string[], user: UserRecord | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const claim of as.claims) {
    if (claim.status !== 'ACTIVE' || claim.claimType !== claimType) continue;
    if (claim.conditions.scopes.length && !claim.conditions.scopes.some((s) => scopes.includes(s))) continue;
    if (claimType === 'IDENTITY' && !claim.alwaysIncludeInToken) continue;
    let value: unknown;
    if (claim.valueType === 'GROUPS') {
      if (!user) continue;
      value = groupsOfUser(state, user)
        .map((g) => g.profile.name)
        .filter((name) => matchesGroupFilter(claim.group_filter_type, claim.value, name));
    } else {
      value = evaluateExpression(claim.value, user);
    }
    if (value !== undefined && value !== null) out[claim.name] = value;
  }
  return out;
}
