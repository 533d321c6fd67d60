import * as oidc from 'openid-client';
import type { ConsoleConfig } from './config';
import type { PendingLogin, SignedInUser } from './sessions';

/*
 * Sign-in with Okta: OpenID Connect authorization code flow with PKCE (S256), state and nonce, by
 * openid-client (which validates the ID token: signature against the issuer's JWKS, iss, aud, exp,
 * nonce). The console is a confidential client (client_secret_basic), as Okta's "Web" app type is.
 * Who may approve comes from the ID token's groups claim (an Okta groups claim on the authorization
 * server); the session keeps the identity only, never a token.
 */

export class SignInError extends Error {}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class OktaSignIn {
  private configuration?: Promise<oidc.Configuration>;

  constructor(
    private readonly config: ConsoleConfig,
    private readonly redirectUri: string,
  ) {}

  /** The issuer's metadata, fetched once it answers (a failed discovery is tried again next time). */
  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= (async () => {
      const issuer = new URL(this.config.oidc.issuer);
      // Plain HTTP only for an issuer on this machine (the sandbox); anywhere else TLS is required.
      const execute = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname) ? [oidc.allowInsecureRequests] : [];
      return oidc.discovery(issuer, this.config.oidc.clientId, { redirect_uris: [this.redirectUri], response_types: ['code'] }, oidc.ClientSecretBasic(this.config.oidc.clientSecret), { execute });
    })().catch((err: unknown) => {
      this.configuration = undefined;
      throw new SignInError(`Okta (${this.config.oidc.issuer}) did not answer its OpenID configuration: ${(err as Error).message}`);
    });
    return this.configuration;
  }

  async start(returnTo: string): Promise<{ url: string; pending: PendingLogin }> {
    const configuration = await this.discover();
    const pending: PendingLogin = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(), returnTo };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile email',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, pending };
  }

  /** Redeems the code of the callback URL and reads who signed in; throws SignInError with the reason. */
  async finish(callbackUrl: URL, pending: PendingLogin): Promise<SignedInUser> {
    const configuration = await this.discover();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
      claims = tokens.claims();
    } catch (err) {
      const e = err as { error?: string; error_description?: string; message: string };
      throw new SignInError(e.error ? `${e.error}: ${e.error_description ?? e.message}` : e.message);
    }
    if (!claims) throw new SignInError('Okta returned no ID token.');
    const raw = claims[this.config.groupsClaim];
    const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : [];
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    const name = typeof claims.name === 'string' ? claims.name : undefined;
    return {
      identity: { issuer: claims.iss, subject: claims.sub, ...(email ? { email } : {}), ...(name ? { name } : {}) },
      displayName: email ?? claims.sub,
      groups,
      canApprove: groups.includes(this.config.approversGroup),
    };
  }
}
