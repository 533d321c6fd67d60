import type { FastifyInstance } from 'fastify';
import { oktaId } from '../../core';
import { appOr404 } from '../apps';
import { notFound, validationFailed } from '../errors';
import { absolute, nowIso, objectBody, type OktaContext } from '../http';
import { logEvent, appTarget } from '../system-log';
import type { AppRecord, ScopeGrantRecord } from '../state';
import { OKTA_API_SCOPES } from './scopes';
import { orgIssuer } from './server';

/*
 * Scope consent grants (`/api/v1/apps/{appId}/grants`): the admin's "Grant" in an app's Okta API Scopes
 * tab. Only grants with the org as issuer and an `okta.*` scope the sandbox knows are accepted (400
 * E0000001 naming the field otherwise). Granting a scope the app already has answers the existing grant.
 * Revoking a grant does not revoke tokens already issued with it, as in Okta: they keep their `scp`
 * until they expire.
 */

function render(ctx: OktaContext, app: AppRecord, g: ScopeGrantRecord) {
  const self = absolute(ctx, `/api/v1/apps/${app.id}/grants/${g.id}`);
  return {
    id: g.id,
    status: 'ACTIVE',
    created: g.created,
    lastUpdated: g.created,
    createdBy: g.createdBy,
    issuer: g.issuer,
    clientId: app.clientId,
    scopeId: g.scopeId,
    source: 'ADMIN',
    _links: { app: { href: absolute(ctx, `/api/v1/apps/${app.id}`) }, self: { href: self, hints: { allow: ['GET', 'DELETE'] } }, client: { href: absolute(ctx, `/oauth2/v1/clients/${app.clientId}`) } },
  };
}

export function registerScopeGrants(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Params: { appId: string } }>('/api/v1/apps/:appId/grants', async function listScopeConsentGrants(req) {
    const found = appOr404(ctx, req.params.appId);
    return (found.scopeGrants ?? []).map((g) => render(ctx, found, g));
  });

  app.get<{ Params: { appId: string; grantId: string } }>('/api/v1/apps/:appId/grants/:grantId', async function getScopeConsentGrant(req) {
    const found = appOr404(ctx, req.params.appId);
    const grant = found.scopeGrants?.find((g) => g.id === req.params.grantId);
    if (!grant) throw notFound(req.params.grantId, 'OAuth2ScopeConsentGrant');
    return render(ctx, found, grant);
  });

  app.post<{ Params: { appId: string } }>('/api/v1/apps/:appId/grants', async function grantConsentToScope(req, reply) {
    const found = appOr404(ctx, req.params.appId);
    const body = objectBody(req.body);
    const causes = [];
    if (body.issuer !== orgIssuer(ctx)) causes.push({ field: 'issuer', message: `The issuer must be the org's URL, ${orgIssuer(ctx)}` });
    if (typeof body.scopeId !== 'string' || !OKTA_API_SCOPES.includes(body.scopeId)) causes.push({ field: 'scopeId', message: `'${String(body.scopeId)}' is not one of ${OKTA_API_SCOPES.join(', ')}` });
    if (causes.length) throw validationFailed(causes);
    const scopeId = body.scopeId as string;
    const grants = (found.scopeGrants ??= []);
    const existing = grants.find((g) => g.scopeId === scopeId);
    if (existing) return reply.code(201).send(render(ctx, found, existing));
    const actor = req.oktaApiToken ? { id: req.oktaApiToken.userId, type: 'User' as const } : { id: req.oktaServiceClient!.clientId, type: 'PublicClientApp' as const };
    const grant: ScopeGrantRecord = { id: oktaId('oag'), scopeId, issuer: orgIssuer(ctx), created: nowIso(), createdBy: actor };
    grants.push(grant);
    logEvent(ctx, req, { eventType: 'app.oauth2.admin.consent.grant', displayMessage: 'Admin consent granted', target: [appTarget(found)], debugData: { scopeId } });
    return reply.code(201).send(render(ctx, found, grant));
  });

  app.delete<{ Params: { appId: string; grantId: string } }>('/api/v1/apps/:appId/grants/:grantId', async function revokeScopeConsentGrant(req, reply) {
    const found = appOr404(ctx, req.params.appId);
    const grant = found.scopeGrants?.find((g) => g.id === req.params.grantId);
    if (!grant) throw notFound(req.params.grantId, 'OAuth2ScopeConsentGrant');
    found.scopeGrants = found.scopeGrants!.filter((g) => g !== grant);
    logEvent(ctx, req, { eventType: 'app.oauth2.admin.consent.revoke', displayMessage: 'Admin consent revoked', target: [appTarget(found)], debugData: { scopeId: grant.scopeId } });
    return reply.code(204).send();
  });
}

