import type { FastifyInstance } from 'fastify';
import { indexed } from './search-lag';
import { oktaId } from '../core';
import { ALREADY_EXISTS, forbidden, notFound, Validation } from './errors';
import { absolute, clone, nextSeq, nowIso, objectBody, stringArray, type OktaContext } from './http';
import { paginate, rememberDeleted } from './pagination';
import { systemScopes } from './scopes';
import { generateSigningKey, generateSigningKeys } from './signing';
import { logEvent, target } from './system-log';
import type { AuthServerRecord } from './state';

/*
 * Custom authorization servers (`/api/v1/authorizationServers`). A new server is ACTIVE, has its own RSA
 * signing key, the system OIDC scopes, and NO access policy: until one is created every token request
 * fails policy evaluation, exactly as on a real org (salto-io/salto#6648). The built-in `default` server
 * is seeded with its Default Policy (seed.ts) and cannot be deleted.
 */

export const DEFAULT_AUTH_SERVER_ID = 'default';
const ISSUER_MODES = ['ORG_URL', 'CUSTOM_URL', 'DYNAMIC'] as const;
const KEY_ROTATION_DAYS = 90;

export function issuerOf(ctx: OktaContext, as: { id: string }): string {
  return absolute(ctx, `/oauth2/${as.id}`);
}

export function authServerOr404(ctx: OktaContext, id: string): AuthServerRecord {
  const as = ctx.state.authServers[id];
  if (!as) throw notFound(id, 'AuthorizationServer');
  return as;
}

export function activeKeyOf(as: AuthServerRecord) {
  return as.keys.find((k) => k.status === 'ACTIVE') ?? as.keys[0];
}

export function renderAuthServer(ctx: OktaContext, as: AuthServerRecord) {
  const base = `/api/v1/authorizationServers/${as.id}`;
  const get = { allow: ['GET'] };
  const lifecycle = as.status === 'ACTIVE' ? 'deactivate' : 'activate';
  return {
    id: as.id,
    name: as.name,
    description: as.description,
    audiences: [...as.audiences],
    issuer: issuerOf(ctx, as),
    issuerMode: as.issuerMode,
    status: as.status,
    created: as.created,
    lastUpdated: as.lastUpdated,
    credentials: {
      signing: {
        rotationMode: 'AUTO',
        lastRotated: as.lastRotated,
        nextRotation: new Date(Date.parse(as.lastRotated) + KEY_ROTATION_DAYS * 86_400_000).toISOString(),
        kid: activeKeyOf(as)?.kid,
      },
    },
    _links: {
      scopes: { href: absolute(ctx, `${base}/scopes`), hints: get },
      claims: { href: absolute(ctx, `${base}/claims`), hints: get },
      policies: { href: absolute(ctx, `${base}/policies`), hints: get },
      self: { href: absolute(ctx, base), hints: { allow: ['GET', 'DELETE', 'PUT'] } },
      metadata: ['oauth-authorization-server', 'openid-configuration'].map((name) => ({
        name,
        href: absolute(ctx, `/oauth2/${as.id}/.well-known/${name}`),
        hints: get,
      })),
      rotateKey: { href: absolute(ctx, `${base}/credentials/lifecycle/keyRotate`), hints: { allow: ['POST'] } },
      [lifecycle]: { href: absolute(ctx, `${base}/lifecycle/${lifecycle}`), hints: { allow: ['POST'] } },
    },
  };
}

