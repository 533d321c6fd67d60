import { FormData, type Dispatcher } from 'undici';
import { ExternalApiError } from './errors';
import { callJson, HttpCall } from './http';

/* eslint-disable @typescript-eslint/no-explicit-any -- Anypoint resources are open JSON documents. */
export type AnypointObject = Record<string, any>;

export interface AnypointClientOptions {
  /** Control plane, e.g. https://anypoint.mulesoft.com (US), https://eu1.anypoint.mulesoft.com, or a sandbox URL. */
  baseUrl: string;
  /** Connected app (client_credentials) id. */
  clientId: string;
  clientSecret: string;
  /** undici dispatcher, for tests. @default the global dispatcher */
  dispatcher?: Dispatcher;
}

function anypointFix(status: number): string {
  if (status === 401) return 'Check the connected app referenced by anypoint.connectedApp (id and secret).';
  if (status === 403) return 'Grant the connected app the scopes this step needs (client providers, API Manager, Exchange).';
  if (status === 429) return 'Anypoint rate limit reached; the run waits for the announced reset.';
  return 'Check the tenant file values used by this step.';
}

/**
 * The Anypoint Platform client: Access Management, Exchange, API Manager and proxies, with a
 * connected-app token cached until shortly before it expires and refreshed once on a 401.
 */
export class AnypointClient {
  readonly baseUrl: string;
  private token?: { value: string; expiresAt: number };

  constructor(private readonly opts: AnypointClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return this.token.value;
    const res = await callJson<AnypointObject>({
      system: 'anypoint',
      operation: 'get a connected-app token',
      method: 'POST',
      url: `${this.baseUrl}/accounts/api/v2/oauth2/token`,
      json: { grant_type: 'client_credentials', client_id: this.opts.clientId, client_secret: this.opts.clientSecret },
      dispatcher: this.opts.dispatcher,
      fixFor: anypointFix,
    });
    this.token = { value: res.body.access_token, expiresAt: Date.now() + Number(res.body.expires_in ?? 3600) * 1000 };
    return this.token.value;
  }

  private async call<T = AnypointObject>(operation: string, method: HttpCall['method'], path: string, extra: Partial<HttpCall> = {}, ids?: { org?: string; env?: string }): Promise<{ status: number; body: T }> {
    const send = async () =>
      callJson<T>({
        system: 'anypoint',
        operation,
        method,
        url: `${this.baseUrl}${path}`,
        headers: {
          authorization: `Bearer ${await this.accessToken()}`,
          ...(ids?.org ? { 'x-anypnt-org-id': ids.org } : {}),
          ...(ids?.env ? { 'x-anypnt-env-id': ids.env } : {}),
          ...extra.headers,
        },
        dispatcher: this.opts.dispatcher,
        resetHeader: 'x-ratelimit-reset',
        fixFor: anypointFix,
        ...extra,
      });
    try {
      return await send();
    } catch (err) {
      // Tokens expire; one refresh and retry, then the 401 is real.
      if (err instanceof ExternalApiError && err.status === 401 && this.token) {
        this.token = undefined;
        return send();
      }
      throw err;
    }
  }

  async me(): Promise<{ orgId: string; orgDomain?: string }> {
    const { body } = await this.call('read the connected app identity', 'GET', '/accounts/api/me');
    const orgId = body.client?.org_id ?? body.user?.organization?.id;
    let orgDomain = body.user?.organization?.domain;
    if (!orgDomain && orgId) orgDomain = (await this.call('read organization', 'GET', `/accounts/api/organizations/${orgId}`)).body.domain;
    return { orgId, orgDomain };
  }

  async findEnvironmentByName(orgId: string, name: string): Promise<AnypointObject | undefined> {
    const { body } = await this.call('list environments', 'GET', `/accounts/api/organizations/${orgId}/environments`);
    return (body.data ?? []).find((e: AnypointObject) => e.name === name);
  }

  // Exchange assets
  async getAsset(groupId: string, assetId: string, version: string) {
    return (await this.call('read Exchange asset', 'GET', `/exchange/api/v2/assets/${groupId}/${assetId}/${version}`, { tolerate: [404] })).body;
  }
  /** Publishes a RAML asset; false when that version already exists (versions are immutable: 409). */
  async publishRamlAsset(orgId: string, a: { groupId: string; assetId: string; version: string; name: string; raml: string }): Promise<boolean> {
    const form = new FormData();
    form.set('name', a.name);
    form.set('type', 'rest-api');
    form.set('status', 'published');
    form.set('properties.mainFile', 'api.raml');
    form.set('properties.apiVersion', 'v1');
    form.set('files.raml', new Blob([a.raml], { type: 'application/raml+yaml' }), 'api.raml');
    const res = await this.call('publish Exchange asset', 'POST', `/exchange/api/v2/organizations/${orgId}/assets/${a.groupId}/${a.assetId}/${a.version}`, {
      rawBody: form,
      headers: { 'x-sync-publication': 'true' },
      tolerate: [409],
    });
    return res.status !== 409;
  }
  async deleteAsset(groupId: string, assetId: string, version: string) {
    await this.call('delete Exchange asset', 'DELETE', `/exchange/api/v2/assets/${groupId}/${assetId}/${version}`, { tolerate: [404] });
  }

