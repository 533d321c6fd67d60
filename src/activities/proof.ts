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
export async function proveIntegration(cfg: TenantConfig, ctx: AnypointContext, endpoints: ProviderEndpoints, _apiId: string): Promise<ProofResult> {
  const v = cfg.verification;
  const first = v.allowed[0] ?? v.denied[0];
  const withoutToken = await probeGateway(cfg, first, 401);
  const main = await proveClient(cfg, ctx, endpoints, v, withoutToken);
  // `?? []`: a config recorded before verification.otherClients existed.
  const others: ProofResult[] = [];
  for (const other of v.otherClients ?? []) others.push(await proveClient(cfg, ctx, endpoints, other, withoutToken));
  const users = cfg.okta && v.signIn ? await proveUserSignIn(cfg, ctx, endpoints) : [];
  if (others.length === 0 && users.length === 0) return main;
  return {
    ...main,
    ...(others.length ? { otherClients: others } : {}),
    ...(users.length ? { users } : {}),
    passed: main.passed && others.every((o) => o.passed) && users.every((u) => u.passed),
  };
}

type VerifiedClient = Pick<TenantConfig['verification'], 'clientApplication' | 'tokenScopes' | 'allowed' | 'denied'>;

/** One client application's token, its introspection and its probes through the gateway. */
async function proveClient(cfg: TenantConfig, ctx: AnypointContext, endpoints: ProviderEndpoints, v: VerifiedClient, withoutToken: ProbeResult): Promise<ProofResult> {
  // The application's secret is read from Anypoint here, never passed through history.
  const app = await anypointFor(cfg).findClientApplicationByName(ctx.orgId, v.clientApplication, { withCredentials: true });
  if (!app?.clientId || !app.clientSecret) throw new Error(`Client application "${v.clientApplication}" or its credentials are not readable in Anypoint`);
  const consumer = { clientId: String(app.clientId), clientSecret: String(app.clientSecret) };
  const { token, introspection } = cfg.okta
    ? await oktaTokenAndIntrospection(cfg, endpoints, consumer, v.tokenScopes)
    : await providerTokenAndIntrospection(cfg, endpoints, consumer, v.tokenScopes);

  const probes: ProbeResult[] = [];
  for (const c of v.allowed) probes.push(await probeGateway(cfg, c, c.expect, token.accessToken));
  for (const c of v.denied) probes.push(await probeGateway(cfg, c, c.expect, token.accessToken));

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

/** One request through the gateway, as a consumer makes it. */
export async function probeGateway(cfg: TenantConfig, call: { method: string; path: string }, expected: number, bearer?: string): Promise<ProbeResult> {
  const base = cfg.verification.gatewayUrl.replace(/\/$/, '');
  const res = await request(`${base}${call.path}`, { method: call.method as 'GET', headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  await res.body.dump();
  return { method: call.method, path: call.path, expected, actual: res.statusCode, passed: res.statusCode === expected };
}

export function throwIfGatewayUnavailable(probes: ProbeResult[]): void {
  const unavailable = probes.find((p) => p.actual >= 500);
  if (unavailable) {
    throw ApplicationFailure.retryable(`The gateway answered ${unavailable.method} ${unavailable.path} with ${unavailable.actual}; the proof is retried until it answers.`, 'gateway.unavailable');
  }
}

type Consumer = { clientId: string; clientSecret: string };
type TokenAndIntrospection = { token: { accessToken: string; scope: string }; introspection: { active: boolean; scope?: unknown } };

async function oktaTokenAndIntrospection(cfg: OktaTenantConfig, endpoints: ProviderEndpoints, consumer: Consumer, scopes: string[]): Promise<TokenAndIntrospection> {
  const okta = oktaFor(cfg);
  const token = await okta.requestClientCredentialsToken({ tokenUrl: endpoints.token, ...consumer, scopes });
  const introspectionApp = await okta.findOidcAppByLabel(cfg.okta.introspectionClient.label);
  const introspection = await okta.introspectToken({
    introspectUrl: endpoints.introspect,
    clientId: introspectionApp!.id!,
    clientSecret: await okta.getClientSecret(introspectionApp!.id!),
    token: token.accessToken,
  });
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
