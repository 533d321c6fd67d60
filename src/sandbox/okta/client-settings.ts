import { randomBytes } from 'node:crypto';
import type { ErrorCause } from './errors';
import type { OktaState } from './state';

/*
 * The OAuth client rules shared by the Apps API (`settings.oauthClient` + `credentials.oauthClient`) and
 * dynamic client registration (RFC 7591 fields): one validator, two wire formats. The Apps API reports
 * causes as E0000001 with `settings.oauthClient.<field>`; DCR as `invalid_client_metadata` with the bare
 * field name. Rules come from the spec's field notes and reference/okta.md §1.6 and §1.8.
 */

export const APPLICATION_TYPES = ['web', 'native', 'browser', 'service'] as const;
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'] as const;
export const RESPONSE_TYPES = ['code', 'token', 'id_token'] as const;
const SAML_BEARER = 'urn:ietf:params:oauth:grant-type:saml2-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Grant types each application type may use (okta.md §1.8, "Per app type valid grants"). */
const GRANTS_BY_TYPE: Record<string, string[]> = {
  web: ['authorization_code', 'implicit', 'refresh_token', 'client_credentials', 'password', SAML_BEARER, TOKEN_EXCHANGE, DEVICE_CODE],
  native: ['authorization_code', 'implicit', 'password', 'refresh_token', SAML_BEARER, TOKEN_EXCHANGE, DEVICE_CODE, 'interaction_code'],
  browser: ['authorization_code', 'implicit', 'refresh_token', 'interaction_code', SAML_BEARER],
  service: ['client_credentials', SAML_BEARER, TOKEN_EXCHANGE, JWT_BEARER],
};

/** Methods that authenticate with a client secret, so the app gets one. */
export const SECRET_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];

/** The client settings both APIs write, normalised (defaults applied). */
export interface ClientSpec {
  application_type: string;
  grant_types: string[];
  response_types: string[];
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  token_endpoint_auth_method: string;
  pkce_required: boolean;
  consent_method: string;
  /** Other client metadata kept verbatim (client_uri, logo_uri, jwks, jwks_uri, initiate_login_uri, …). */
  extra: Record<string, unknown>;
}

/** What a caller sent; absent fields get defaults. */
export interface ClientInput {
  application_type?: unknown;
  grant_types?: unknown;
  response_types?: unknown;
  redirect_uris?: unknown;
  post_logout_redirect_uris?: unknown;
  token_endpoint_auth_method?: unknown;
  pkce_required?: unknown;
  consent_method?: unknown;
  extra: Record<string, unknown>;
}

export interface ClientDefaults {
  /** Apps API: TRUSTED; DCR: REQUIRED. */
  consentMethod: string;
  /** DCR defaults grant_types to [authorization_code]; the Apps API requires them. */
  grantTypes?: string[];
}

/** Maps a client field to the name the calling API reports it under. */
export type FieldName = (field: string) => string;

