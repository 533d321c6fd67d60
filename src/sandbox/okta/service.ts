import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { searchLagMs, setSearchLag } from './search-lag';
import { OKTA_RATE_LIMIT_HEADERS, oktaId, type SandboxServiceDefinition } from '../core';
import { registerAppAssignments } from './app-groups';
import { appByClientId, registerApps } from './apps';
import { registerAuthorizationServers } from './authorization-servers';
import { registerClaims } from './claims';
import { registerDynamicClientRegistration } from './dcr';
import { installErrorHandler, rateLimitedResponse, serverErrorResponse } from './errors';
import { registerGroups } from './groups';
import { addRequestIdHeader, installNotFound, nowIso, type OktaContext } from './http';
import { registerOrgAuthorizationServer } from './org-auth/endpoints';
import { registerScopeGrants } from './org-auth/grants';
import { requireManagementCredentials } from './org-auth/guard';
import { registerOAuthEndpoints } from './oauth';
import { registerPolicies } from './policies';
import { developerProfile, unlimitedProfile } from './rate-limits';
import { registerScopes } from './scopes';
import { newApiToken, seedState, type OktaSeed } from './seed';
import type { OktaState } from './state';
import { registerSignIn } from './sign-in';
import { registerSystemLog } from './system-log';
import { findUser, registerUsers } from './users';
import { ROLE_LABELS, registerAdminRoles, requireAdminRoleForWrites, setAdminRoles, setClientAdminRoles } from './admin-roles';

/**
 * Admin routes beyond the kit's (`/__sandbox/okta/...`): expiring issued tokens, to exercise
 * introspection and re-authentication without waiting an hour; and creating and revoking SSWS API
 * tokens, which Okta only does in its Admin Console (Security → API → Tokens; a token unused for
 * 30 days is revoked), to exercise a token rotation.
 */
function registerOktaAdmin(app: FastifyInstance, ctx: OktaContext): void {
  app.get('/okta/search-lag', async () => ({ ms: searchLagMs(ctx) }));
  app.put<{ Body: { ms?: unknown } | undefined }>('/okta/search-lag', async (req, reply) => {
    const ms = req.body?.ms;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return reply.code(400).send({ error: 'SANDBOX_SEARCH_LAG_INVALID', message: 'ms must be a number of milliseconds, 0 or more' });
    setSearchLag(ctx, ms);
    return { ms };
  });
  // What Security → Administrators does in the console: the roles of an admin (a user by id or login, or
  // a service app by client id: its "Admin roles" tab).
  app.put<{ Params: { user: string }; Body: { roles?: unknown } | undefined }>('/okta/admin-roles/:user', async (req, reply) => {
    const roles = req.body?.roles;
    const user = findUser(ctx.state, req.params.user);
    const serviceApp = user ? undefined : appByClientId(ctx.state, req.params.user);
    if (!user && !serviceApp) return reply.code(404).send({ error: 'SANDBOX_ADMIN_NOT_FOUND', message: `no user and no app with client id ${req.params.user}` });
    if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string' || !(r in ROLE_LABELS))) {
      return reply.code(400).send({ error: 'SANDBOX_ROLES_INVALID', message: `roles must be a list of Okta's standard role types: ${Object.keys(ROLE_LABELS).join(', ')}` });
    }
    if (user) setAdminRoles(ctx.state, user.id, roles as string[]);
    else setClientAdminRoles(ctx.state, serviceApp!.clientId, roles as string[]);
    ctx.store.persist();
    return user ? { userId: user.id, roles } : { clientId: serviceApp!.clientId, roles };
  });
  app.post<{ Body: { jti?: string } | undefined }>('/okta/tokens/expire', async (req, reply) => {
    const only = req.body?.jti;
    for (const [id, t] of Object.entries(ctx.state.tokens)) if (!only || only === id) t.exp = 1;
    ctx.store.persist();
    return reply.code(204).send();
  });
  app.post<{ Body: { name?: string } | undefined }>('/okta/api-tokens', async (req, reply) => {
    const owner = ctx.state.apiTokens[0];
    const record = { id: oktaId('00T'), name: req.body?.name ?? 'created in the console', token: newApiToken(), userId: owner.userId, created: nowIso() };
    ctx.state.apiTokens.push(record);
    ctx.store.persist();
    return reply.code(201).send({ id: record.id, name: record.name, token: record.token });
  });
  app.delete<{ Params: { id: string } }>('/okta/api-tokens/:id', async (req, reply) => {
    ctx.state.apiTokens = ctx.state.apiTokens.filter((t) => t.id !== req.params.id);
    ctx.store.persist();
    return reply.code(204).send();
  });
}

/** The Okta emulator as a sandbox service: management API, DCR and the custom authorization servers. */
export function oktaService(seed: OktaSeed): SandboxServiceDefinition<OktaState> {
  return {
    name: 'okta',
    seed: () => seedState(seed),
    rateLimitHeaders: OKTA_RATE_LIMIT_HEADERS,
    rateLimitProfiles: { developer: developerProfile, unlimited: unlimitedProfile },
    serverError: serverErrorResponse,
    rateLimited: rateLimitedResponse,
    adminRoutes: registerOktaAdmin,
    async routes(app, ctx) {
      addRequestIdHeader(app);
      await app.register(async (okta) => {
        // The Okta session cookie (sid), read by /authorize and the sessions API, set by sign-in.
        await okta.register(fastifyCookie);
        installErrorHandler(okta);
        installNotFound(okta);
        await okta.register(async (management) => {
          requireManagementCredentials(management, ctx);
          requireAdminRoleForWrites(management, ctx);
          registerAdminRoles(management, ctx);
          registerAuthorizationServers(management, ctx);
          registerScopes(management, ctx);
          registerClaims(management, ctx);
          registerPolicies(management, ctx);
          registerGroups(management, ctx);
          registerUsers(management, ctx);
          registerApps(management, ctx);
          registerAppAssignments(management, ctx);
          registerScopeGrants(management, ctx);
          registerSystemLog(management, ctx);
        });
        await okta.register(async (dcr) => registerDynamicClientRegistration(dcr, ctx));
        await okta.register(async (oauth) => registerOAuthEndpoints(oauth, ctx));
        await okta.register(async (orgAuth) => registerOrgAuthorizationServer(orgAuth, ctx));
        await okta.register(async (signIn) => registerSignIn(signIn, ctx));
      });
    },
  };
}
