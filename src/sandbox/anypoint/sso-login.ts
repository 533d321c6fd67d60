import { createPublicKey, randomBytes, randomUUID, verify as verifySignature, type JsonWebKey } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { issueToken } from './access-management';
import { AnypointContext, AnypointRuntime, isRecord } from './http';
import { redirectUrl } from './identity-providers';
import { basicAuth, callProvider, discover, providerMessage, ProviderUnreachableError } from './outbound';
import { IdentityProviderRecord, nowIso, UserRecord } from './state';

/*
 * SSO into Anypoint through an OpenID Connect identity provider, as a relying party really does it:
 * - `GET /login/domain/{domain}` (the URL people sign in at) answers 302 to `/accounts/login/{domain}`.
 * - `GET /accounts/login/{domain}` (the first enabled OIDC provider) or `/accounts/login/{domain}/providers/{id}`
 *   answers 302 to the IdP's authorize URL with client_id, redirect_uri (the generated redirect URI),
 *   response_type=code, scope "openid profile email", state and nonce; `?login_hint=` is passed on.
 * - The redirect endpoint checks `state` (one use, 10 minutes), exchanges the code at the token URL with
 *   client_secret_basic, verifies the ID token when there is one (RS256 signature against the issuer's
 *   JWKS when discoverable, iss, aud, nonce, exp), calls userinfo with the access token, creates or updates
 *   the federated user, and answers 200 JSON `{loggedIn:true, user, organization, access_token, token_type,
 *   expires_in}` with an `anypoint_session` cookie (HttpOnly). The access token works on the whole API
 *   (`/accounts/api/me` then shows the federated user). A refusal by the IdP (`?error=` on the redirect),
 *   a failed exchange or a bad ID token answers 401 `{loggedIn:false, error, error_description}`.
 * - If the IdP does not know the redirect URI it never redirects back: the browser (or the test) sees the
 *   IdP's own error at the authorize step, exactly as on the platform.
 */

const SSO_REQUEST_TTL_MS = 10 * 60_000;
const SESSION_COOKIE = 'anypoint_session';

function loginFailed(reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).send({ loggedIn: false, error, error_description: description });
}

