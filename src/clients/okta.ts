import { Client as OktaSdkClient } from '@okta/okta-sdk-nodejs';
import type { Dispatcher } from 'undici';
import { ExternalApiError } from './errors';
import { callJson, HttpCall } from './http';

/* eslint-disable @typescript-eslint/no-explicit-any -- Okta resources are open JSON documents. */
export type OktaObject = Record<string, any>;

export interface OktaClientOptions {
  /** Org URL, e.g. https://dev-123.okta.com (a trailing slash is removed: the SDK would send `//api`). */
  orgUrl: string;
  /** SSWS API token. */
  apiToken: string;
  /** undici dispatcher, for tests. @default the global dispatcher */
  dispatcher?: Dispatcher;
}

export interface OidcAppSpec {
  label: string;
  applicationType: string;
  grantTypes: string[];
  responseTypes: string[];
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}

export interface TokenResponse {
  accessToken: string;
  scope: string;
  expiresIn: number;
}

/** The fix for each Okta error a user can act on. */
function oktaFix(status: number, body: unknown): string {
  const b = (body ?? {}) as OktaObject;
  if (b.errorCode === 'E0000011' || status === 401) return 'Check the Okta API token referenced by okta.apiToken; it is invalid or revoked.';
  if (b.errorCode === 'E0000006' || status === 403) return 'Give the API token an admin role that may manage authorization servers, apps and groups.';
  if (b.error === 'access_denied') return 'No access policy rule matches this client, grant and scopes: check okta.accessPolicy.';
  if (b.error === 'invalid_scope') return 'Request only scopes defined on the authorization server (okta.scopes).';
  if (b.error === 'invalid_client') return 'The client id or secret is wrong, or the app is deactivated.';
  if (status === 429) return 'Okta rate limit reached; the run waits for the reset Okta announced.';
  return 'Check the tenant file values used by this step.';
}

/**
 * The Okta client: management API (SSWS), dynamic client registration and the OAuth endpoints.
 * Lookups are exact: Okta's `q` is a prefix match, so every list is paged through and filtered.
 * No retries here: Temporal retries activities by cause.
 */
export class OktaClient {
  readonly orgUrl: string;
  private readonly sdk: OktaSdkClient;

  constructor(private readonly opts: OktaClientOptions) {
    this.orgUrl = opts.orgUrl.replace(/\/+$/, '');
    // The official SDK, with its GET cache off (it would serve stale reads to polling steps).
    this.sdk = new OktaSdkClient({ orgUrl: this.orgUrl, token: opts.apiToken, cacheMiddleware: null } as never);
  }

  private call<T>(operation: string, method: HttpCall['method'], path: string, extra: Partial<HttpCall> = {}) {
    return callJson<T>({
      system: 'okta',
      operation,
      method,
      url: path.startsWith('http') ? path : `${this.orgUrl}${path}`,
      headers: { authorization: `SSWS ${this.opts.apiToken}`, ...extra.headers },
      dispatcher: this.opts.dispatcher,
      fixFor: oktaFix,
      ...extra,
    });
  }

  private async get<T>(operation: string, path: string): Promise<T | undefined> {
    return (await this.call<T>(operation, 'GET', path, { tolerate: [404] })).body;
  }

  /** Every page of a list, following Okta's absolute `Link: <…>; rel="next"`. */
  private async listAll(operation: string, path: string): Promise<OktaObject[]> {
    const items: OktaObject[] = [];
    let url: string | undefined = path;
    while (url) {
      const res: { body: OktaObject[]; headers: Record<string, unknown> } = await this.call<OktaObject[]>(operation, 'GET', url);
      items.push(...(res.body ?? []));
      const link = [res.headers.link].flat().join(',');
      url = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
    }
    return items;
  }

