import Provider, { type Configuration, type JWK } from 'oidc-provider';
import type { SandboxContext } from '../core';
import { stateAdapter } from './adapter';
import { LOGIN_PATH, OPENAM_ROUTES } from './paths';
import type { OpenAmState } from './state';

/*
 * The realm's OAuth2/OIDC provider: oidc-provider (a certified OpenID provider), configured the way an OpenAM
 * realm is set up for Anypoint's client management (seed 003) and otherwise left strict:
 * - dynamic client registration (RFC 7591, OIDC DCR) at `/connect/register`, only with the realm's initial
 *   access token (`Authorization: Bearer …`); every registration gets a registration_access_token and a
 *   registration_client_uri (RFC 7592 read/update/delete, the token is not rotated on use);
 * - client metadata is validated by the library: `application_type` only `web` or `native`, response types
 *   only those configured (`code`, `id_token`, `code id_token`, `none`), grant and response types consistent;
 *   unknown metadata is ignored;
 * - client_credentials and authorization_code (+ refresh_token) grants; opaque access tokens;
 * - RFC 7662 introspection at `/introspect`: as in OpenAM, a client may introspect its own tokens, and only a
 *   client holding the `am-introspect-all-tokens` scope (the admin-made introspection client) anyone's;
 *   a token the caller may not see reads `{"active":false}`. RFC 7009 revocation at `/token/revoke`;
 * - users sign in at OpenAM's login page (see service.ts), not the library's development screens.
 */

/** OpenAM's scope that lets a client introspect tokens issued to other clients. */
export const INTROSPECT_ALL = 'am-introspect-all-tokens';

export function createOpenAmProvider(ctx: SandboxContext<OpenAmState>, issuer: string): Provider {
  const state = ctx.state;
  const configuration: Configuration = {
    adapter: stateAdapter(ctx),
    clients: [
      {
        client_id: state.introspectionClient.clientId,
        client_secret: state.introspectionClient.clientSecret,
        client_name: 'Anypoint introspection client',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: INTROSPECT_ALL,
      },
    ],
    jwks: { keys: [state.signingKey as JWK] },
    cookies: { keys: state.cookieKeys },
    routes: { ...OPENAM_ROUTES },
    scopes: ['openid', 'offline_access', 'profile', 'email', INTROSPECT_ALL, ...state.scopes],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name', 'preferred_username'] },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: state.initialAccessToken, issueRegistrationAccessToken: true },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId || (client.scope ?? '').split(' ').includes(INTROSPECT_ALL),
      },
      revocation: { enabled: true },
    },
    ttl: { AccessToken: 3600, ClientCredentials: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 14 * 24 * 3600, Interaction: 600, Session: 24 * 3600, Grant: 14 * 24 * 3600 },
    interactions: { url: (_ctx, interaction) => `${LOGIN_PATH}/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const user = ctx.state.users[sub];
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, preferred_username: sub, name: `${user.given_name} ${user.family_name}`, ...user, email_verified: true }),
      };
    },
  };
  const provider = new Provider(issuer, configuration);
  // The emulator speaks plain HTTP on loopback; nothing is in front of it to trust.
  provider.proxy = false;
  return provider;
}
