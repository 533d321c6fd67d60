import type { AnypointState } from '../anypoint';
import { basicAuth, callProvider, ProviderUnreachableError } from '../anypoint/outbound';
import type { ApiInstanceRecord, ClientProviderRecord, PolicyRecord } from '../anypoint/state';
import { IntrospectionCache, IntrospectionResult } from './introspection-cache';
import { GatewayRequest, PolicyOutcome, refuse } from './outcome';

/*
 * The "OpenID Connect access token enforcement" policy, as documented (reference c.3):
 * - The token comes from `Authorization: Bearer …` or the `access_token` query parameter; both at once is a
 *   400 invalid_request (RFC 6750 §2: one method only).
 * - It is introspected (RFC 7662) at the instance's client provider's introspection URL with the provider's
 *   introspection client (`primary_client`, HTTP Basic), within `authenticationTimeout` ms; TLS is verified
 *   only with `secureTrustStore: true`.
 * - 401 invalid_token: no token, an inactive or expired token, an IdP that cannot be reached, or an instance
 *   whose client provider is gone. 403 insufficient_scope: the token's `scope` lacks the policy's scopes
 *   (all of them with AND, one with OR). 403 invalid_client: the token's `client_id` is not an Exchange
 *   application with an APPROVED contract on this instance (unless `skipClientIdValidation`).
 *   500 server_error: the IdP answered something that is not an RFC 7662 response.
 * - Active results are cached per policy in a bounded LRU (`maxCacheEntries`) until the token's `exp`
 *   (60 s when the IdP gives none); inactive results are never cached. Contract and scope checks run on
 *   every request, so a revoked contract takes effect at once.
 * - `exposeHeaders: true` forwards the introspection fields to the upstream as `x-agw-<field>` headers.
 */

const DEFAULT_TTL_MS = 60_000;

export interface OidcConfig {
  scopes: string;
  scopeValidationCriteria: 'AND' | 'OR';
  exposeHeaders: boolean;
  skipClientIdValidation: boolean;
  secureTrustStore: boolean;
  authenticationTimeout: number;
  maxCacheEntries: number;
}

type IntrospectionOutcome = { ok: IntrospectionResult } | { inactive: true } | { failure: { status: number; error: string; description: string } };

export class OidcPolicyEnforcer {
  private readonly caches = new Map<number, { version: number; cache: IntrospectionCache }>();
  private readonly inFlight = new Map<string, Promise<IntrospectionOutcome>>();

  cacheFor(policy: PolicyRecord, capacity: number): IntrospectionCache {
    const current = this.caches.get(policy.id);
    if (current && current.version === policy.version) return current.cache;
    const fresh = { version: policy.version, cache: new IntrospectionCache(Math.max(1, capacity)) };
    this.caches.set(policy.id, fresh);
    return fresh.cache;
  }

  stats() {
    return [...this.caches.entries()].map(([policyId, { cache }]) => ({ policyId, ...cache.stats() }));
  }

  clear(): void {
    this.caches.clear();
  }

  async enforce(state: AnypointState, api: ApiInstanceRecord, policy: PolicyRecord, config: OidcConfig, req: GatewayRequest): Promise<PolicyOutcome> {
    const header = typeof req.headers.authorization === 'string' ? req.headers.authorization.trim() : undefined;
    const fromHeader = header && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '').trim() : undefined;
    const fromQuery = req.query.get('access_token') ?? undefined;
    if (fromHeader && fromQuery) return refuse(req, 400, 'invalid_request', 'Send the access token in the Authorization header or the access_token query parameter, not both');
    const token = fromHeader || fromQuery;
    if (!token) return refuse(req, 401, undefined, 'An access token is required: send Authorization: Bearer <token> or the access_token query parameter');

    const provider = api.providerId ? state.clientProviders.find((p) => p.providerId === api.providerId) : undefined;
    if (!provider) return refuse(req, 401, 'invalid_token', 'The API has no OpenID Connect client provider to validate the token with');