/** Validates an authorization-server body (create or full replace). */
function readAuthServer(ctx: OktaContext, body: Record<string, unknown>, existing?: AuthServerRecord) {
  const v = new Validation();
  v.required('name', body.name).maxLength('name', body.name, 100).maxLength('description', body.description, 1000);
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (name && Object.values(ctx.state.authServers).some((s) => s.name === name && s.id !== existing?.id)) v.add('name', ALREADY_EXISTS);
  const audiences = stringArray(body.audiences);
  if (!audiences || audiences.length === 0 || audiences.some((a) => a.trim() === '')) v.add('audiences', BLANK_AUDIENCE);
  else if (audiences.length > 1) v.add('audiences', 'Okta supports only one audience per authorization server');
  v.oneOf('issuerMode', body.issuerMode, ISSUER_MODES);
  // Without a custom domain (a sandbox has none) Okta refuses CUSTOM_URL.
  if (body.issuerMode === 'CUSTOM_URL') v.add('issuerMode', 'A custom URL domain must be configured and verified to use CUSTOM_URL');
  v.throwIfFailed();
  return {
    name,
    description: typeof body.description === 'string' ? body.description : existing?.description,
    audiences: audiences as string[],
    issuerMode: (body.issuerMode as string | undefined) ?? existing?.issuerMode ?? 'ORG_URL',
  };
}

const BLANK_AUDIENCE = 'The field cannot be left blank';

type AsParams = { authServerId: string };
const BASE = '/api/v1/authorizationServers';

