import { ApplicationFailure } from '@temporalio/activity';
import { request } from 'undici';
import { resolveSecretRef } from '../config/secrets';
import type { OktaTenantConfig, Rfc7591TenantConfig, TenantConfig } from '../config/tenant';
import { anypointFor, oktaFor, providerClientFor } from './clients';
import type { AnypointContext, ProbeResult, ProofResult, ProviderEndpoints } from './types';
import { proveUserSignIn } from './sign-in-proof';

/**
 * Proves the integration end to end, as a consumer would see it: a client_credentials token for
 * the verification application (from Okta or the RFC 7591 provider), its introspection by the introspection client, then the gateway
 * without a token (401), and with it where the scope allows (200) and where it does not (403).
 * Read-only; the token stays inside this activity.
 */
export async function proveIntegration(cfg: TenantConfig, ctx: AnypointContext, endpoints: ProviderEndpoints, _apiId: string, known: KnownIds = {}): Promise<ProofResult> {
  const v = cfg.verification;
  const first = v.allowed[0] ?? v.denied[0];
  // The probe without a token needs nothing else: it runs while the clients' tokens are fetched.
  const withoutToken = probeGateway(cfg, first, 401);
  const main = proveClient(cfg, ctx, endpoints, v, withoutToken, known);
  // `?? []`: a config recorded before verification.otherClients existed.
  const others = Promise.all((v.otherClients ?? []).map((other) => proveClient(cfg, ctx, endpoints, other, withoutToken, { introspectionClientId: known.introspectionClientId, applicationIds: known.applicationIds })));
  const [mainResult, otherResults] = await Promise.all([main, others]);
  const users = cfg.okta && v.signIn ? await proveUserSignIn(cfg, ctx, endpoints, known.applicationIds?.[v.signIn.clientApplication]) : [];
  if (otherResults.length === 0 && users.length === 0) return mainResult;
  return {
    ...mainResult,
    ...(otherResults.length ? { otherClients: otherResults } : {}),
    ...(users.length ? { users } : {}),
    passed: mainResult.passed && otherResults.every((o) => o.passed) && users.every((u) => u.passed),
  };
}

type VerifiedClient = Pick<TenantConfig['verification'], 'clientApplication' | 'tokenScopes' | 'allowed' | 'denied'>;

/** One client application's token, its introspection and its probes through the gateway. */
async function proveClient(cfg: TenantConfig, ctx: AnypointContext, endpoints: ProviderEndpoints, v: VerifiedClient, withoutTokenProbe: Promise<ProbeResult>, known: KnownIds): Promise<ProofResult> {
  const anypoint = anypointFor(cfg);
  // The application's secret is read from Anypoint here, never passed through history: by id when
  // the run knows it (one read), else by name (a list first).
  const id = known.applicationIds?.[v.clientApplication] ?? (v.clientApplication === cfg.verification.clientApplication ? known.verificationApplicationId : undefined);
  const app = id
    ? await anypoint.getClientApplication(ctx.orgId, id, { withCredentials: true })
    : await anypoint.findClientApplicationByName(ctx.orgId, v.clientApplication, { withCredentials: true });
  if (!app?.clientId || !app.clientSecret) throw new Error(`Client application "${v.clientApplication}" or its credentials are not readable in Anypoint`);
  const consumer = { clientId: String(app.clientId), clientSecret: String(app.clientSecret) };
  const [{ token, introspection }, withoutToken] = await Promise.all([
    cfg.okta ? oktaTokenAndIntrospection(cfg, endpoints, consumer, v.tokenScopes, known.introspectionClientId) : providerTokenAndIntrospection(cfg, endpoints, consumer, v.tokenScopes),
    withoutTokenProbe,
  ]);
  const probes = await Promise.all([...v.allowed, ...v.denied].map((c) => probeGateway(cfg, c, c.expect, token.accessToken)));

  // A 5xx is the gateway (or its introspection) failing, not a verdict on the policies: try the proof again.
  throwIfGatewayUnavailable([withoutToken, ...probes]);

  return {
    clientApplication: v.clientApplication,
    tokenScopes: token.scope ? token.scope.split(' ') : [],
    introspectionActive: introspection.active === true,
    introspectedScope: String(introspection.scope ?? ''),
    withoutToken,
    probes,
    passed: introspection.active === true && withoutToken.passed && probes.every((p) => p.passed),
  };
}