  /** Preflight: the token is valid (GET /api/v1/users/me through the official SDK). */
  async verifyApiToken(): Promise<void> {
    try {
      await this.sdk.userApi.getUser({ userId: 'me' });
    } catch (err) {
      const e = err as { status?: number; errorCode?: string; errorSummary?: string; message?: string };
      if (e.status) {
        throw new ExternalApiError('okta', e.status === 401 ? 'auth' : e.status >= 500 ? 'server' : 'validation', 'verify API token', e.errorSummary ?? 'refused', oktaFix(e.status, e), e.status, e.errorCode);
      }
      throw new ExternalApiError('okta', 'network', 'verify API token', e.message ?? String(err), `Check that ${this.orgUrl} is reachable.`);
    }
  }

  // Authorization servers
  getAuthorizationServer(id: string) {
    return this.get<OktaObject>('read authorization server', `/api/v1/authorizationServers/${encodeURIComponent(id)}`);
  }
  async findAuthorizationServerByName(name: string) {
    return (await this.listAll('list authorization servers', `/api/v1/authorizationServers?q=${encodeURIComponent(name)}&limit=200`)).find((s) => s.name === name);
  }
  async createAuthorizationServer(body: OktaObject) {
    return (await this.call<OktaObject>('create authorization server', 'POST', '/api/v1/authorizationServers', { json: body })).body;
  }
  async replaceAuthorizationServer(id: string, body: OktaObject) {
    return (await this.call<OktaObject>('replace authorization server', 'PUT', `/api/v1/authorizationServers/${id}`, { json: body })).body;
  }
  async deleteAuthorizationServer(id: string) {
    await this.call('deactivate authorization server', 'POST', `/api/v1/authorizationServers/${id}/lifecycle/deactivate`, { tolerate: [404] });
    await this.call('delete authorization server', 'DELETE', `/api/v1/authorizationServers/${id}`, { tolerate: [404] });
  }

  // Scopes
  async findScopeByName(asId: string, name: string) {
    return (await this.listAll('list scopes', `/api/v1/authorizationServers/${asId}/scopes?limit=200`)).find((s) => s.name === name);
  }
  async createScope(asId: string, body: OktaObject) {
    return (await this.call<OktaObject>('create scope', 'POST', `/api/v1/authorizationServers/${asId}/scopes`, { json: body })).body;
  }
  async replaceScope(asId: string, id: string, body: OktaObject) {
    return (await this.call<OktaObject>('replace scope', 'PUT', `/api/v1/authorizationServers/${asId}/scopes/${id}`, { json: body })).body;
  }
  async deleteScope(asId: string, id: string) {
    await this.call('delete scope', 'DELETE', `/api/v1/authorizationServers/${asId}/scopes/${id}`, { tolerate: [404] });
  }

  // Groups: names are unique, but `q` is a prefix match, so filter exactly.
  async findGroupByName(name: string, type = 'OKTA_GROUP') {
    const found = await this.listAll('list groups', `/api/v1/groups?q=${encodeURIComponent(name)}&limit=200`);
    return found.find((g) => g.profile?.name === name && g.type === type);
  }
  async createGroup(profile: { name: string; description: string }) {
    try {
      return (await this.call<OktaObject>('create group', 'POST', '/api/v1/groups', { json: { profile } })).body;
    } catch (err) {
      // A retried create whose first response was lost: adopt the group the first attempt made.
      const existing = err instanceof ExternalApiError && err.code === 'E0000001' ? await this.findGroupByName(profile.name) : undefined;
      if (existing) return existing;
      throw err;
    }
  }
  async replaceGroup(id: string, profile: { name: string; description: string }) {
    return (await this.call<OktaObject>('replace group', 'PUT', `/api/v1/groups/${id}`, { json: { profile } })).body;
  }
  async deleteGroup(id: string) {
    await this.call('delete group', 'DELETE', `/api/v1/groups/${id}`, { tolerate: [404] });
  }

