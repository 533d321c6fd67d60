import type { FastifyInstance } from 'fastify';
import { issuerOf } from '../authorization-servers';
import { oktaErrorBody } from '../errors';
import { absolute, type OktaContext } from '../http';
import { appByClientId } from '../apps';
import { OIDC_SCOPES } from '../scopes';
import type { AuthServerRecord } from '../state';
import { activeAuthServerOr404 } from './common';

/*
 * Discovery and keys of each custom authorization server (public, exempt from rate limits):
 * `/.well-known/oauth-authorization-server` (RFC 8414), `/.well-known/openid-configuration` (adds
 * userinfo and the ID-token fields) and `/v1/keys`. `registration_endpoint` is the org-level
 * `/oauth2/v1/clients` on every server. `scopes_supported` lists the system OIDC scopes and the custom
 * scopes published with metadataPublish ALL_CLIENTS, in that order. `?client_id=` with an unknown client
 * is 400 in the Okta error shape with the OAuth code, as the spec's example shows.
 */

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'];
const SIGNING_ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
const ACCESS_TOKEN_CLAIMS = ['ver', 'jti', 'iss', 'aud', 'iat', 'exp', 'cid', 'uid', 'scp', 'sub'];
const ID_TOKEN_CLAIMS = [
  'iss', 'ver', 'sub', 'aud', 'iat', 'exp', 'jti', 'auth_time', 'amr', 'idp', 'nonce', 'name', 'nickname', 'preferred_username', 'given_name',
  'middle_name', 'family_name', 'email', 'email_verified', 'profile', 'zoneinfo', 'locale', 'address', 'phone_number', 'picture', 'website',
  'gender', 'birthdate', 'updated_at', 'at_hash', 'c_hash',
];

function publishedScopes(as: AuthServerRecord): string[] {
  const system = as.scopes.filter((s) => s.system && s.metadataPublish === 'ALL_CLIENTS').map((s) => s.name);
  const custom = as.scopes.filter((s) => !s.system && s.metadataPublish === 'ALL_CLIENTS').map((s) => s.name);
  return [...system.sort((a, b) => OIDC_SCOPES.indexOf(a as never) - OIDC_SCOPES.indexOf(b as never)), ...custom];
}

export function oauthMetadata(ctx: OktaContext, as: AuthServerRecord) {
  const issuer = issuerOf(ctx, as);
  const customClaims = as.claims.filter((c) => c.status === 'ACTIVE' && c.claimType === 'RESOURCE').map((c) => c.name);
  return {
    issuer,
    authorization_endpoint: `${issuer}/v1/authorize`,
    token_endpoint: `${issuer}/v1/token`,
    registration_endpoint: absolute(ctx, '/oauth2/v1/clients'),
    jwks_uri: `${issuer}/v1/keys`,
    response_types_supported: ['code', 'token', 'id_token', 'code id_token', 'code token', 'id_token token', 'code id_token token'],
    response_modes_supported: ['query', 'fragment', 'form_post', 'okta_post_message'],
    grant_types_supported: ['authorization_code', 'implicit', 'refresh_token', 'password', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'],
    subject_types_supported: ['public'],
    scopes_supported: publishedScopes(as),
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    claims_supported: [...ACCESS_TOKEN_CLAIMS, ...customClaims],
    code_challenge_methods_supported: ['S256'],
    introspection_endpoint: `${issuer}/v1/introspect`,
    introspection_endpoint_auth_methods_supported: AUTH_METHODS,
    revocation_endpoint: `${issuer}/v1/revoke`,
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    end_session_endpoint: `${issuer}/v1/logout`,
    request_parameter_supported: true,
    request_object_signing_alg_values_supported: SIGNING_ALGS,
    device_authorization_endpoint: `${issuer}/v1/device/authorize`,
    pushed_authorization_request_endpoint: `${issuer}/v1/par`,
  };
}

export function openIdConfiguration(ctx: OktaContext, as: AuthServerRecord) {
  const { issuer, authorization_endpoint, token_endpoint, ...rest } = oauthMetadata(ctx, as);
  const identityClaims = as.claims.filter((c) => c.status === 'ACTIVE' && c.claimType === 'IDENTITY').map((c) => c.name);
  return {
    issuer,
    authorization_endpoint,
    token_endpoint,
    userinfo_endpoint: `${issuer}/v1/userinfo`,
    ...rest,
    id_token_signing_alg_values_supported: ['RS256'],
    id_token_encryption_alg_values_supported: ['RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512'],
    id_token_encryption_enc_values_supported: ['A256GCM'],
    claims_supported: [...ID_TOKEN_CLAIMS, ...identityClaims],
  };
}

type MetadataParams = { authServerId: string };
type MetadataQuery = { client_id?: string };

export function registerMetadata(app: FastifyInstance, ctx: OktaContext): void {
  const documents = {
    'oauth-authorization-server': oauthMetadata,
    'openid-configuration': openIdConfiguration,
  } as const;
  for (const [name, build] of Object.entries(documents)) {
    app.get<{ Params: MetadataParams; Querystring: MetadataQuery }>(`/oauth2/:authServerId/.well-known/${name}`, async function wellKnownConfiguration(req, reply) {
      const as = activeAuthServerOr404(ctx, req.params.authServerId);
      if (req.query.client_id !== undefined && !appByClientId(ctx.state, req.query.client_id)) {
        return reply.code(400).send(oktaErrorBody('invalid_client', 'Invalid value for `client_id` parameter'));
      }
      return build(ctx, as);
    });
  }

  // All keys still published (the active one and any rotated out), so older tokens keep verifying.
  app.get<{ Params: MetadataParams }>('/oauth2/:authServerId/v1/keys', async function oauthKeysCustomAS(req, reply) {
    const as = activeAuthServerOr404(ctx, req.params.authServerId);
    reply.header('cache-control', 'max-age=3171, must-revalidate');
    return { keys: as.keys.map((k) => ({ ...k.publicJwk })) };
  });
}
