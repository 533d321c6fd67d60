/*
 * OpenAM's URL layout (AM 6.5+/7, OAuth2 provider of a realm under the root realm), shared by the emulator,
 * its starter and callers that build client-provider settings. Free of oidc-provider so that code which only
 * needs URLs (the starter, tests, the product's demo) never loads the library.
 */

/** The OAuth2 base of a realm: the issuer's path, e.g. `/openam/oauth2/realms/root/realms/solar`. */
export function realmBasePath(realm: string): string {
  return `/openam/oauth2/realms/root/realms/${encodeURIComponent(realm)}`;
}

/** Endpoint paths under the realm base, as OpenAM names them (seed 003 lists register, authorize, token, introspect). */
export const OPENAM_ROUTES = {
  registration: '/connect/register',
  authorization: '/authorize',
  token: '/access_token',
  introspection: '/introspect',
  jwks: '/connect/jwk_uri',
  userinfo: '/userinfo',
  revocation: '/token/revoke',
  end_session: '/connect/endSession',
} as const;

/** Where the provider sends a browser to sign in (OpenAM's XUI login page, outside the realm's OAuth2 base). */
export const LOGIN_PATH = '/openam/XUI/login';

export interface OpenAmUrls {
  issuer: string;
  discovery: string;
  register: string;
  authorize: string;
  token: string;
  introspect: string;
  jwks: string;
  userinfo: string;
  revoke: string;
}

export function openAmUrls(baseUrl: string, realm: string): OpenAmUrls {
  const issuer = `${baseUrl.replace(/\/$/, '')}${realmBasePath(realm)}`;
  return {
    issuer,
    discovery: `${issuer}/.well-known/openid-configuration`,
    register: `${issuer}${OPENAM_ROUTES.registration}`,
    authorize: `${issuer}${OPENAM_ROUTES.authorization}`,
    token: `${issuer}${OPENAM_ROUTES.token}`,
    introspect: `${issuer}${OPENAM_ROUTES.introspection}`,
    jwks: `${issuer}${OPENAM_ROUTES.jwks}`,
    userinfo: `${issuer}${OPENAM_ROUTES.userinfo}`,
    revoke: `${issuer}${OPENAM_ROUTES.revocation}`,
  };
}