export function registerAuthorizationServers(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Querystring: { q?: string } }>(BASE, async function listAuthorizationServers(req, reply) {
    const q = req.query.q?.toLowerCase();
    const all = indexed(ctx, Object.values(ctx.state.authServers));
    // `q` "searches the name and audiences"; a prefix match, like Okta's other `q` parameters.
    const matching = q ? all.filter((s) => s.name.toLowerCase().startsWith(q) || s.audiences.some((a) => a.toLowerCase().startsWith(q))) : all;
    return paginate(ctx, req, reply, matching, { defaultLimit: 200, maxLimit: 200 }).map((s) => renderAuthServer(ctx, s));
  });

  app.post(BASE, async function createAuthorizationServer(req, reply) {
    readAuthServer(ctx, objectBody(req.body));
    const keys = await generateSigningKeys();
    // Validated again after the key generation's await: a concurrent create may have taken the name.
    const fields = readAuthServer(ctx, objectBody(req.body));
    const at = nowIso();
    const as: AuthServerRecord = {
      id: oktaId('aus'),
      seq: nextSeq(ctx.state),
      created: at,
      lastUpdated: at,
      ...fields,
      status: 'ACTIVE',
      keys,
      lastRotated: at,
      scopes: systemScopes(ctx.state),
      claims: [],
      policies: [],
    };
    ctx.state.authServers[as.id] = as;
    logEvent(ctx, req, { eventType: 'oauth2.as.created', displayMessage: 'Create authorization server', target: [target(as.id, 'AuthorizationServer', as.name)] });
    return reply.code(201).send(renderAuthServer(ctx, as));
  });

  app.get<{ Params: AsParams }>(`${BASE}/:authServerId`, async function getAuthorizationServer(req) {
    return renderAuthServer(ctx, authServerOr404(ctx, req.params.authServerId));
  });

  app.put<{ Params: AsParams }>(`${BASE}/:authServerId`, async function replaceAuthorizationServer(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    Object.assign(as, readAuthServer(ctx, objectBody(req.body), as), { lastUpdated: nowIso() });
    logEvent(ctx, req, { eventType: 'oauth2.as.updated', displayMessage: 'Update authorization server', target: [target(as.id, 'AuthorizationServer', as.name)] });
    return renderAuthServer(ctx, as);
  });

  app.delete<{ Params: AsParams }>(`${BASE}/:authServerId`, async function deleteAuthorizationServer(req, reply) {
    const as = authServerOr404(ctx, req.params.authServerId);
    if (as.id === DEFAULT_AUTH_SERVER_ID) throw forbidden('The default authorization server cannot be deleted');
    delete ctx.state.authServers[as.id];
    rememberDeleted(ctx, as);
    // Its tokens and codes die with it.
    for (const [id, t] of Object.entries(ctx.state.tokens)) if (t.authServerId === as.id) delete ctx.state.tokens[id];
    for (const [id, c] of Object.entries(ctx.state.codes)) if (c.authServerId === as.id) delete ctx.state.codes[id];
    logEvent(ctx, req, { eventType: 'oauth2.as.deleted', displayMessage: 'Delete authorization server', target: [target(as.id, 'AuthorizationServer', as.name)] });
    return reply.code(204).send();
  });

  for (const action of ['activate', 'deactivate'] as const) {
    app.post<{ Params: AsParams }>(`${BASE}/:authServerId/lifecycle/${action}`, async function authorizationServerLifecycle(req, reply) {
      const as = authServerOr404(ctx, req.params.authServerId);
      as.status = action === 'activate' ? 'ACTIVE' : 'INACTIVE';
      as.lastUpdated = nowIso();
      logEvent(ctx, req, { eventType: `oauth2.as.${action}d`, displayMessage: `${action === 'activate' ? 'Activate' : 'Deactivate'} authorization server`, target: [target(as.id, 'AuthorizationServer', as.name)] });
      return reply.code(204).send();
    });
  }

  const renderKey = (as: AuthServerRecord, k: AuthServerRecord['keys'][number]) => ({
    ...clone(k.publicJwk),
    status: k.status,
    _links: { self: { href: absolute(ctx, `${BASE}/${as.id}/credentials/keys/${k.kid}`), hints: { allow: ['GET'] } } },
  });

  app.get<{ Params: AsParams }>(`${BASE}/:authServerId/credentials/keys`, async function listAuthorizationServerKeys(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    return as.keys.map((k) => renderKey(as, k));
  });

  app.get<{ Params: AsParams & { keyId: string } }>(`${BASE}/:authServerId/credentials/keys/:keyId`, async function getAuthorizationServerKey(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const key = as.keys.find((k) => k.kid === req.params.keyId);
    if (!key) throw notFound(req.params.keyId, 'AuthorizationServerJsonWebKey');
    return renderKey(as, key);
  });

  // Rotation, as Okta describes it: the ACTIVE key becomes EXPIRED (still published, so tokens it
  // signed still verify), the NEXT key becomes ACTIVE and signs from now on, and a new NEXT key is
  // made; older expired keys are dropped. A server without a NEXT key (state from before the
  // sandbox made one) gets a fresh ACTIVE key instead.
  app.post<{ Params: AsParams }>(`${BASE}/:authServerId/credentials/lifecycle/keyRotate`, async function rotateAuthorizationServerKeys(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const body = objectBody(req.body);
    const v = new Validation();
    v.required('use', body.use).oneOf('use', body.use, ['sig']);
    v.throwIfFailed();
    const previous = activeKeyOf(as);
    const waiting = as.keys.find((k) => k.status === 'NEXT');
    const [active, next] = waiting ? [waiting, await generateSigningKey('NEXT')] : await Promise.all([generateSigningKey('ACTIVE'), generateSigningKey('NEXT')]);
    if (previous) previous.status = 'EXPIRED';
    active.status = 'ACTIVE';
    active.lastUpdated = nowIso();
    as.keys = [active, next, ...(previous ? [previous] : [])];
    as.lastRotated = active.lastUpdated;
    logEvent(ctx, req, { eventType: 'oauth2.as.key.rollover', displayMessage: 'Rotate authorization server keys', target: [target(as.id, 'AuthorizationServer', as.name)] });
    return as.keys.map((k) => renderKey(as, k));
  });

  // Clients holding tokens from this server.
  app.get<{ Params: AsParams }>(`${BASE}/:authServerId/clients`, async function listOAuth2ClientsForAuthorizationServer(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const clientIds = new Set(Object.values(ctx.state.tokens).filter((t) => t.authServerId === as.id).map((t) => t.clientId));
    return Object.values(ctx.state.apps)
      .filter((a) => clientIds.has(a.clientId))
      .map((a) => ({
        client_id: a.clientId,
        client_name: a.label,
        client_uri: (a.oauthClient.client_uri as string | undefined) ?? null,
        logo_uri: (a.oauthClient.logo_uri as string | undefined) ?? null,
        _links: {
          app: { href: absolute(ctx, `/api/v1/apps/${a.id}`) },
          tokens: { href: absolute(ctx, `${BASE}/${as.id}/clients/${a.clientId}/tokens`) },
        },
      }));
  });
}
