import type { FastifyInstance } from 'fastify';
import { appByClientId } from '../apps';
import { OAUTH, OAuthError } from '../errors';
import type { OktaContext } from '../http';
import { formParams } from '../oauth/common';
import { authenticateClientAssertion, CLIENT_ASSERTION_ALGORITHMS } from './client-assertion';
import { OKTA_API_SCOPES } from './scopes';
import { mintOrgAccessToken, ORG_ACCESS_TOKEN_SECONDS, orgIssuer, orgSigningKeys, orgTokenEndpoint } from './server';

/*
 * The org authorization server's public endpoints: `POST /oauth2/v1/token` (client_credentials for
 * service apps, private_key_jwt only, `okta.*` scopes the app was granted), `GET /oauth2/v1/keys` and
 * the org's discovery documents. The org server's other grants (authorization code for Okta's own
 * sign-in, …) are not emulated: they answer unsupported_grant_type.
 */

function requestedScopes(app: { scopeGrants?: { scopeId: string }[] }, scope: string | undefined): string[] {
  const scopes = [...new Set((scope ?? '').split(/\s+/).filter(Boolean))];
  if (scopes.length === 0) throw OAUTH.noScopesRequested();
  if (scopes.some((s) => !OKTA_API_SCOPES.includes(s))) throw OAUTH.unknownScopes();
  const granted = new Set((app.scopeGrants ?? []).map((g) => g.scopeId));
  const missing = scopes.filter((s) => !granted.has(s));
  // Okta refuses ungranted scopes with invalid_scope; its exact wording is not documented.
  if (missing.length) throw new OAuthError(400, 'invalid_scope', `The following scopes are not granted to the client: ${missing.join(', ')}. Grant them in the app's Okta API Scopes tab (POST /api/v1/apps/{appId}/grants).`);
  return scopes;
}

/**
 * The org server's metadata, with the endpoint addresses of the spec's OrgASOidcMetadata example. The
 * sandbox serves token, keys and clients; authorize, userinfo, introspect and logout of the org server are
 * listed as Okta lists them but not emulated (404 E0000008), and the supported values say what is.
 */
function discovery(ctx: OktaContext) {
  const issuer = orgIssuer(ctx);
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth2/v1/authorize`,
    token_endpoint: orgTokenEndpoint(ctx),
    userinfo_endpoint: `${issuer}/oauth2/v1/userinfo`,
    registration_endpoint: `${issuer}/oauth2/v1/clients`,
    jwks_uri: `${issuer}/oauth2/v1/keys`,
    introspection_endpoint: `${issuer}/oauth2/v1/introspect`,
    end_session_endpoint: `${issuer}/oauth2/v1/logout`,
    response_types_supported: ['token'],
    grant_types_supported: ['client_credentials'],
    subject_types_supported: ['public'],
    scopes_supported: OKTA_API_SCOPES,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGORITHMS,
    claims_supported: ['ver', 'jti', 'iss', 'aud', 'iat', 'exp', 'cid', 'scp', 'sub'],
  };
}

export function registerOrgAuthorizationServer(app: FastifyInstance, ctx: OktaContext): void {
  app.post('/oauth2/v1/token', async function tokenOrgAS(req, reply) {
    const form = formParams(req);
    if (!form.grant_type) throw OAUTH.missingGrantType();
    if (form.grant_type !== 'client_credentials') throw OAUTH.unsupportedGrantType();
    if (!form.client_assertion) {
      if (form.client_secret !== undefined || req.headers.authorization !== undefined) {
        throw new OAuthError(400, 'invalid_client', 'Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.');
      }
      throw OAUTH.noClientCredentials();
    }
    if (form.client_secret !== undefined || req.headers.authorization !== undefined) throw OAUTH.multipleCredentials();
    const client = authenticateClientAssertion(ctx, form, orgTokenEndpoint(ctx), (id) => appByClientId(ctx.state, id));
    if (!client.oauthClient.grant_types.includes('client_credentials')) throw OAUTH.unauthorizedClient(client.oauthClient.grant_types);
    const scopes = requestedScopes(client, form.scope);
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return { token_type: 'Bearer', expires_in: ORG_ACCESS_TOKEN_SECONDS, access_token: mintOrgAccessToken(ctx, client, scopes), scope: scopes.join(' ') };
  });

  app.get('/oauth2/v1/keys', async function oauthKeys() {
    return { keys: orgSigningKeys(ctx).filter((k) => k.status !== 'EXPIRED').map((k) => k.publicJwk) };
  });
  app.get('/.well-known/openid-configuration', async function getWellKnownOpenIDConfiguration() {
    return discovery(ctx);
  });
  app.get('/.well-known/oauth-authorization-server', async function getWellKnownOAuthConfiguration() {
    return discovery(ctx);
  });
}