    const cache = this.cacheFor(policy, config.maxCacheEntries);
    const key = `${provider.providerId}\u0000${token}`;
    let result = cache.get(key);
    if (!result) {
      const outcome = await this.introspectOnce(key, provider, token, config);
      if ('failure' in outcome) return refuse(req, outcome.failure.status, outcome.failure.error, outcome.failure.description);
      if ('inactive' in outcome) return refuse(req, 401, 'invalid_token', 'The access token is invalid, expired or revoked');
      result = outcome.ok;
      if (result.expiresAt <= Date.now()) return refuse(req, 401, 'invalid_token', 'The access token has expired');
      cache.set(key, result);
    }

    const required = config.scopes.split(/\s+/).filter(Boolean);
    if (required.length > 0) {
      const granted = new Set(result.scope.split(/\s+/).filter(Boolean));
      const ok = config.scopeValidationCriteria === 'OR' ? required.some((s) => granted.has(s)) : required.every((s) => granted.has(s));
      if (!ok) {
        return refuse(req, 403, 'insufficient_scope', `The access token needs ${config.scopeValidationCriteria === 'OR' ? 'one of the scopes' : 'the scopes'}: ${required.join(' ')}`, config.scopes);
      }
    }

    if (!config.skipClientIdValidation) {
      const approved = state.contracts.filter((c) => c.apiId === api.id && c.status === 'APPROVED').map((c) => state.applications.find((a) => a.id === c.applicationId)?.clientId);
      if (!result.clientId || !approved.includes(result.clientId)) {
        return refuse(req, 403, 'invalid_client', `The client ${result.clientId ?? '(unknown)'} has no approved contract with this API`);
      }
    }

    const upstreamHeaders: Record<string, string> = {};
    if (config.exposeHeaders) {
      for (const [k, v] of Object.entries(result.claims)) {
        if (v === undefined || v === null || typeof v === 'object') continue;
        upstreamHeaders[`x-agw-${k.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`] = String(v);
      }
    }
    return { kind: 'continue', upstreamHeaders, authentication: { clientId: result.clientId, properties: { ...result.claims, ...(result.clientId ? { client_id: result.clientId } : {}) } } };
  }

  /** One introspection per token at a time, however many requests carry it. */
  private introspectOnce(key: string, provider: ClientProviderRecord, token: string, config: OidcConfig): Promise<IntrospectionOutcome> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = introspect(provider, token, config).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}

async function introspect(provider: ClientProviderRecord, token: string, config: OidcConfig): Promise<IntrospectionOutcome> {
  let res;
  try {
    res = await callProvider(provider.urls.introspect, {
      method: 'POST',
      headers: { authorization: basicAuth(provider.primaryClient.id, provider.primaryClient.secret) },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      timeoutMs: config.authenticationTimeout,
      allowUntrustedCertificates: !config.secureTrustStore,
    });
  } catch (err) {
    if (err instanceof ProviderUnreachableError) {
      return { failure: { status: 401, error: 'invalid_token', description: 'The authorization server could not be reached to validate the token' } };
    }
    throw err;
  }
  const body = res.json as Record<string, unknown> | undefined;
  if (res.status !== 200 || !body || typeof body !== 'object' || typeof body.active !== 'boolean') {
    return { failure: { status: 500, error: 'server_error', description: `The authorization server answered the introspection with an unexpected response (HTTP ${res.status})` } };
  }
  if (!body.active) return { inactive: true };
  const exp = typeof body.exp === 'number' ? body.exp * 1000 : Date.now() + DEFAULT_TTL_MS;
  const clientId = typeof body.client_id === 'string' ? body.client_id : typeof body.cid === 'string' ? body.cid : undefined;
  return { ok: { active: true, scope: typeof body.scope === 'string' ? body.scope : '', clientId, expiresAt: exp, claims: body } };
}
