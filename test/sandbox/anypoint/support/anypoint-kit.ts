/* eslint-disable @typescript-eslint/no-explicit-any -- test responses are open JSON documents checked against the specs. */
import { request, type Dispatcher } from 'undici';
import { AnypointSandbox, AnypointSandboxOptions, startAnypointSandbox } from '../../../../src/sandbox/anypoint';
import { expectResponseMatchesSpec, loadSpecValidator } from '../../../support/openapi';
import type { StrictProvider } from './strict-provider';

/** Published specs, by family. */
export const specs = {
  authorization: () => loadSpecValidator('anypoint/authorization.yaml'),
  env: () => loadSpecValidator('anypoint/env.yaml'),
  org: () => loadSpecValidator('anypoint/org.yaml'),
  idp: () => loadSpecValidator('anypoint/idp.yaml'),
  apim: () => loadSpecValidator('anypoint/apim.yaml'),
  policy: () => loadSpecValidator('anypoint/apim_policy.yaml'),
  contract: () => loadSpecValidator('anypoint/apim_contract.yaml'),
  tier: () => loadSpecValidator('anypoint/apim_tier.yaml'),
  assets: () => loadSpecValidator('anypoint/exchange_assets.yaml'),
  apps: () => loadSpecValidator('anypoint/exchange_client_apps.yaml'),
};

export { expectResponseMatchesSpec };

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

/** A test's handle on a running Anypoint sandbox, authenticated as the seeded connected app. */
export class AnypointTestClient {
  token = '';

  /** `dispatcher` carries the CA when the sandbox serves HTTPS. */
  constructor(
    readonly sandbox: AnypointSandbox,
    private readonly dispatcher?: Dispatcher,
  ) {}

  get org() {
    return this.sandbox.orgId;
  }

  get env() {
    return this.sandbox.environments.Sandbox;
  }

  async login(): Promise<string> {
    const res = await this.call('POST', '/accounts/api/v2/oauth2/token', {
      body: { grant_type: 'client_credentials', client_id: this.sandbox.connectedApp.clientId, client_secret: this.sandbox.connectedApp.clientSecret },
      auth: false,
    });
    this.token = res.body.access_token;
    return this.token;
  }

  async call<T = any>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, opts: { body?: unknown; auth?: boolean | string; headers?: Record<string, string>; raw?: string | FormData } = {}): Promise<Res<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const token = typeof opts.auth === 'string' ? opts.auth : opts.auth === false ? undefined : this.token;
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await request(`${this.sandbox.url}${path}`, { method, headers, dispatcher: this.dispatcher, body: opts.body !== undefined ? JSON.stringify(opts.body) : (opts.raw as string | undefined) });
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* plain text */
    }
    return { status: res.statusCode, body: body as T, headers: res.headers };
  }

  get = <T = any>(path: string) => this.call<T>('GET', path);
  post = <T = any>(path: string, body?: unknown) => this.call<T>('POST', path, { body });
  patch = <T = any>(path: string, body: unknown) => this.call<T>('PATCH', path, { body });
  put = <T = any>(path: string, body: unknown) => this.call<T>('PUT', path, { body });
  delete = <T = any>(path: string) => this.call<T>('DELETE', path);

  apis(env = this.env) {
    return `/apimanager/api/v1/organizations/${this.org}/environments/${env}/apis`;
  }

  /** A client provider on `provider`, through the API. */
  async createClientProvider(provider: StrictProvider, name = 'RFC provider'): Promise<string> {
    const res = await this.post(`/accounts/api/organizations/${this.org}/clientProviders`, clientProviderBody(provider, name));
    if (res.status !== 201) throw new Error(`client provider: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.provider_id;
  }

  /** An API instance of the seeded solar-system asset. */
  async createInstance(overrides: Record<string, unknown> = {}): Promise<any> {
    const res = await this.post(this.apis(), {
      technology: 'mule4',
      providerId: null,
      instanceLabel: 'solar-system',
      spec: { groupId: this.org, assetId: 'solar-system', version: '1.0.0' },
      endpoint: { deploymentType: 'CH', type: 'raml', isCloudHub: true, muleVersion4OrAbove: true, uri: 'http://127.0.0.1:9/solar-system', proxyUri: 'http://0.0.0.0:8081/', referencesUserDomain: false, responseTimeout: null, tlsContexts: null },
      routing: null,
      deployment: null,
      ...overrides,
    });
    if (res.status !== 201) throw new Error(`instance: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

export function clientProviderBody(provider: StrictProvider, name = 'RFC provider', overrides: { authorization?: string; register?: string } = {}) {
  return {
    name,
    type: { name: 'openid-dynamic-client', description: 'OpenID Connect Dynamic Client Registration' },
    allow_untrusted_certificates: false,
    oidc_dynamic_client_provider: {
      allow_local_client_deletion: true,
      allow_external_client_modification: false,
      allow_client_import: false,
      issuer: provider.issuer,
      client_request_timeout: 5000,
      urls: { authorize: provider.urls.authorize, token: provider.urls.token, introspect: provider.urls.introspect },
      client: { urls: { register: overrides.register ?? provider.urls.register }, registration: { authorization: overrides.authorization ?? `Bearer ${provider.registrationToken}` } },
      primary_client: { id: provider.introspectionClient.id, secret: provider.introspectionClient.secret },
    },
  };
}

export async function startAnypoint(opts: AnypointSandboxOptions = {}, dispatcher?: Dispatcher): Promise<AnypointTestClient> {
  const client = new AnypointTestClient(await startAnypointSandbox(opts), dispatcher);
  await client.login();
  return client;
}

export const OIDC_POLICY = { groupId: '68ef9520-24e9-4cf2-b2f5-620025690913', assetId: 'openidconnect-access-token-enforcement', assetVersion: '1.3.0' };