function decodeJwtPart(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Checks an ID token; returns a reason when it must be refused. */
async function idTokenProblem(idToken: string, idp: IdentityProviderRecord, nonce: string): Promise<string | undefined> {
  const [h, p, s] = idToken.split('.');
  const header = h ? decodeJwtPart(h) : undefined;
  const claims = p ? decodeJwtPart(p) : undefined;
  if (!header || !claims || s === undefined) return 'The ID token is not a JWT';
  if (idp.issuer && claims.iss !== idp.issuer) return `The ID token issuer ${String(claims.iss)} is not ${idp.issuer}`;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(idp.clientId)) return 'The ID token was not issued to this client';
  if (claims.nonce !== nonce) return 'The ID token nonce does not match the login request';
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return 'The ID token has expired';
  if (!idp.issuer || header.alg !== 'RS256') return undefined;
  const meta = await discover(idp.issuer, { allowUntrustedCertificates: idp.allowUntrustedCertificates, timeoutMs: 10_000 }).catch(() => undefined);
  if (typeof meta?.jwks_uri !== 'string') return undefined;
  const jwks = await callProvider(meta.jwks_uri, { allowUntrustedCertificates: idp.allowUntrustedCertificates, timeoutMs: 10_000 }).catch(() => undefined);
  const keys = isRecord(jwks?.json) && Array.isArray(jwks.json.keys) ? (jwks.json.keys as JsonWebKey[]) : [];
  const jwk = keys.find((k) => (k as { kid?: string }).kid === header.kid) ?? (keys.length === 1 ? keys[0] : undefined);
  if (!jwk) return 'No key of the issuer matches the ID token';
  const ok = verifySignature('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  return ok ? undefined : 'The ID token signature is invalid';
}

function upsertUser(ctx: AnypointContext, idp: IdentityProviderRecord, info: Record<string, unknown>): UserRecord {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const username = str(info.preferred_username) || str(info.email) || str(info.sub);
  const now = nowIso();
  let user = ctx.state.users.find((u) => u.identityProviderId === idp.providerId && u.username === username);
  if (!user) {
    user = { id: randomUUID(), username, email: str(info.email), firstName: str(info.given_name), lastName: str(info.family_name), identityProviderId: idp.providerId, createdAt: now };
    ctx.state.users.push(user);
  }
  user.email = str(info.email) || user.email;
  user.firstName = str(info.given_name) || user.firstName;
  user.lastName = str(info.family_name) || user.lastName;
  user.lastLogin = now;
  return user;
}

export function registerSsoLogin(app: FastifyInstance, ctx: AnypointContext, runtime: AnypointRuntime): void {
  const startLogin = (reply: FastifyReply, idp: IdentityProviderRecord, loginHint?: string) => {
    const state = randomBytes(16).toString('hex');
    const nonce = randomBytes(16).toString('hex');
    const now = Date.now();
    for (const [k, v] of Object.entries(ctx.state.ssoRequests)) if (now - v.createdAt > SSO_REQUEST_TTL_MS) delete ctx.state.ssoRequests[k];
    ctx.state.ssoRequests[state] = { providerId: idp.providerId, nonce, createdAt: now, ...(loginHint ? { loginHint } : {}) };
    ctx.store.persist();
    const url = new URL(idp.urls.authorize);
    url.searchParams.set('client_id', idp.clientId);
    url.searchParams.set('redirect_uri', redirectUrl(ctx.baseUrl, ctx.state.org.domain, idp.providerId));
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', ['openid profile email', idp.groupScope].filter(Boolean).join(' '));
    url.searchParams.set('state', state);
    url.searchParams.set('nonce', nonce);
    if (loginHint) url.searchParams.set('login_hint', loginHint);
    return reply.redirect(url.toString(), 302);
  };

  const domainOk = (domain: string) => domain === ctx.state.org.domain;

  // The address people are given (seed 000: https://anypoint.mulesoft.com/login/domain/{domain}); the
  // platform's page hands over to the accounts login of the domain, as this redirect does.
  app.get<{ Params: { domain: string }; Querystring: Record<string, string | undefined> }>('/login/domain/:domain', async (req, reply) => {
    const query = new URLSearchParams(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'));
    return reply.redirect(`/accounts/login/${encodeURIComponent(req.params.domain)}${query.size ? `?${query}` : ''}`, 302);
  });

  app.get<{ Params: { domain: string }; Querystring: { login_hint?: string } }>('/accounts/login/:domain', async (req, reply) => {
    const idp = ctx.state.identityProviders.find((p) => !p.loginDisabled);
    if (!domainOk(req.params.domain) || !idp) return reply.code(404).send({ status: 404, message: `No single sign-on is configured for the domain ${req.params.domain}` });
    return startLogin(reply, idp, req.query.login_hint);
  });

  app.get<{ Params: { domain: string; providerId: string }; Querystring: { login_hint?: string } }>('/accounts/login/:domain/providers/:providerId', async (req, reply) => {
    const idp = ctx.state.identityProviders.find((p) => p.providerId === req.params.providerId && !p.loginDisabled);
    if (!domainOk(req.params.domain) || !idp) return reply.code(404).send({ status: 404, message: 'This identity provider does not exist or its login is disabled' });
    return startLogin(reply, idp, req.query.login_hint);
  });

  app.get<{ Params: { domain: string; providerId: string }; Querystring: Record<string, string | undefined> }>(
    '/accounts/login/:domain/providers/:providerId/redirect',
    async (req, reply) => {
      const { code, state, error, error_description: errorDescription } = req.query;
      const pending = state ? ctx.state.ssoRequests[state] : undefined;
      if (state) delete ctx.state.ssoRequests[state];
      ctx.store.persist();
      const idp = ctx.state.identityProviders.find((p) => p.providerId === req.params.providerId);
      if (!domainOk(req.params.domain) || !idp) return reply.code(404).send({ status: 404, message: 'This identity provider does not exist' });
      if (!pending || pending.providerId !== idp.providerId || Date.now() - pending.createdAt > SSO_REQUEST_TTL_MS) {
        return loginFailed(reply, 400, 'invalid_state', 'The login request is unknown or has expired; start again from the login URL');
      }
      if (error) return loginFailed(reply, 401, error, errorDescription ?? 'The identity provider refused the login');
      if (!code) return loginFailed(reply, 400, 'invalid_request', 'The identity provider sent no authorization code');

      const common = { allowUntrustedCertificates: idp.allowUntrustedCertificates, timeoutMs: 10_000 };
      let tokens: Record<string, unknown>;
      try {
        const res = await callProvider(idp.urls.token, {
          ...common,
          method: 'POST',
          headers: { authorization: basicAuth(idp.clientId, idp.clientSecret) },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUrl(ctx.baseUrl, ctx.state.org.domain, idp.providerId) }),
        });
        if (res.status !== 200 || !isRecord(res.json) || typeof res.json.access_token !== 'string') {
          return loginFailed(reply, 401, 'token_exchange_failed', `The identity provider refused the code exchange: ${providerMessage(res)}`);
        }
        tokens = res.json;
      } catch (err) {
        if (err instanceof ProviderUnreachableError) return loginFailed(reply, 401, 'idp_unreachable', `The identity provider's token URL cannot be reached: ${err.message}`);
        throw err;
      }
      if (typeof tokens.id_token === 'string') {
        const problem = await idTokenProblem(tokens.id_token, idp, pending.nonce);
        if (problem) return loginFailed(reply, 401, 'invalid_id_token', problem);
      }
      let info: Record<string, unknown>;
      try {
        const res = await callProvider(idp.urls.userinfo, { ...common, headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
        if (res.status !== 200 || !isRecord(res.json) || typeof res.json.sub !== 'string') {
          return loginFailed(reply, 401, 'userinfo_failed', `The identity provider's userinfo answered: ${providerMessage(res)}`);
        }
        info = res.json;
      } catch (err) {
        if (err instanceof ProviderUnreachableError) return loginFailed(reply, 401, 'idp_unreachable', `The identity provider's userinfo URL cannot be reached: ${err.message}`);
        throw err;
      }
      const user = upsertUser(ctx, idp, info);
      const session = issueToken(ctx.state, runtime, { userId: user.id });
      ctx.store.persist();
      const { org } = ctx.state;
      reply.header('set-cookie', `${SESSION_COOKIE}=${session.token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${session.expiresIn}`);
      return reply.code(200).send({
        loggedIn: true,
        user: { id: user.id, username: user.username, email: user.email, firstName: user.firstName, lastName: user.lastName, identityProviderId: idp.providerId },
        organization: { id: org.id, name: org.name, domain: org.domain },
        access_token: session.token,
        token_type: 'bearer',
        expires_in: session.expiresIn,
        session_id: randomUUID(),
      });
    },
  );
}