  // Client providers (list entries carry provider_id; the UI variant uses providerId: accept both)
  async findClientProviderByName(orgId: string, name: string) {
    const { body } = await this.call('list client providers', 'GET', `/accounts/api/organizations/${orgId}/clientProviders`);
    const match = (body.data ?? body ?? []).find((p: AnypointObject) => p.name === name);
    return match ? (await this.call('read client provider', 'GET', `/accounts/api/organizations/${orgId}/clientProviders/${match.provider_id ?? match.providerId}`)).body : undefined;
  }
  async createClientProvider(orgId: string, body: AnypointObject) {
    return (await this.call('create client provider', 'POST', `/accounts/api/organizations/${orgId}/clientProviders`, { json: body })).body;
  }
  async patchClientProvider(orgId: string, id: string, body: AnypointObject) {
    return (await this.call('update client provider', 'PATCH', `/accounts/api/organizations/${orgId}/clientProviders/${id}`, { json: body })).body;
  }
  async deleteClientProvider(orgId: string, id: string) {
    await this.call('delete client provider', 'DELETE', `/accounts/api/organizations/${orgId}/clientProviders/${id}`, { tolerate: [404] });
  }

  // Identity providers
  async findIdentityProviderByName(orgId: string, name: string) {
    const { body } = await this.call('list identity providers', 'GET', `/accounts/api/organizations/${orgId}/identityProviders`);
    const match = (body.data ?? []).find((p: AnypointObject) => p.name === name);
    return match ? (await this.call('read identity provider', 'GET', `/accounts/api/organizations/${orgId}/identityProviders/${match.provider_id ?? match.providerId}`)).body : undefined;
  }
  async createIdentityProvider(orgId: string, body: AnypointObject) {
    return (await this.call('create identity provider', 'POST', `/accounts/api/organizations/${orgId}/identityProviders`, { json: body })).body;
  }
  async patchIdentityProvider(orgId: string, id: string, body: AnypointObject) {
    return (await this.call('update identity provider', 'PATCH', `/accounts/api/organizations/${orgId}/identityProviders/${id}`, { json: body })).body;
  }
  async deleteIdentityProvider(orgId: string, id: string) {
    await this.call('delete identity provider', 'DELETE', `/accounts/api/organizations/${orgId}/identityProviders/${id}`, { tolerate: [404] });
  }

  // API Manager instances: the listing nests instances under assets[].apis[]
  private apis(org: string, env: string) {
    return `/apimanager/api/v1/organizations/${org}/environments/${env}/apis`;
  }
  async findApiInstance(org: string, env: string, id: { groupId: string; assetId: string; instanceLabel: string }) {
    const q = new URLSearchParams({ groupId: id.groupId, assetId: id.assetId, instanceLabel: id.instanceLabel, limit: '100' });
    const { body } = await this.call('list API instances', 'GET', `${this.apis(org, env)}?${q}`, {}, { org, env });
    const instances = (body.assets ?? []).flatMap((a: AnypointObject) => (a.apis ?? []).map((api: AnypointObject) => ({ groupId: a.groupId, assetId: a.assetId, ...api })));
    return instances.find((api: AnypointObject) => api.groupId === id.groupId && api.assetId === id.assetId && api.instanceLabel === id.instanceLabel);
  }
  async createApiInstance(org: string, env: string, body: AnypointObject) {
    return (await this.call('create API instance', 'POST', this.apis(org, env), { json: body }, { org, env })).body;
  }
  async patchApiInstance(org: string, env: string, id: string, body: AnypointObject) {
    return (await this.call('update API instance', 'PATCH', `${this.apis(org, env)}/${id}`, { json: body }, { org, env })).body;
  }
  async deleteApiInstance(org: string, env: string, id: string) {
    await this.call('delete API instance', 'DELETE', `${this.apis(org, env)}/${id}`, { tolerate: [404] }, { org, env });
  }

  // Proxy deployments
  private deployments(org: string, env: string, apiId: string) {
    return `/proxies/xapi/v1/organizations/${org}/environments/${env}/apis/${apiId}/deployments`;
  }
  async listDeployments(org: string, env: string, apiId: string): Promise<AnypointObject[]> {
    return (await this.call<AnypointObject[]>('list proxy deployments', 'GET', this.deployments(org, env, apiId), {}, { org, env })).body ?? [];
  }
  async createDeployment(org: string, env: string, apiId: string, body: AnypointObject) {
    return (await this.call('deploy proxy', 'POST', this.deployments(org, env, apiId), { json: body }, { org, env })).body;
  }
  async patchDeployment(org: string, env: string, apiId: string, id: string, body: AnypointObject) {
    return (await this.call('update proxy deployment', 'PATCH', `${this.deployments(org, env, apiId)}/${id}`, { json: body }, { org, env })).body;
  }
  async deleteDeployment(org: string, env: string, apiId: string, id: string) {
    await this.call('delete proxy deployment', 'DELETE', `${this.deployments(org, env, apiId)}/${id}`, { tolerate: [404] }, { org, env });
  }

