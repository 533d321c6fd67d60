import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import type { RateLimitHeaderNames, SandboxContext, SandboxServiceDefinition } from '../core';
import { LOGIN_PATH, realmBasePath } from './paths';
import { seedState, type OpenAmSeed } from './seed';
import type { OpenAmState } from './state';

/*
 * The OpenAM emulator as a sandbox service. Everything under the realm's OAuth2 base is handed to
 * oidc-provider as is (the library answers, with its own status codes and error bodies); the kit still
 * applies injected faults first and logs each request under the realm's path. Persistence happens in the storage adapter, since
 * the library writes the response itself.
 *
 * The login page stands in for OpenAM's XUI: it signs in the user named by `login_hint` (no hint: the
 * first seeded user; an unknown one: `login_required`) and records the user's consent to the requested
 * scopes, then returns to the authorization endpoint. There is no form to fill.
 */

/** OpenAM publishes no rate-limit headers; the kit needs names, and no profile ever sets them. */
const OPENAM_RATE_LIMIT_HEADERS: RateLimitHeaderNames = { limit: 'X-RateLimit-Limit', remaining: 'X-RateLimit-Remaining', reset: 'X-RateLimit-Reset' };

/** Set once the server listens: the issuer (and so the provider) includes the port. */
export interface ProviderSlot {
  provider?: Provider;
}

type MountedRequest = IncomingMessage & { originalUrl?: string };

/** Request-log route for a path under the realm base: per-client and per-interaction URLs share one route each. */
function routeOf(base: string, path: string): string {
  const rest = (path.slice(base.length) || '/').replace(/^\/connect\/register\/[^/]+$/, '/connect/register/:clientId').replace(/^\/authorize\/[^/]+$/, '/authorize/:uid');
  return `${base}${rest}`;
}

function mountProvider(app: FastifyInstance, slot: ProviderSlot, base: string): void {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0].replace(/\/{2,}/g, '/');
    if (path !== base && !path.startsWith(`${base}/`)) return;
    const provider = slot.provider;
    if (!provider) return reply.code(503).send({ error: 'temporarily_unavailable', error_description: 'The provider is starting' });
    handler ??= provider.callback();
    req.sandboxMounted = { url: req.url, route: routeOf(base, path) };
    reply.hijack();
    // What a framework does when it mounts an app at a path: the provider sees the rest, and the full URL in originalUrl.
    const raw = req.raw as MountedRequest;
    raw.originalUrl = raw.url;
    raw.url = raw.url!.slice(raw.url!.indexOf(base) + base.length) || '/';
    handler(raw, reply.raw);
  });
}

function registerLogin(app: FastifyInstance, ctx: SandboxContext<OpenAmState>, slot: ProviderSlot): void {
  app.get<{ Params: { uid: string } }>(`${LOGIN_PATH}/:uid`, async (req, reply) => {
    const provider = slot.provider!;
    let details;
    try {
      details = await provider.interactionDetails(req.raw, reply.raw);
    } catch (err) {
      return reply.code(400).send({ error: 'invalid_request', error_description: (err as Error).message });
    }
    if (details.uid !== req.params.uid) return reply.code(400).send({ error: 'invalid_request', error_description: 'The login session does not match' });
    const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
    const accountId = details.session?.accountId ?? (hint ?? Object.keys(ctx.state.users)[0]);
    reply.hijack();
    if (!ctx.state.users[accountId]) {
      await provider.interactionFinished(req.raw, reply.raw, { error: 'login_required', error_description: `No user ${accountId} in realm ${ctx.state.realm}` }, { mergeWithLastSubmission: false });
      return;
    }
    const clientId = String(details.params.client_id);
    const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
    if (typeof details.params.scope === 'string') grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req.raw, reply.raw, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  });
}

/** Admin routes beyond the kit's (`/__sandbox/openam/...`): expiring issued access tokens without waiting an hour. */
function registerOpenAmAdmin(app: FastifyInstance, ctx: SandboxContext<OpenAmState>): void {
  app.post<{ Body: { clientId?: string } | undefined }>('/openam/tokens/expire', async (req, reply) => {
    const only = req.body?.clientId;
    for (const model of ['AccessToken', 'ClientCredentials']) {
      for (const record of Object.values(ctx.state.models[model] ?? {})) if (!only || record.payload.clientId === only) record.payload.exp = 1;
    }
    ctx.store.persist();
    return reply.code(204).send();
  });
}

export function openAmService(seed: OpenAmSeed, slot: ProviderSlot): SandboxServiceDefinition<OpenAmState> {
  const base = realmBasePath(seed.realm);
  return {
    name: 'openam',
    seed: () => seedState(seed),
    rateLimitHeaders: OPENAM_RATE_LIMIT_HEADERS,
    serverError: (status) => ({ status, body: { error: 'server_error', error_description: 'The authorization server encountered an unexpected error' } }),
    rateLimited: (reset) => ({ status: 429, body: { error: 'temporarily_unavailable', error_description: 'Too many requests' }, headers: { 'retry-after': String(Math.max(1, reset - Math.floor(Date.now() / 1000))) } }),
    routes(app, ctx) {
      mountProvider(app, slot, base);
      registerLogin(app, ctx, slot);
    },
    adminRoutes: registerOpenAmAdmin,
  };
}
