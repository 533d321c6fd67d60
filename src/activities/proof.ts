import { ApplicationFailure } from '@temporalio/activity';
import { request } from 'undici';
import { resolveSecretRef } from '../config/secrets';
import type { OktaTenantConfig, Rfc7591TenantConfig, TenantConfig } from '../config/tenant';
import { anypointFor, oktaFor, providerClientFor } from './clients';
import { Checkpoint } from './checkpoint';
import { activitySleep } from './context';
import type { AnypointContext, ProbeResult, ProofResult, ProviderEndpoints, SignInFlowProof } from './types';
import { proveUserSignIn } from './sign-in-proof';

/**
 * Proves the integration end to end, as a consumer would see it: a client_credentials token for
 * the verification application (from Okta or the RFC 7591 provider), its introspection by the introspection client, then the gateway
 * without a token (401), and with it where the scope allows (200) and where it does not (403).
 * Read-only; the token stays inside this activity.
 *
 * The proof makes some forty requests; under sustained faults hardly any attempt gets through all
 * of them. Each part that passed (the call without a token, each client's proof, each person's
 * sign-in flow) is kept in the activity's checkpoint, so a retry (in the worker or Temporal's)
 * proves only what is left. A part that did not pass is not kept: the run fails on it, or proves it again.
 */
export async function proveIntegration(cfg: TenantConfig, ctx: AnypointContext, endpoints: ProviderEndpoints, _apiId: string, known: KnownIds = {}): Promise<ProofResult> {
  const v = cfg.verification;
  const first = v.allowed[0] ?? v.denied[0];
  const checkpoint = new Checkpoint<ProofPart>('proof');
  const part = <P extends ProofPart>(key: string, run: () => Promise<P>) => checkpoint.step(key, run, (p) => p.passed) as Promise<P>;
  // The probe without a token needs nothing else: it runs while the clients' tokens are fetched.
  const withoutToken = part('withoutToken', () => probeGateway(cfg, first, 401));
  const main = part(`client:${v.clientApplication}`, () => proveClient(cfg, ctx, endpoints, v, withoutToken, known));
  // `?? []`: a config recorded before verification.otherClients existed.
  const others = Promise.all(
    (v.otherClients ?? []).map((other) =>
      part(`client:${other.clientApplication}`, () => proveClient(cfg, ctx, endpoints, other, withoutToken, { introspectionClientId: known.introspectionClientId, applicationIds: known.applicationIds })),
    ),
  );
  // People sign in meanwhile: their flows need nothing the clients' proofs make, and a wait one part
  // meets (a 429's reset) is then spent on the others' requests.
  const signIns = cfg.okta && v.signIn ? proveUserSignIn(cfg, ctx, endpoints, known.applicationIds?.[v.signIn.clientApplication], part) : Promise.resolve([]);
  // Settled together: a failed part must not leave the others' requests running into the next attempt.
  // (The call without a token too: with every client taken from the checkpoint, nothing else awaits it.)
  const [mainResult, otherResults, users] = await allSettled(main, others, signIns, withoutToken);
  if (otherResults.length === 0 && users.length === 0) return mainResult;
  return {
    ...mainResult,
    ...(otherResults.length ? { otherClients: otherResults } : {}),
    ...(users.length ? { users } : {}),
    passed: mainResult.passed && otherResults.every((o) => o.passed) && users.every((u) => u.passed),
  };
}

/** What the proof's checkpoint keeps: parts that passed, none holding a secret (no token, no client secret). */
type ProofPart = ProofResult | SignInFlowProof | ProbeResult;

/** Runs a proof part once, or takes it from an earlier attempt's checkpoint when it passed there. */
export type ProofPartRunner = <P extends ProofPart>(key: string, run: () => Promise<P>) => Promise<P>;

/** Every result, once all have settled; the first failure if any failed. */
async function allSettled<T extends unknown[]>(...parts: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(parts);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as T;
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

/** Tries of one gateway call while its answer is not a verdict (see isVerdict), 100 ms doubling in between. */
const PROBE_TRIES = 4;
const PROBE_FIRST_DELAY_MS = 100;

/**
 * One request through the gateway, as a consumer makes it: the token in the Authorization header, or
 * (`tokenIn: 'query'`, as a browser's implicit flow may send it) in the `access_token` parameter; the
 * result names the path without the token. Tried again in place while the answer is not a verdict.
 */
export async function probeGateway(cfg: TenantConfig, call: { method: string; path: string }, expected: number, bearer?: string, opts: { tokenIn?: 'header' | 'query' } = {}): Promise<ProbeResult> {
  const base = cfg.verification.gatewayUrl.replace(/\/$/, '');
  const inQuery = bearer !== undefined && opts.tokenIn === 'query';
  const url = inQuery ? `${base}${call.path}${call.path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(bearer)}` : `${base}${call.path}`;
  let actual = 0;
  for (let i = 0; ; i++) {
    try {
      const res = await request(url, { method: call.method as 'GET', headers: bearer && !inQuery ? { authorization: `Bearer ${bearer}` } : {} });
      await res.body.dump();
      actual = res.statusCode;
      if (isVerdict(actual, expected, bearer) || i + 1 >= PROBE_TRIES) break;
    } catch (err) {
      // The gateway itself unreachable: a network error, thrown as such once the tries are spent.
      if (i + 1 >= PROBE_TRIES) throw err;
    }
    await activitySleep(PROBE_FIRST_DELAY_MS * 2 ** i);
  }
  return { method: call.method, path: call.path, expected, actual, passed: actual === expected, ...(opts.tokenIn ? { tokenIn: opts.tokenIn } : {}) };
}

/**
 * Whether the gateway's answer says something about the policies. A 5xx or 429 does not (the gateway
 * or its introspection at the provider failed). Nor, at first, does a 401 to a token just issued
 * where 200 or 403 is expected: the OpenID Connect policy answers 401 when it cannot reach the
 * provider to introspect the token (reference c.3), so under faults a dropped introspection looks like a
 * refused token. It is asked again; a 401 that persists over every try is the verdict (a policy that
 * introspects at the wrong place, or with the wrong client, answers so every time).
 */
function isVerdict(actual: number, expected: number, bearer: string | undefined): boolean {
  if (actual >= 500 || actual === 429) return false;
  return !(bearer && actual === 401 && expected !== 401);
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
