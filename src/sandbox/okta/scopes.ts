import type { FastifyInstance } from 'fastify';
import { oktaId } from '../core';
import { ALREADY_EXISTS, forbidden, notFound, Validation } from './errors';
import { absolute, nextSeq, objectBody, type OktaContext } from './http';
import { paginate, rememberDeleted } from './pagination';
import { logEvent, target } from './system-log';
import type { AuthServerRecord, OktaState, ScopeRecord } from './state';
import { authServerOr404 } from './authorization-servers';

/*
 * Scopes of an authorization server (`/api/v1/authorizationServers/{id}/scopes`). Every server carries
 * Okta's system OIDC scopes (openid, profile, …): they are listed, published in metadata, and cannot be
 * changed. A custom scope appears in the metadata's `scopes_supported` only with metadataPublish ALL_CLIENTS.
 */

/** Okta's built-in OIDC scopes on every custom authorization server. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'device_sso'] as const;

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Signals that a request is an OpenID request.',
  profile: "Allows access to the end user's default profile claims.",
  email: "Allows access to the end user's email address.",
  address: "Allows access to the end user's address.",
  phone: "Allows access to the end user's phone number.",
  offline_access: 'Allows access to a refresh token.',
  device_sso: 'Allows access to a device secret for native SSO.',
};

export function systemScopes(state: OktaState): ScopeRecord[] {
  return OIDC_SCOPES.map((name) => ({
    id: oktaId('scp'),
    seq: nextSeq(state),
    name,
    description: SCOPE_DESCRIPTIONS[name],
    displayName: name,
    consent: 'IMPLICIT',
    default: false,
    metadataPublish: 'ALL_CLIENTS',
    optional: false,
    system: true,
  }));
}

const CONSENTS = ['IMPLICIT', 'REQUIRED', 'FLEXIBLE'] as const;
const PUBLISH = ['ALL_CLIENTS', 'NO_CLIENTS'] as const;

export function renderScope(ctx: OktaContext, as: AuthServerRecord, s: ScopeRecord) {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    system: s.system,
    default: s.default,
    displayName: s.displayName,
    consent: s.consent,
    optional: s.optional,
    metadataPublish: s.metadataPublish,
    _links: { self: { href: absolute(ctx, `/api/v1/authorizationServers/${as.id}/scopes/${s.id}`), hints: { allow: ['GET', 'PUT', 'DELETE'] } } },
  };
}

/** Validates a scope body (create or full replace) and returns the writable fields. */
function readScope(as: AuthServerRecord, body: Record<string, unknown>, existing?: ScopeRecord) {
  const v = new Validation();
  v.required('name', body.name);
  const name = typeof body.name === 'string' ? body.name : '';
  if (name && /\s/.test(name)) v.add('name', 'Scope names cannot contain whitespace');
  if (name.startsWith('okta.')) v.add('name', "Scope names starting with 'okta.' are reserved");
  if (name && as.scopes.some((s) => s.name === name && s.id !== existing?.id)) v.add('name', ALREADY_EXISTS);
  v.oneOf('consent', body.consent, CONSENTS);
  v.oneOf('metadataPublish', body.metadataPublish, PUBLISH);
  if (body.default !== undefined && typeof body.default !== 'boolean') v.add('default', 'The value must be a boolean');
  v.maxLength('description', body.description, 1000);
  v.throwIfFailed();
  return {
    name,
    description: typeof body.description === 'string' ? body.description : undefined,
    displayName: typeof body.displayName === 'string' ? body.displayName : undefined,
    consent: (body.consent as ScopeRecord['consent']) ?? 'IMPLICIT',
    default: body.default === true,
    metadataPublish: (body.metadataPublish as ScopeRecord['metadataPublish']) ?? 'NO_CLIENTS',
    optional: body.optional === true,
  };
}

function scopeOr404(as: AuthServerRecord, scopeId: string): ScopeRecord {
  const scope = as.scopes.find((s) => s.id === scopeId);
  if (!scope) throw notFound(scopeId, 'OAuth2Scope');
  return scope;
}

type ScopeParams = { authServerId: string; scopeId: string };
const BASE = '/api/v1/authorizationServers/:authServerId/scopes';

export function registerScopes(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Params: ScopeParams; Querystring: { q?: string } }>(BASE, async function listOAuth2Scopes(req, reply) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const q = req.query.q?.toLowerCase();
    const matching = q ? as.scopes.filter((s) => s.name.toLowerCase().startsWith(q)) : as.scopes;
    return paginate(ctx, req, reply, matching, { defaultLimit: 200, maxLimit: 200 }).map((s) => renderScope(ctx, as, s));
  });

  app.post<{ Params: ScopeParams }>(BASE, async function createOAuth2Scope(req, reply) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const scope: ScopeRecord = { id: oktaId('scp'), seq: nextSeq(ctx.state), system: false, ...readScope(as, objectBody(req.body)) };
    as.scopes.push(scope);
    logEvent(ctx, req, { eventType: 'oauth2.scope.created', displayMessage: 'OAuth2 scope created', target: [target(scope.id, 'OAuth2Scope', scope.name)] });
    return reply.code(201).send(renderScope(ctx, as, scope));
  });

  app.get<{ Params: ScopeParams }>(`${BASE}/:scopeId`, async function getOAuth2Scope(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    return renderScope(ctx, as, scopeOr404(as, req.params.scopeId));
  });

  app.put<{ Params: ScopeParams }>(`${BASE}/:scopeId`, async function replaceOAuth2Scope(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const scope = scopeOr404(as, req.params.scopeId);
    if (scope.system) throw forbidden(`${scope.name}: System scopes cannot be modified`);
    Object.assign(scope, readScope(as, objectBody(req.body), scope));
    logEvent(ctx, req, { eventType: 'oauth2.scope.updated', displayMessage: 'OAuth2 scope updated', target: [target(scope.id, 'OAuth2Scope', scope.name)] });
    return renderScope(ctx, as, scope);
  });

  app.delete<{ Params: ScopeParams }>(`${BASE}/:scopeId`, async function deleteOAuth2Scope(req, reply) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const scope = scopeOr404(as, req.params.scopeId);
    if (scope.system) throw forbidden(`${scope.name}: System scopes cannot be deleted`);
    as.scopes = as.scopes.filter((s) => s !== scope);
    rememberDeleted(ctx, scope);
    logEvent(ctx, req, { eventType: 'oauth2.scope.deleted', displayMessage: 'OAuth2 scope deleted', target: [target(scope.id, 'OAuth2Scope', scope.name)] });
    return reply.code(204).send();
  });
}
