// openid-client 6 is an ES module, which the activities (CommonJS, also loaded in-process by the tests) cannot
// require on Node 20; its 5.x line, the same maintainer's CommonJS release, does the same checks.
import { Issuer, generators, type BaseClient } from 'openid-client-v5';
import { request } from 'undici';
import { resolveSecretRef } from '../config/secrets';
import type { OktaTenantConfig } from '../config/tenant';
import { ExternalApiError, RETRYABLE_KINDS } from '../clients/errors';
import { anypointFor, oktaFor } from './clients';
import { activitySleep } from './context';
import { probeGateway, type ProofPartRunner } from './proof';
import type { AnypointContext, ProviderEndpoints, SignInFlowProof, UserSignInProof } from './types';

/*
 * The guides' sign-in of a person, done the way a headless client does it against Okta: the user's
 * credentials to `/api/v1/authn` for a one-time session token, then the authorize request with that
 * `sessionToken`, read from its redirect (never followed): authorization code with PKCE (seed 001/004,
 * exchanged by openid-client, which checks state, nonce and the ID token), and the implicit grant with
 * state and nonce (seed 002, the token in the fragment). Each token goes through the gateway in the
 * Authorization header and in the `access_token` query parameter. A user the tenant expects to be
 * refused must get no token. Passwords and tokens stay in this activity.
 */

/**
 * `applicationId`: the sign-in application's id when the run holds it (one read instead of a list).
 * `part`: runs each flow, or takes it from the proof's checkpoint when it passed on an earlier attempt.
 */
export async function proveUserSignIn(cfg: OktaTenantConfig, ctx: AnypointContext, endpoints: ProviderEndpoints, applicationId?: string, part: ProofPartRunner = (_key, run) => run()): Promise<UserSignInProof[]> {
  const signIn = cfg.verification.signIn;
  if (!signIn) return [];
  // Read once, and only when a flow is left to prove (a resumed attempt may have none).
  let client: Promise<BaseClient> | undefined;
  const signInClient = () =>
    (client ??= signInClientOf(cfg, ctx, endpoints, applicationId).catch((err: unknown) => {
      // A failed read is read again by the flow's next try, not remembered.
      client = undefined;
      throw err;
    }));
  // People are independent: all at once. One person's flows go one after the other: a password Okta
  // refuses is refused once, not once per flow (failed sign-ins count towards the user's lockout).
  const proveUser = async (user: SignInUser): Promise<UserSignInProof> => {
    const scope = ['openid', ...user.scopes].join(' ');
    const flows: SignInFlowProof[] = [];
    for (const flow of ['authorization_code+pkce', 'implicit'] as const) {
      flows.push(
        await part(`signIn:${user.login}:${flow}`, () =>
          retriedWhileUnavailable(async (): Promise<SignInFlowProof> => {
            const config = await signInClient();
            const password = resolveSecretRef(user.password);
            // A session token is one-time: every attempt signs in afresh.
            const sessionToken = await authenticate(cfg, user.login, password);
            const obtained = flow === 'implicit' ? await implicitToken(config, signIn.redirectUri, scope, sessionToken) : await codeWithPkceToken(config, signIn.redirectUri, scope, sessionToken);
            if ('error' in obtained) return { flow, tokenScopes: [], error: obtained.error, probes: [], passed: user.refused };
            const probes = (
              await Promise.all(
                [...user.allowed, ...user.denied].map((c) => Promise.all([probeGateway(cfg, c, c.expect, obtained.accessToken, { tokenIn: 'header' }), probeGateway(cfg, c, c.expect, obtained.accessToken, { tokenIn: 'query' })])),
              )
            ).flat();
            return { flow, tokenScopes: obtained.scope.split(' ').filter(Boolean), probes, passed: !user.refused && probes.every((p) => p.passed) };
          }),
        ),
      );
    }
    return { login: user.login, expectedRefused: user.refused, flows, passed: flows.every((f) => f.passed) };
  };
  return settledInOrder(signIn.users.map(proveUser));
}

type SignInUser = NonNullable<OktaTenantConfig['verification']['signIn']>['users'][number];

