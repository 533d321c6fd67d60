/* eslint-disable @typescript-eslint/no-explicit-any -- Okta resources are open JSON documents. */
import { request } from 'undici';
import type { AnypointTestClient } from '../anypoint/support/anypoint-kit';

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

/** Raw calls to the Okta emulator, as an Okta admin script would make them. */
export class OktaAdmin {
  constructor(
    readonly url: string,
    readonly apiToken: string,
  ) {}

  async call<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res<T>> {
    const res = await request(`${this.url}${path}`, {
      method,
      headers: { accept: 'application/json', authorization: `SSWS ${this.apiToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return parse<T>(res.statusCode, res.headers, await res.body.text());
  }

  async ok<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, path, body);
    if (res.status >= 300) throw new Error(`Okta ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** A client_credentials token from an authorization server, authenticated with client_secret_basic. */
  async clientCredentialsToken(issuer: string, clientId: string, clientSecret: string, scope: string): Promise<Res> {
    const res = await request(`${issuer}/v1/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
    });
    return parse(res.statusCode, res.headers, await res.body.text());
  }
}

export async function get(url: string): Promise<Res & { location?: string }> {
  const res = await request(url, { method: 'GET', headers: { accept: 'application/json' } });
  const parsed = parse(res.statusCode, res.headers, await res.body.text());
  return { ...parsed, location: res.headers.location as string | undefined };
}

function parse<T>(status: number, headers: Record<string, string | string[] | undefined>, text: string): Res<T> {
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* HTML or plain text */
  }
  return { status, body: body as T, headers };
}

/**
 * The guides' Okta side and its Anypoint client provider: a custom authorization server with silver and gold, a
 * client_credentials policy for every client, an introspection client, and a DCR client provider registering
 * in Okta with the API token (SSWS).
 */
export async function oktaClientProvider(okta: OktaAdmin, anypoint: AnypointTestClient, name = 'solar-system'): Promise<{ issuer: string; providerId: string }> {
  const as = await okta.ok('POST', '/api/v1/authorizationServers', { name, description: 'Solar system API', audiences: [`api://${name}`] });
  for (const scope of ['silver', 'gold']) {
    await okta.ok('POST', `/api/v1/authorizationServers/${as.id}/scopes`, { name: scope, description: `${scope} tier`, consent: 'IMPLICIT', metadataPublish: 'ALL_CLIENTS', default: false });
  }
  const policy = await okta.ok('POST', `/api/v1/authorizationServers/${as.id}/policies`, {
    type: 'OAUTH_AUTHORIZATION_POLICY', name: 'Solar system access', description: 'MuleSoft APIs', priority: 1, status: 'ACTIVE', conditions: { clients: { include: ['ALL_CLIENTS'] } },
  });
  await okta.ok('POST', `/api/v1/authorizationServers/${as.id}/policies/${policy.id}/rules`, {
    type: 'RESOURCE_ACCESS', name: 'client credentials', priority: 1, status: 'ACTIVE',
    conditions: { grantTypes: { include: ['client_credentials'] }, scopes: { include: ['*'] }, people: { groups: { include: ['EVERYONE'] } } },
    actions: { token: { accessTokenLifetimeMinutes: 60, refreshTokenLifetimeMinutes: 0, refreshTokenWindowMinutes: 10080 } },
  });
  const introspector = await okta.ok('POST', '/api/v1/apps', {
    name: 'oidc_client', label: `${name} introspection client`, signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic', autoKeyRotation: true } },
    settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'], response_types: ['token'], redirect_uris: [] } },
  });
  const meta = await okta.ok('GET', `/oauth2/${as.id}/.well-known/oauth-authorization-server`);
  const provider = await anypoint.post(`/accounts/api/organizations/${anypoint.org}/clientProviders`, {
    name: `Okta DCR ${name}`,
    type: { name: 'openid-dynamic-client', description: 'OpenID Connect Dynamic Client Registration' },
    allow_untrusted_certificates: false,
    oidc_dynamic_client_provider: {
      issuer: meta.issuer,
      client_request_timeout: 5000,
      urls: { authorize: meta.authorization_endpoint, token: meta.token_endpoint, introspect: meta.introspection_endpoint },
      client: { urls: { register: meta.registration_endpoint }, registration: { authorization: `SSWS ${okta.apiToken}` } },
      primary_client: { id: introspector.credentials.oauthClient.client_id, secret: introspector.credentials.oauthClient.client_secret },
    },
  });
  if (provider.status !== 201) throw new Error(`client provider: ${provider.status} ${JSON.stringify(provider.body)}`);
  return { issuer: as.issuer, providerId: provider.body.provider_id };
}