function strings(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function isAbsoluteUri(uri: string): boolean {
  try {
    const u = new URL(uri);
    return !u.hash && u.protocol.length > 1;
  } catch {
    return false;
  }
}

/** Applies defaults and checks the combination; returns the spec and the causes (empty when valid). */
export function normalizeClient(input: ClientInput, defaults: ClientDefaults, name: FieldName): { spec: ClientSpec; causes: ErrorCause[] } {
  const causes: ErrorCause[] = [];
  const add = (field: string, message: string) => causes.push({ field: name(field), message });

  const type = typeof input.application_type === 'string' ? input.application_type : 'web';
  if (!(APPLICATION_TYPES as readonly string[]).includes(type)) add('application_type', `'${type}' is not one of ${APPLICATION_TYPES.join(', ')}`);

  const grants = strings(input.grant_types) ?? defaults.grantTypes;
  if (!grants || grants.length === 0) add('grant_types', 'The field cannot be left blank');
  const allowed = GRANTS_BY_TYPE[type] ?? [];
  for (const g of grants ?? []) {
    if (!allowed.includes(g)) add('grant_types', `'${g}' is not a valid grant type for a ${type} application; use one of ${allowed.join(', ')}`);
  }
  if ((type === 'web' || type === 'native') && grants && grants.length && !grants.includes('authorization_code') && !grants.includes('password') && !grants.includes(DEVICE_CODE)) {
    add('grant_types', `A ${type} application must include 'authorization_code'`);
  }

  const userGrants = (grants ?? []).filter((g) => g === 'authorization_code' || g === 'implicit');
  const derived = [
    ...((grants ?? []).includes('authorization_code') ? ['code'] : []),
    ...((grants ?? []).includes('implicit') ? ['token', 'id_token'] : []),
    ...((grants ?? []).includes('client_credentials') && !(grants ?? []).includes('implicit') ? ['token'] : []),
  ];
  const responseTypes = strings(input.response_types) ?? derived;
  for (const r of responseTypes) {
    if (!(RESPONSE_TYPES as readonly string[]).includes(r)) add('response_types', `'${r}' is not one of ${RESPONSE_TYPES.join(', ')}`);
  }
  if (responseTypes.includes('code') && !(grants ?? []).includes('authorization_code')) add('response_types', "'code' requires the 'authorization_code' grant type");
  if (responseTypes.includes('id_token') && !(grants ?? []).includes('implicit') && !(grants ?? []).includes('authorization_code')) {
    add('response_types', "'id_token' requires the 'implicit' grant type");
  }
  if (responseTypes.includes('token') && !(grants ?? []).includes('implicit') && !(grants ?? []).includes('client_credentials')) {
    add('response_types', "'token' requires the 'implicit' grant type");
  }
  if ((grants ?? []).includes('implicit') && !responseTypes.some((r) => r === 'token' || r === 'id_token')) {
    add('response_types', "The 'implicit' grant type requires 'token' or 'id_token'");
  }
  if ((grants ?? []).includes('authorization_code') && !responseTypes.includes('code')) add('response_types', "The 'authorization_code' grant type requires 'code'");

  const redirectUris = strings(input.redirect_uris) ?? [];
  if (userGrants.length && redirectUris.length === 0) add('redirect_uris', `At least one redirect URI is required for the ${userGrants.join(' and ')} grant type`);
  for (const uri of redirectUris) if (!isAbsoluteUri(uri)) add('redirect_uris', `'${uri}' is not a valid absolute URI without a fragment`);
  const postLogout = strings(input.post_logout_redirect_uris) ?? [];
  for (const uri of postLogout) if (!isAbsoluteUri(uri)) add('post_logout_redirect_uris', `'${uri}' is not a valid absolute URI without a fragment`);

  const publicByDefault = type === 'browser' || type === 'native';
  const method = typeof input.token_endpoint_auth_method === 'string' ? input.token_endpoint_auth_method : publicByDefault ? 'none' : 'client_secret_basic';
  if (!(AUTH_METHODS as readonly string[]).includes(method)) add('token_endpoint_auth_method', `'${method}' is not one of ${AUTH_METHODS.join(', ')}`);
  if (type === 'browser' && method !== 'none') add('token_endpoint_auth_method', "A browser application is a public client: use 'none'");
  if (type === 'service' && method === 'none') add('token_endpoint_auth_method', "A service application must authenticate; 'none' is not allowed");
  if (method === 'private_key_jwt' && !input.extra.jwks && !input.extra.jwks_uri) add('jwks', "'jwks' or 'jwks_uri' is required with private_key_jwt");

  // Spec: "The default is true for browser and native app types"; it must be true with method none.
  const pkce = typeof input.pkce_required === 'boolean' ? input.pkce_required : publicByDefault || method === 'none';
  if (method === 'none' && !pkce) add('pkce_required', "PKCE is required when the token endpoint authentication method is 'none'");

  const consent = typeof input.consent_method === 'string' ? input.consent_method : defaults.consentMethod;
  if (!['REQUIRED', 'TRUSTED'].includes(consent)) add('consent_method', `'${consent}' is not one of REQUIRED, TRUSTED`);

  const issuerMode = input.extra.issuer_mode;
  if (issuerMode !== undefined && !['ORG_URL', 'CUSTOM_URL', 'DYNAMIC'].includes(issuerMode as string)) add('issuer_mode', `'${String(issuerMode)}' is not one of ORG_URL, CUSTOM_URL, DYNAMIC`);
  if (issuerMode === 'CUSTOM_URL') add('issuer_mode', 'A custom URL domain must be configured to use CUSTOM_URL');

  return {
    spec: {
      application_type: type,
      grant_types: grants ?? [],
      response_types: responseTypes,
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogout,
      token_endpoint_auth_method: method,
      pkce_required: pkce,
      consent_method: consent,
      extra: input.extra,
    },
    causes,
  };
}

/** Okta's generated secrets: 64 characters of base64url. */
export function generateClientSecret(): string {
  return randomBytes(48).toString('base64url');
}

/** Checks a caller-chosen client_id (Apps API only): charset, length, reserved value, uniqueness. */
export function clientIdCauses(state: OktaState, clientId: string, ownAppId: string | undefined, name: FieldName): ErrorCause[] {
  const causes: ErrorCause[] = [];
  if (clientId.length > 100) causes.push({ field: name('client_id'), message: 'The field is too long; the maximum length is 100' });
  if (!/^[A-Za-z0-9$\-_.+!*'(),]+$/.test(clientId)) causes.push({ field: name('client_id'), message: "Only letters, digits and $-_.+!*'(), are allowed" });
  if (clientId === 'ALL_CLIENTS') causes.push({ field: name('client_id'), message: "'ALL_CLIENTS' is reserved" });
  if (Object.values(state.apps).some((a) => a.clientId === clientId && a.id !== ownAppId)) {
    causes.push({ field: name('client_id'), message: 'An object with this field already exists in the current organization' });
  }
  return causes;
}