  // Policies: three listing shapes exist in the wild; normalise to { id, assetId, configurationData, pointcutData }.
  async listPolicies(org: string, env: string, apiId: string): Promise<AnypointObject[]> {
    const { body } = await this.call<unknown>('list policies', 'GET', `${this.apis(org, env)}/${apiId}/policies`, {}, { org, env });
    const raw = (Array.isArray(body) ? body : ((body as AnypointObject)?.policies ?? [])) as AnypointObject[];
    return raw.map(normalizePolicy);
  }
  async createPolicy(org: string, env: string, apiId: string, body: AnypointObject) {
    return normalizePolicy((await this.call('apply policy', 'POST', `${this.apis(org, env)}/${apiId}/policies`, { json: body }, { org, env })).body);
  }
  async patchPolicy(org: string, env: string, apiId: string, id: string, body: AnypointObject) {
    return normalizePolicy((await this.call('update policy', 'PATCH', `${this.apis(org, env)}/${apiId}/policies/${id}`, { json: body }, { org, env })).body);
  }
  async deletePolicy(org: string, env: string, apiId: string, id: string) {
    await this.call('remove policy', 'DELETE', `${this.apis(org, env)}/${apiId}/policies/${id}`, { tolerate: [404] }, { org, env });
  }

  // Contracts
  async listContracts(org: string, env: string, apiId: string): Promise<AnypointObject[]> {
    return (await this.call('list contracts', 'GET', `${this.apis(org, env)}/${apiId}/contracts`, {}, { org, env })).body.contracts ?? [];
  }
  async createContract(org: string, env: string, apiId: string, body: AnypointObject) {
    return (await this.call('create contract', 'POST', `${this.apis(org, env)}/${apiId}/contracts`, { json: body }, { org, env })).body;
  }
  private contractAction(org: string, env: string, apiId: string, id: string, action: 'approve' | 'revoke') {
    return this.call(`${action} contract`, 'POST', `/apimanager/xapi/v1/organizations/${org}/environments/${env}/apis/${apiId}/contracts/${id}/${action}`, {}, { org, env });
  }
  async approveContract(org: string, env: string, apiId: string, id: string) {
    return (await this.contractAction(org, env, apiId, id, 'approve')).body;
  }
  async revokeContract(org: string, env: string, apiId: string, id: string) {
    await this.contractAction(org, env, apiId, id, 'revoke');
  }
  async deleteContract(org: string, env: string, apiId: string, id: string) {
    await this.call('delete contract', 'DELETE', `${this.apis(org, env)}/${apiId}/contracts/${id}`, { tolerate: [404] }, { org, env });
  }

  // Exchange client applications: `query` is fuzzy, so page through and match the name exactly.
  async findClientApplicationByName(org: string, name: string, _opts: { withCredentials?: boolean } = {}): Promise<AnypointObject | undefined> {
    for (let offset = 0; ; offset += 100) {
      const q = new URLSearchParams({ targetAdminSite: 'true', query: name, limit: '100', offset: String(offset) });
      const page = (await this.call<AnypointObject[]>('list client applications', 'GET', `/exchange/api/v2/organizations/${org}/applications?${q}`)).body ?? [];
      const match = page.find((a) => a.name === name);
      if (match) return match.clientSecret ? match : this.getClientApplication(org, String(match.id));
      if (page.length < 100) return undefined;
    }
  }
  async getClientApplication(org: string, id: string) {
    return (await this.call('read client application', 'GET', `/exchange/api/v2/organizations/${org}/applications/${id}?targetAdminSite=true`, { tolerate: [404] })).body;
  }
  async createClientApplication(org: string, apiInstanceId: string, body: AnypointObject) {
    return (await this.call('create client application', 'POST', `/exchange/api/v2/organizations/${org}/applications?apiInstanceId=${apiInstanceId}`, { json: { ...body, apiEndpoints: false } })).body;
  }
  async patchClientApplication(org: string, id: string, body: AnypointObject) {
    return (await this.call('update client application', 'PATCH', `/exchange/api/v2/organizations/${org}/applications/${id}`, { json: body })).body;
  }
  async deleteClientApplication(org: string, id: string) {
    await this.call('delete client application', 'DELETE', `/exchange/api/v2/organizations/${org}/applications/${id}`, { tolerate: [404] });
  }
}

export function normalizePolicy(p: AnypointObject): AnypointObject {
  return {
    ...p,
    id: p.id ?? p.policyId,
    assetId: p.assetId ?? p.template?.assetId ?? p.implementationAsset?.assetId,
    assetVersion: p.assetVersion ?? p.template?.assetVersion ?? p.implementationAsset?.version,
    configurationData: p.configurationData ?? p.configuration ?? {},
    pointcutData: p.pointcutData ?? null,
  };
}