/** The results in order once every one has settled; the first failure if any failed (none left running). */
async function settledInOrder<T>(parts: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(parts);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** The sign-in application as an OpenID client of the provider: its credentials from Anypoint, the provider's metadata. */
async function signInClientOf(cfg: OktaTenantConfig, ctx: AnypointContext, endpoints: ProviderEndpoints, applicationId?: string): Promise<BaseClient> {
  const signIn = cfg.verification.signIn!;
  const anypoint = anypointFor(cfg);
  const app = applicationId
    ? await anypoint.getClientApplication(ctx.orgId, applicationId, { withCredentials: true })
    : await anypoint.findClientApplicationByName(ctx.orgId, signIn.clientApplication, { withCredentials: true });
  if (!app?.clientId || !app.clientSecret) throw new Error(`Client application "${signIn.clientApplication}" or its credentials are not readable in Anypoint`);
  const issuer = await Issuer.discover(endpoints.issuer);
  return new issuer.Client({
    client_id: String(app.clientId),
    client_secret: String(app.clientSecret),
    redirect_uris: [signIn.redirectUri],
    response_types: ['code', 'token'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
}

const FLOW_ATTEMPTS = 4;

/**
 * One sign-in flow, tried again (from the sign-in) when Okta or the gateway was unavailable on the way: a
 * 5xx or 429 answer, a lost response. A verdict (a refusal, a 401 or 403 at the gateway) is never retried.
 */
async function retriedWhileUnavailable(attempt: () => Promise<SignInFlowProof>): Promise<SignInFlowProof> {
  let last: unknown;
  for (let i = 0; i < FLOW_ATTEMPTS; i++) {
    try {
      const proof = await attempt();
      const unavailable = proof.probes.some((p) => p.actual >= 500 || p.actual === 429) || /^(server_error|temporarily_unavailable)/.test(proof.error ?? '');
      if (!unavailable) return proof;
      last = new Error(`the gateway or Okta was unavailable during the ${proof.flow} sign-in`);
    } catch (err) {
      if (err instanceof SignInRefused) throw err;
      last = err;
    }
    await activitySleep(200 * 2 ** i);
  }
  throw last;
}

/** Okta refused the user's credentials: a configuration problem, not worth another attempt. */
class SignInRefused extends Error {}

/** `POST /api/v1/authn` (no API token): the user's one-time session token. */
async function authenticate(cfg: OktaTenantConfig, username: string, password: string): Promise<string> {
  const refused = (why: string) =>
    new SignInRefused(`Okta refused the sign-in of ${username} (${why}). Fix: check the user's password reference in verification.signIn.users, and that the user is ACTIVE without a factor or password change to complete.`);
  try {
    const answer = await oktaFor(cfg).primaryAuthentication(username, password);
    if (!answer.sessionToken) throw refused(`status ${answer.status ?? 'unknown'}, not SUCCESS`);
    return answer.sessionToken;
  } catch (err) {
    // Okta unavailable (5xx, 429, a lost connection) is tried again; anything else is a verdict.
    if (err instanceof ExternalApiError && !RETRYABLE_KINDS.has(err.kind)) throw refused(err.message);
    throw err;
  }
}

/** The authorize request's redirect (302 Location), read without following it. */
async function authorizeRedirect(url: URL): Promise<URL> {
  const res = await request(url, { method: 'GET', headers: { accept: 'text/html' } });
  await res.body.dump();
  const location = res.headers.location;
  if (res.statusCode !== 302 || typeof location !== 'string') throw new Error(`Okta's authorize endpoint answered ${res.statusCode} instead of redirecting back to the client (is the redirect URI registered on the client?)`);
  return new URL(location, url);
}

type Obtained = { accessToken: string; scope: string } | { error: string };

async function codeWithPkceToken(client: BaseClient, redirectUri: string, scope: string, sessionToken: string): Promise<Obtained> {
  const verifier = generators.codeVerifier();
  const state = generators.state();
  const nonce = generators.nonce();
  const url = client.authorizationUrl({
    redirect_uri: redirectUri,
    response_type: 'code',
    scope,
    state,
    nonce,
    code_challenge: generators.codeChallenge(verifier),
    code_challenge_method: 'S256',
    sessionToken,
  });
  const back = await authorizeRedirect(new URL(url));
  const error = back.searchParams.get('error');
  if (error) return { error: `${error}: ${back.searchParams.get('error_description') ?? ''}`.trim() };
  // openid-client checks the state, exchanges the code with the verifier, and verifies the ID token (signature, nonce).
  const tokens = await client.callback(redirectUri, client.callbackParams(back.href), { code_verifier: verifier, state, nonce, response_type: 'code' });
  if (!tokens.access_token) throw new Error('The token endpoint returned no access_token.');
  return { accessToken: tokens.access_token, scope: tokens.scope ?? scope };
}

/** Seed 002's link: response_type=token with state and nonce; the token comes back in the fragment. */
async function implicitToken(client: BaseClient, redirectUri: string, scope: string, sessionToken: string): Promise<Obtained> {
  const state = generators.state();
  const url = client.authorizationUrl({ redirect_uri: redirectUri, response_type: 'token', scope, state, nonce: generators.nonce(), sessionToken });
  const back = await authorizeRedirect(new URL(url));
  const fragment = new URLSearchParams(back.hash.replace(/^#/, ''));
  const params = fragment.has('error') || fragment.has('access_token') ? fragment : back.searchParams;
  if (params.get('error')) return { error: `${params.get('error')}: ${params.get('error_description') ?? ''}`.trim() };
  if (params.get('state') !== state) throw new Error('The implicit redirect carried another state than the request: refused, as a client must (CSRF).');
  const accessToken = params.get('access_token');
  if (!accessToken) throw new Error('The implicit redirect carried no access_token.');
  return { accessToken, scope: params.get('scope') ?? scope };
}