  // Authorization-server policies and rules
  async findPolicyByName(asId: string, name: string) {
    return (await this.listAll('list policies', `/api/v1/authorizationServers/${asId}/policies`)).find((p) => p.name === name);
  }
  async createPolicy(asId: string, body: OktaObject) {
    return (await this.call<OktaObject>('create access policy', 'POST', `/api/v1/authorizationServers/${asId}/policies`, { json: body })).body;
  }
  async replacePolicy(asId: string, id: string, body: OktaObject) {
    return (await this.call<OktaObject>('replace access policy', 'PUT', `/api/v1/authorizationServers/${asId}/policies/${id}`, { json: body })).body;
  }
  async deletePolicy(asId: string, id: string) {
    await this.call('delete access policy', 'DELETE', `/api/v1/authorizationServers/${asId}/policies/${id}`, { tolerate: [404] });
  }
  async findRuleByName(asId: string, policyId: string, name: string) {
    return (await this.listAll('list policy rules', `/api/v1/authorizationServers/${asId}/policies/${policyId}/rules`)).find((r) => r.name === name);
  }
  async createRule(asId: string, policyId: string, body: OktaObject) {
    return (await this.call<OktaObject>('create policy rule', 'POST', `/api/v1/authorizationServers/${asId}/policies/${policyId}/rules`, { json: body })).body;
  }
  async replaceRule(asId: string, policyId: string, id: string, body: OktaObject) {
    return (await this.call<OktaObject>('replace policy rule', 'PUT', `/api/v1/authorizationServers/${asId}/policies/${policyId}/rules/${id}`, { json: body })).body;
  }
  async deleteRule(asId: string, policyId: string, id: string) {
    await this.call('delete policy rule', 'DELETE', `/api/v1/authorizationServers/${asId}/policies/${policyId}/rules/${id}`, { tolerate: [404] });
  }

  // Applications (raw JSON: the SDK's serializer drops fields it does not model, see okta.md §4.7)
  async findOidcAppByLabel(label: string) {
    return (await this.listAll('list apps', `/api/v1/apps?q=${encodeURIComponent(label)}&limit=200`)).find((a) => a.label === label && a.name === 'oidc_client');
  }
  getApp(id: string) {
    return this.get<OktaObject>('read app', `/api/v1/apps/${id}`);
  }
  private appBody(spec: OidcAppSpec): OktaObject {
    return {
      name: 'oidc_client',
      label: spec.label,
      signOnMode: 'OPENID_CONNECT',
      // A confidential client whose relying party (Anypoint) does not send PKCE.
      credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic', autoKeyRotation: true, pkce_required: false } },
      settings: {
        oauthClient: {
          application_type: spec.applicationType,
          grant_types: spec.grantTypes,
          response_types: spec.responseTypes,
          redirect_uris: spec.redirectUris,
          post_logout_redirect_uris: spec.postLogoutRedirectUris ?? [],
          consent_method: 'TRUSTED',
        },
      },
    };
  }
  async createOidcApp(spec: OidcAppSpec) {
    return (await this.call<OktaObject>('create app', 'POST', '/api/v1/apps?activate=true', { json: this.appBody(spec) })).body;
  }
  async updateOidcApp(id: string, spec: OidcAppSpec) {
    const current = (await this.getApp(id)) ?? {};
    const desired = this.appBody(spec);
    const body = { ...current, label: spec.label, settings: { ...current.settings, oauthClient: { ...current.settings?.oauthClient, ...desired.settings.oauthClient } } };
    return (await this.call<OktaObject>('replace app', 'PUT', `/api/v1/apps/${id}`, { json: body })).body;
  }
  async activateApp(id: string) {
    await this.call('activate app', 'POST', `/api/v1/apps/${id}/lifecycle/activate`);
  }
  /** GET → change redirect URIs → PUT of the whole raw document, so no server field is lost. */
  async setAppRedirectUris(id: string, uris: string[]) {
    const app = await this.getApp(id);
    if (!app) throw new ExternalApiError('okta', 'not_found', 'set redirect URIs', `app ${id} does not exist`, 'Re-run the onboarding so the SSO app is created again.', 404);
    app.settings.oauthClient.redirect_uris = uris;
    return (await this.call<OktaObject>('replace app redirect URIs', 'PUT', `/api/v1/apps/${id}`, { json: app })).body;
  }
  /** Okta deletes only inactive apps: deactivate first. Gone already counts as done. */
  async deleteApp(id: string) {
    const deactivated = await this.call('deactivate app', 'POST', `/api/v1/apps/${id}/lifecycle/deactivate`, { tolerate: [404] });
    if (deactivated.status === 404) return;
    await this.call('delete app', 'DELETE', `/api/v1/apps/${id}`, { tolerate: [404] });
  }
  /** The app's active client secret, read where it lives so it never travels through history. */
  async getClientSecret(appId: string): Promise<string> {
    const secrets = (await this.call<OktaObject[]>('read client secrets', 'GET', `/api/v1/apps/${appId}/credentials/secrets`)).body ?? [];
    const active = secrets.find((s) => s.status === 'ACTIVE') ?? secrets[0];
    if (active?.client_secret) return active.client_secret;
    const app = await this.getApp(appId);
    const secret = app?.credentials?.oauthClient?.client_secret;
    if (!secret) throw new ExternalApiError('okta', 'not_found', 'read client secret', `app ${appId} has no readable client secret`, 'Give the app a client secret (client_secret_basic).');
    return secret;
  }

