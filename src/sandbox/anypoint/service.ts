import type { FastifyInstance } from 'fastify';
import { ANYPOINT_RATE_LIMIT_HEADERS, RateLimitClassifier, SandboxServiceDefinition } from '../core';
import { registerAccessManagement, registerTokenEndpoint } from './access-management';
import { registerApiInstances } from './api-instances';
import { registerClientApplications } from './client-applications';
import { registerClientProviders } from './client-providers';
import { registerConsumerAdmin } from './consumers';
import { registerContracts } from './contracts';
import { cannedRateLimited, cannedServerError, familyOf, installErrorHandler } from './errors';
import { registerExchangeAssets, registerExchangeFileDownloads } from './exchange-assets';
import { registerGraphApi } from './graph';
import { AnypointContext, AnypointRuntime, requireBearer } from './http';
import { registerIdentityProviders } from './identity-providers';
import { registerPolicies } from './policies';
import { registerProxyDeployments } from './proxy-deployments';
import { AnypointSeed, seedState } from './seed';
import { registerSsoLogin } from './sso-login';
import type { AnypointState } from './state';
import { registerTiers } from './tiers';

/*
 * Rate-limit profile `platform` (alias `developer`, the name the CLI uses for every sandbox): fixed
 * one-minute windows announced with X-RateLimit-Limit/Remaining/Reset. Access Management 500/min
 * (KB 001116018's example), API Manager and proxies 200/min, Exchange 100/min with asset publication and
 * deletion at 20/min ("throttled faster", KB 001121231). The real values are undisclosed; these keep
 * a client honest about 429s without slowing a demo down.
 */
const platformProfile: RateLimitClassifier = (method, path) => {
  if (path.startsWith('/accounts/')) return { key: 'accounts', limit: 500 };
  if (path.startsWith('/exchange/')) {
    const assetWrite = (method === 'POST' && /\/organizations\/[^/]+\/assets\//.test(path)) || (method === 'DELETE' && path.startsWith('/exchange/api/v2/assets/'));
    return assetWrite ? { key: 'exchange-asset-writes', limit: 20 } : { key: 'exchange', limit: 100 };
  }
  if (path.startsWith('/apimanager/')) return { key: 'apimanager', limit: 200 };
  // The Graph API fronts Exchange: it gets Exchange's read budget, in a window of its own.
  if (path.startsWith('/graph/')) return { key: 'graph', limit: 100 };
  if (path.startsWith('/proxies/')) return { key: 'proxies', limit: 200 };
  return undefined;
};

/**
 * Admin routes beyond the kit's: the seeded identity, expiring tokens to exercise re-authentication, and the
 * consumer's side of Exchange (consumers.ts).
 */
function registerAnypointAdmin(app: FastifyInstance, ctx: AnypointContext): void {
  app.get('/seed', async () => {
    const s = ctx.state;
    return {
      orgId: s.org.id,
      orgDomain: s.org.domain,
      environments: Object.fromEntries(s.environments.map((e) => [e.name, e.id])),
      connectedApps: s.connectedApps.map((a) => ({ clientId: a.clientId, clientSecret: a.clientSecret, name: a.name })),
    };
  });
  app.post<{ Body: { token?: string } | undefined }>('/tokens/expire', async (req, reply) => {
    const only = req.body?.token;
    for (const [token, rec] of Object.entries(ctx.state.tokens)) if (!only || only === token) rec.expiresAt = 0;
    ctx.store.persist();
    return reply.code(204).send();
  });
}

export function anypointService(seed: AnypointSeed, runtime: AnypointRuntime): SandboxServiceDefinition<AnypointState> {
  return {
    name: 'anypoint',
    seed: () => seedState(seed),
    rateLimitHeaders: ANYPOINT_RATE_LIMIT_HEADERS,
    rateLimitProfiles: { platform: platformProfile, developer: platformProfile },
    serverError: cannedServerError,
    rateLimited: cannedRateLimited,
    async routes(app, ctx) {
      await app.register(async (pub) => {
        installErrorHandler(pub);
        registerTokenEndpoint(pub, ctx, runtime);
        registerSsoLogin(pub, ctx, runtime);
        registerExchangeFileDownloads(pub, ctx);
      });
      await app.register(async (graph) => registerGraphApi(graph, ctx));
      await app.register(async (api) => {
        installErrorHandler(api);
        requireBearer(api, ctx, (req) => familyOf(req.url));
        registerAccessManagement(api, ctx);
        registerClientProviders(api, ctx);
        registerIdentityProviders(api, ctx);
        await registerExchangeAssets(api, ctx);
        registerClientApplications(api, ctx);
        registerApiInstances(api, ctx, runtime);
        registerProxyDeployments(api, ctx, runtime);
        registerPolicies(api, ctx);
        registerTiers(api, ctx);
        registerContracts(api, ctx);
      });
    },
    async adminRoutes(app, ctx) {
      registerAnypointAdmin(app, ctx);
      // Own plugin: the consumer calls answer in Exchange's error shape, the kit's admin routes in theirs.
      await app.register(async (consumers) => registerConsumerAdmin(consumers, ctx));
    },
  };
}