/** A client_credentials token of the verification application, whose credentials Anypoint holds. Stays in the activity. */
export async function verificationToken(cfg: TenantConfig, ctx: AnypointContext, tokenUrl: string): Promise<{ accessToken: string; scope?: string }> {
  const v = cfg.verification;
  const app = await anypointFor(cfg).findClientApplicationByName(ctx.orgId, v.clientApplication, { withCredentials: true });
  if (!app?.clientId || !app.clientSecret) throw new Error(`Client application "${v.clientApplication}" or its credentials are not readable in Anypoint`);
  return oktaFor(cfg).requestClientCredentialsToken({ tokenUrl, clientId: String(app.clientId), clientSecret: String(app.clientSecret), scopes: v.tokenScopes });
}

/**
 * One request through the gateway, as a consumer makes it: the token in the Authorization header, or
 * (`tokenIn: 'query'`, as a browser's implicit flow may send it) in the `access_token` parameter; the
 * result names the path without the token.
 */
export async function probeGateway(cfg: TenantConfig, call: { method: string; path: string }, expected: number, bearer?: string, opts: { tokenIn?: 'header' | 'query' } = {}): Promise<ProbeResult> {
  const base = cfg.verification.gatewayUrl.replace(/\/$/, '');
  const inQuery = bearer !== undefined && opts.tokenIn === 'query';
  const url = inQuery ? `${base}${call.path}${call.path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(bearer)}` : `${base}${call.path}`;
  const res = await request(url, { method: call.method as 'GET', headers: bearer && !inQuery ? { authorization: `Bearer ${bearer}` } : {} });
  await res.body.dump();
  return { method: call.method, path: call.path, expected, actual: res.statusCode, passed: res.statusCode === expected, ...(opts.tokenIn ? { tokenIn: opts.tokenIn } : {}) };
}

export function throwIfGatewayUnavailable(probes: ProbeResult[]): void {
  const unavailable = probes.find((p) => p.actual >= 500);
  if (unavailable) {
    throw ApplicationFailure.retryable(`The gateway answered ${unavailable.method} ${unavailable.path} with ${unavailable.actual}; the proof is retried until it answers.`, 'gateway.unavailable');
  }
}

/** Ids the onboarding already holds, so the proof need not look them up again (older runs pass none). */
export interface KnownIds {
  introspectionClientId?: string;
  /** The Exchange application the proof takes its token with (cfg.verification.clientApplication). */
  verificationApplicationId?: string;
  /** Every Exchange application the run holds, by name (the other clients and the sign-in proof's). */
  applicationIds?: Record<string, string>;
}

type Consumer = { clientId: string; clientSecret: string };
type TokenAndIntrospection = { token: { accessToken: string; scope: string }; introspection: { active: boolean; scope?: unknown } };

async function oktaTokenAndIntrospection(cfg: OktaTenantConfig, endpoints: ProviderEndpoints, consumer: Consumer, scopes: string[], introspectionClientId?: string): Promise<TokenAndIntrospection> {
  const okta = oktaFor(cfg);
  const introspectionClient = async () => {
    const id = introspectionClientId ?? (await okta.findOidcAppByLabel(cfg.okta.introspectionClient.label))?.id;
    if (!id) throw new Error(`Okta introspection client "${cfg.okta.introspectionClient.label}" does not exist`);
    return { id, secret: await okta.getClientSecret(id) };
  };
  // Independent reads: the token and the introspection client's secret together.
  const [token, client] = await Promise.all([okta.requestClientCredentialsToken({ tokenUrl: endpoints.token, ...consumer, scopes }), introspectionClient()]);
  const introspection = await okta.introspectToken({ introspectUrl: endpoints.introspect, clientId: client.id, clientSecret: client.secret, token: token.accessToken });
  return { token, introspection };
}

/** At an RFC 7591 provider: the token from its token endpoint, introspected by the tenant's introspection client. */
async function providerTokenAndIntrospection(cfg: Rfc7591TenantConfig, endpoints: ProviderEndpoints, consumer: Consumer, scopes: string[]): Promise<TokenAndIntrospection> {
  const provider = providerClientFor();
  const token = await provider.requestClientCredentialsToken({ tokenUrl: endpoints.token, ...consumer, scopes });
  const { clientId, clientSecret } = cfg.rfc7591.introspectionClient;
  const introspection = await provider.introspect({ introspectUrl: endpoints.introspect, clientId, clientSecret: resolveSecretRef(clientSecret), token: token.accessToken });
  return { token, introspection };
}