  // App ⇄ group assignments (a DCR client's client_id is its app id)
  async getAppGroupAssignment(appId: string, groupId: string): Promise<boolean> {
    return (await this.call('read app group assignment', 'GET', `/api/v1/apps/${appId}/groups/${groupId}`, { tolerate: [404] })).status !== 404;
  }
  async assignGroupToApp(appId: string, groupId: string) {
    await this.call('assign group to app', 'PUT', `/api/v1/apps/${appId}/groups/${groupId}`, { json: {} });
  }
  async unassignGroupFromApp(appId: string, groupId: string) {
    await this.call('unassign group from app', 'DELETE', `/api/v1/apps/${appId}/groups/${groupId}`, { tolerate: [404] });
  }

  // OAuth endpoints of an authorization server
  async getMetadata(asId: string) {
    const res = await callJson<OktaObject>({ system: 'okta', operation: 'read authorization server metadata', method: 'GET', url: `${this.orgUrl}/oauth2/${asId}/.well-known/openid-configuration`, dispatcher: this.opts.dispatcher, fixFor: oktaFix });
    return res.body as { issuer: string; authorization_endpoint: string; token_endpoint: string; introspection_endpoint: string; registration_endpoint: string; userinfo_endpoint: string; jwks_uri: string; scopes_supported?: string[] };
  }
  async requestClientCredentialsToken(req: { tokenUrl: string; clientId: string; clientSecret: string; scopes: string[] }): Promise<TokenResponse> {
    const res = await callJson<OktaObject>({
      system: 'okta',
      operation: 'request a client_credentials token',
      method: 'POST',
      url: req.tokenUrl,
      headers: { authorization: `Basic ${Buffer.from(`${req.clientId}:${req.clientSecret}`).toString('base64')}` },
      form: { grant_type: 'client_credentials', scope: req.scopes.join(' ') },
      dispatcher: this.opts.dispatcher,
      fixFor: oktaFix,
    });
    return { accessToken: res.body.access_token, scope: res.body.scope ?? '', expiresIn: res.body.expires_in };
  }
  async introspectToken(req: { introspectUrl: string; clientId: string; clientSecret: string; token: string }): Promise<OktaObject> {
    const res = await callJson<OktaObject>({
      system: 'okta',
      operation: 'introspect a token',
      method: 'POST',
      url: req.introspectUrl,
      headers: { authorization: `Basic ${Buffer.from(`${req.clientId}:${req.clientSecret}`).toString('base64')}` },
      form: { token: req.token, token_type_hint: 'access_token' },
      dispatcher: this.opts.dispatcher,
      fixFor: oktaFix,
    });
    return res.body;
  }
}
