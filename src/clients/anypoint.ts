import { Blob } from 'node:buffer';
import { FormData, Response, type Dispatcher } from 'undici';
import { anypointErrorFromResponse, type AnypointArea } from './anypoint-errors';
import { ExternalApiError, type ApiErrorKind } from './errors';
import { defaultDispatcher, query, seg, send, type HttpMethod, type HttpResponse } from './http';
import { readRetryPolicy, retryRead, type ReadRetryPolicy } from './read-retry';
import { blameUpstreamProvider } from './upstream-provider';
import { zip } from './zip';

/*
 * Anypoint Platform over undici: Access Management (token, identity, environments, client and
 * identity providers), Exchange (assets, client applications), API Manager (instances, policies,
 * tiers, contracts) and proxy deployments. Authenticates as a connected app (client credentials);
 * the token is cached until shortly before it expires and, on a 401, refreshed once and the call
 * retried once. Reads (GET) are retried here with short backoff on transient failures
 * (read-retry.ts); writes are not: Temporal retries activities by cause.
 *
 * Conventions: `find*` matches exact identity client-side and pages through everything (Exchange's
 * `query` is fuzzy); `get*` returns undefined on 404; `delete*` treats "already gone" as done.
 * Responses are parsed leniently as open JSON: the platform adds fields and changes shapes.
 */

export interface AnypointClientOptions {
  /** Control plane base URL: https://anypoint.mulesoft.com (US), https://eu1.anypoint.mulesoft.com, https://gov.anypoint.mulesoft.com, or a sandbox. */
  baseUrl: string;
  /** Connected app client id (the app acts on its own behalf: client credentials). */
  clientId: string;
  /** Connected app secret. Never logged, never in an error message. */
  clientSecret: string;
  /**
   * undici dispatcher; tests inject a `MockAgent`.
   * @default a keep-alive Agent owned (and closed) by this client
   */
  dispatcher?: Dispatcher;
  /**
   * Per-request timeout in milliseconds (response headers, and each gap in the body).
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * A cached token is replaced this long before it expires, so no call starts with a dying token.
   * @default 60000
   */
  tokenRefreshMarginMs?: number;
  /**
   * Page size of paged lists (API instances, client applications).
   * @default 100
   */
  pageSize?: number;
  /**
   * Clock for token expiry and rate-limit resets without a `Date` header.
   * @default Date.now
   */
  now?: () => number;
  /**
   * How reads (GET) are retried inside the call on 5xx, network errors and short 429s; `false`
   * turns it off. Writes are never retried here.
   * @default DEFAULT_READ_RETRY (4 attempts, 100 ms doubling, 429 resets up to 5 s waited out)
   */
  readRetry?: Partial<ReadRetryPolicy> | false;
}

// ---------------------------------------------------------------------------------------------
// Shapes (open JSON: only the fields this service reads are named)
// ---------------------------------------------------------------------------------------------

export type JsonObject = Record<string, unknown>;

export interface AnypointIdentity {
  /** The organization the connected app belongs to. */
  orgId: string;
  /** The org's domain, for the SSO login URL `/accounts/login/{domain}`; unknown when unreadable. */
  orgDomain?: string;
  orgName?: string;
  clientId?: string;
}

export interface AnypointEnvironment {
  id: string;
  name: string;
  organizationId?: string;
  isProduction?: boolean;
  type?: string;
  [field: string]: unknown;
}

/** A client or identity provider; both `provider_id` (accounts API) and `providerId` (UI API) are filled. */
export interface AnypointProvider {
  provider_id: string;
  providerId: string;
  name: string;
  type?: { name?: string; description?: string };
  [field: string]: unknown;
}

export interface ExchangeAsset {
  groupId: string;
  assetId: string;
  version: string;
  [field: string]: unknown;
}

export interface RamlAssetSpec {
  groupId: string;
  assetId: string;
  version: string;
  /** Asset name shown in Exchange. */
  name: string;
  /** The RAML text. */
  raml: string;
  description?: string;
  /** @default 'v1' */
  apiVersion?: string;
  /** Name of the RAML inside the published archive. @default 'api.raml' */
  mainFile?: string;
}

/** An API instance, flattened out of the listing's `assets[].apis[]`. */
export interface ApiInstance {
  id: string | number;
  groupId?: string;
  assetId?: string;
  assetVersion?: string;
  instanceLabel?: string;
  providerId?: string | null;
  endpoint?: JsonObject & { uri?: string | null };
  [field: string]: unknown;
}

export interface ApiInstanceFilter {
  groupId?: string;
  assetId?: string;
  assetVersion?: string;
  instanceLabel?: string;
  /** Fuzzy search over name, description, label and tags. */
  query?: string;
}

/** Body of `POST …/apis`; unset endpoint keys are sent as explicit nulls (the platform requires them). */
export interface ApiInstanceCreate {
  technology?: 'mule4' | 'mule3' | 'flexGateway' | 'serviceMesh' | (string & {});
  /** Client provider id; null means Anypoint's own provider. */
  providerId?: string | null;
  approvalMethod?: string | null;
  endpointUri?: string | null;
  instanceLabel?: string | null;
  spec: { groupId: string; assetId: string; version: string };
  endpoint?: {
    deploymentType?: string | null;
    type?: string | null;
    isCloudHub?: boolean | null;
    muleVersion4OrAbove?: boolean | null;
    uri?: string | null;
    proxyUri?: string | null;
    referencesUserDomain?: boolean | null;
    responseTimeout?: number | null;
    tlsContexts?: unknown;
    [field: string]: unknown;
  };
  routing?: unknown;
  /** Omitted when null: the platform now refuses `deployment: null` ("must be object"). */
  deployment?: JsonObject | null;
  [field: string]: unknown;
}

export interface ProxyDeployment {
  id: string | number;
  type?: string;
  applicationName?: string;
  gatewayVersion?: string;
  targetId?: string;
  [field: string]: unknown;
}

export interface PointcutEntry {
  methodRegex: string;
  uriTemplateRegex: string;
}

/** An applied policy, normalized from whichever of the three listing shapes the platform used. */
export interface ApiPolicy {
  id: string;
  groupId?: string;
  assetId?: string;
  assetVersion?: string;
  configurationData: JsonObject;
  pointcutData: PointcutEntry[] | null;
  order?: number;
  disabled?: boolean;
  [field: string]: unknown;
}

export interface PolicyCreate {
  groupId: string;
  assetId: string;
  assetVersion: string;
  configurationData: JsonObject;
  pointcutData?: PointcutEntry[] | null;
  order?: number;
  [field: string]: unknown;
}

export interface OidcPolicySpec {
  /** Scope names; sent space-separated. */
  scopes: string[];
  /** @default 'AND' */
  validation?: 'AND' | 'OR';
  /** @default false */
  skipClientIdValidation?: boolean;
  /** @default false */
  exposeHeaders?: boolean;
  /** HTTP methods of the pointcut, e.g. ['GET']; with `resource`, limits the policy to that resource. */
  methods?: string[];
  /** URI template of the pointcut, e.g. '/planets'. */
  resource?: string;
  /** Policy asset version. @default '1.3.0' */
  version?: string;
  order?: number;
}

export interface SlaTier {
  id: string | number;
  name?: string;
  status?: string;
  autoApprove?: boolean;
  [field: string]: unknown;
}

export interface Contract {
  id: string | number;
  status?: string;
  applicationId?: string | number;
  application?: { id?: string | number; name?: string; clientId?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface ContractCreate {
  applicationId: number | string;
  acceptedTerms?: boolean;
  requestedTierId?: number | string;
  requestAccessInfo?: { reason?: string };
  [field: string]: unknown;
}

/** An Exchange client application. `clientSecret` is present only when asked for (and on create). */
export interface ClientApplication {
  id: string | number;
  name: string;
  description?: string;
  clientId?: string;
  clientSecret?: string;
  grantTypes?: string[];
  redirectUri?: string[];
  [field: string]: unknown;
}

export interface ClientApplicationCreate {
  name: string;
  description?: string;
  url?: string;
  redirectUri?: string[];
  grantTypes: string[];
  /** @default false */
  apiEndpoints?: boolean;
  [field: string]: unknown;
}

/** The MuleSoft policy group and the OpenID Connect access token enforcement policy. */
export const OIDC_POLICY_GROUP_ID = '68ef9520-24e9-4cf2-b2f5-620025690913';
export const OIDC_POLICY_ASSET_ID = 'openidconnect-access-token-enforcement';
export const DEFAULT_OIDC_POLICY_VERSION = '1.3.0';

type Fixes = Partial<Record<ApiErrorKind, string>>;

interface CallOptions {
  area: AnypointArea;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  body?: { contentType: string; data: Buffer };
  headers?: Record<string, string>;
  /** Sends X-ANYPNT-ORG-ID / X-ANYPNT-ENV-ID (API Manager and proxies). */
  org?: string;
  env?: string;
  /** Answer undefined instead of failing on these statuses. */
  tolerate?: number[];
  fixes?: Fixes;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

export class AnypointClient {
  readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeoutMs: number;
  private readonly marginMs: number;
  private readonly pageSize: number;
  private readonly now: () => number;
  private token?: CachedToken;
  private tokenRequest?: Promise<CachedToken>;
  private readonly readRetry: ReadRetryPolicy;

  constructor(private readonly options: AnypointClientOptions) {
    this.readRetry = readRetryPolicy(options.readRetry);
    this.baseUrl = options.baseUrl.trim().replace(/\/+$/, '');
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? defaultDispatcher();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.marginMs = options.tokenRefreshMarginMs ?? 60_000;
    this.pageSize = options.pageSize ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** Closes the connection pool, unless it was injected. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  // -------------------------------------------------------------------------------------------
  // Authentication and transport
  // -------------------------------------------------------------------------------------------

  private secrets(): (string | undefined)[] {
    return [this.options.clientSecret, this.token?.value];
  }

  /** The cached connected-app token, or a new one; concurrent callers share one token request. */
  private async accessToken(): Promise<CachedToken> {
    if (this.token && this.token.expiresAt - this.marginMs > this.now()) return this.token;
    this.tokenRequest ??= this.requestToken().finally(() => (this.tokenRequest = undefined));
    return this.tokenRequest;
  }

  private async requestToken(): Promise<CachedToken> {
    const operation = 'get a connected-app token';
    const res = await send(
      {
        method: 'POST',
        url: `${this.baseUrl}/accounts/api/v2/oauth2/token`,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: this.options.clientId, client_secret: this.options.clientSecret }),
        timeoutMs: this.timeoutMs,
        dispatcher: this.dispatcher,
      },
      { system: 'anypoint', operation, secrets: this.secrets() },
    );
    // A bad client id or secret: 401, or 400 invalid_client from some control planes.
    if (res.status === 400 && /invalid_client|unauthorized/i.test(res.text)) res.status = 401;
    if (res.status < 200 || res.status >= 300) throw anypointErrorFromResponse(res, { operation, area: 'token', secrets: this.secrets(), now: this.now() });
    const body = (res.json ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || !body.access_token) {
      throw new ExternalApiError({ system: 'anypoint', kind: 'server', operation, detail: 'the token response has no access_token', fix: 'Retry; if it persists, check the Anypoint status page.' });
    }
    const expiresIn = Number(body.expires_in);
    this.token = { value: body.access_token, expiresAt: this.now() + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600) * 1000 };
    return this.token;
  }

  /** One authenticated call; a GET is retried on transient failures, anything else is sent once. */
  private call(operation: string, method: HttpMethod, path: string, opts: CallOptions): Promise<HttpResponse | undefined> {
    const once = () => this.callOnce(operation, method, path, opts);
    return method === 'GET' ? retryRead(once, this.readRetry) : once();
  }

  /** One authenticated request; a 401 drops the token, gets a fresh one and retries once. */
  private async callOnce(operation: string, method: HttpMethod, path: string, opts: CallOptions): Promise<HttpResponse | undefined> {
    const attempt = async (token: CachedToken) => {
      const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token.value}`, ...opts.headers };
      if (opts.org) headers['x-anypnt-org-id'] = opts.org;
      if (opts.env) headers['x-anypnt-env-id'] = opts.env;
      let body: string | Buffer | undefined;
      if (opts.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(opts.json);
      } else if (opts.body) {
        headers['content-type'] = opts.body.contentType;
        body = opts.body.data;
      }
      const url = `${this.baseUrl}${path}${query(opts.query ?? {})}`;
      return send({ method, url, headers, body, timeoutMs: this.timeoutMs, dispatcher: this.dispatcher }, { system: 'anypoint', operation, secrets: this.secrets() });
    };
    const first = await this.accessToken();
    let res = await attempt(first);
    if (res.status === 401) {
      // Tokens expire early (session timeout) or are revoked: one fresh token, one more try.
      if (this.token === first) this.token = undefined;
      res = await attempt(await this.accessToken());
    }
    if (res.status >= 200 && res.status < 300) return res;
    if (opts.tolerate?.includes(res.status)) return undefined;
    throw anypointErrorFromResponse(res, { operation, area: opts.area, fixes: opts.fixes, secrets: this.secrets(), now: this.now() });
  }

  private async json<T>(operation: string, method: HttpMethod, path: string, opts: CallOptions): Promise<T> {
    const res = await this.call(operation, method, path, opts);
    return res?.json as T;
  }

  // -------------------------------------------------------------------------------------------
  // Identity and environments
  // -------------------------------------------------------------------------------------------

  /** Who the connected app is: its org (client.org_id → user.organization.id → cs_auth.activeOrganizationId) and the org's domain. */
  async me(): Promise<AnypointIdentity> {
    const body = (await this.json<JsonObject>('read the connected app identity', 'GET', '/accounts/api/me', { area: 'identity' })) ?? {};
    const client = (body.client ?? {}) as JsonObject;
    const user = (body.user ?? {}) as JsonObject;
    const organization = (user.organization ?? {}) as JsonObject;
    const csAuth = ((user.properties as JsonObject | undefined)?.cs_auth ?? {}) as JsonObject;
    const orgId = [client.org_id, organization.id, csAuth.activeOrganizationId].find((v): v is string => typeof v === 'string' && v.length > 0);
    if (!orgId) {
      throw new ExternalApiError({
        system: 'anypoint',
        kind: 'validation',
        operation: 'read the connected app identity',
        detail: '/accounts/api/me names no organization',
        fix: 'Use a connected app that acts on its own behalf (client credentials) in the organization to onboard.',
      });
    }
    let orgDomain = typeof organization.domain === 'string' ? organization.domain : undefined;
    let orgName = typeof organization.name === 'string' ? organization.name : undefined;
    if (!orgDomain) {
      // Connected-app identities carry no user: read the organization itself (best effort).
      const org = await this.json<JsonObject | undefined>('read organization', 'GET', `/accounts/api/organizations/${seg(orgId)}`, { area: 'identity', tolerate: [403, 404] });
      orgDomain = typeof org?.domain === 'string' ? org.domain : undefined;
      orgName ??= typeof org?.name === 'string' ? org.name : undefined;
    }
    return { orgId, orgDomain, orgName, clientId: typeof client.client_id === 'string' ? client.client_id : undefined };
  }

  async listEnvironments(orgId: string): Promise<AnypointEnvironment[]> {
    const body = await this.json<unknown>('list environments', 'GET', `/accounts/api/organizations/${seg(orgId)}/environments`, { area: 'environments' });
    return listOf<AnypointEnvironment>(body, 'data');
  }

  async findEnvironmentByName(orgId: string, name: string): Promise<AnypointEnvironment | undefined> {
    return (await this.listEnvironments(orgId)).find((e) => e.name === name);
  }

  // -------------------------------------------------------------------------------------------
  // Client providers (OpenID Connect dynamic client registration), on the root org
  // -------------------------------------------------------------------------------------------

  private providers(orgId: string) {
    return `/accounts/api/organizations/${seg(orgId)}/clientProviders`;
  }

  async listClientProviders(orgId: string): Promise<AnypointProvider[]> {
    return listOf<JsonObject>(await this.json('list client providers', 'GET', this.providers(orgId), { area: 'clientProviders' }), 'data').map(normalizeProvider);
  }

  async getClientProvider(orgId: string, providerId: string): Promise<AnypointProvider | undefined> {
    const body = await this.json<JsonObject | undefined>('read client provider', 'GET', `${this.providers(orgId)}/${seg(providerId)}`, { area: 'clientProviders', tolerate: [404] });
    return body ? normalizeProvider(body) : undefined;
  }

  /** The provider named exactly `name`, read in full (the listing may carry summaries only). */
  async findClientProviderByName(orgId: string, name: string): Promise<AnypointProvider | undefined> {
    const match = (await this.listClientProviders(orgId)).find((p) => p.name === name);
    return match ? ((await this.getClientProvider(orgId, match.providerId)) ?? match) : undefined;
  }

  /** Creates a provider; the body is snake_case (see `dcrClientProviderBody`) and carries the Okta API token. */
  async createClientProvider(orgId: string, body: JsonObject): Promise<AnypointProvider> {
    return normalizeProvider(await this.blamingProvider(body, this.json('create client provider', 'POST', this.providers(orgId), { area: 'clientProviders', json: body })));
  }

  async patchClientProvider(orgId: string, providerId: string, patch: JsonObject): Promise<AnypointProvider> {
    return normalizeProvider(await this.blamingProvider(patch, this.json('update client provider', 'PATCH', `${this.providers(orgId)}/${seg(providerId)}`, { area: 'clientProviders', json: patch })));
  }

  /** A refusal naming the OpenID provider is checked against the provider itself (upstream-provider.ts). */
  private async blamingProvider<T>(body: JsonObject, write: Promise<T>): Promise<T> {
    try {
      return await write;
    } catch (err) {
      const dcr = body.oidc_dynamic_client_provider as { issuer?: unknown; client?: { urls?: { register?: unknown } } } | undefined;
      if (!(err instanceof ExternalApiError) || typeof dcr?.issuer !== 'string') throw err;
      const registerUrl = typeof dcr.client?.urls?.register === 'string' ? dcr.client.urls.register : undefined;
      throw await blameUpstreamProvider(err, { issuer: dcr.issuer, registerUrl }, this.dispatcher, this.timeoutMs);
    }
  }

  async deleteClientProvider(orgId: string, providerId: string): Promise<void> {
    await this.call('delete client provider', 'DELETE', `${this.providers(orgId)}/${seg(providerId)}`, { area: 'clientProviders', tolerate: [404] });
  }

  // -------------------------------------------------------------------------------------------
  // Identity providers (SSO), on the root org
  // -------------------------------------------------------------------------------------------

  private idps(orgId: string) {
    return `/accounts/api/organizations/${seg(orgId)}/identityProviders`;
  }

  async listIdentityProviders(orgId: string): Promise<AnypointProvider[]> {
    return listOf<JsonObject>(await this.json('list identity providers', 'GET', this.idps(orgId), { area: 'identityProviders' }), 'data').map(normalizeProvider);
  }

  async getIdentityProvider(orgId: string, providerId: string): Promise<AnypointProvider | undefined> {
    const body = await this.json<JsonObject | undefined>('read identity provider', 'GET', `${this.idps(orgId)}/${seg(providerId)}`, { area: 'identityProviders', tolerate: [404] });
    return body ? normalizeProvider(body) : undefined;
  }

  /** The identity provider named exactly `name`, read in full (the listing carries summaries only). */
  async findIdentityProviderByName(orgId: string, name: string): Promise<AnypointProvider | undefined> {
    const match = (await this.listIdentityProviders(orgId)).find((p) => p.name === name);
    return match ? ((await this.getIdentityProvider(orgId, match.providerId)) ?? match) : undefined;
  }

  async createIdentityProvider(orgId: string, body: JsonObject): Promise<AnypointProvider> {
    return normalizeProvider(await this.json('create identity provider', 'POST', this.idps(orgId), { area: 'identityProviders', json: body }));
  }

  async patchIdentityProvider(orgId: string, providerId: string, patch: JsonObject): Promise<AnypointProvider> {
    return normalizeProvider(await this.json('update identity provider', 'PATCH', `${this.idps(orgId)}/${seg(providerId)}`, { area: 'identityProviders', json: patch }));
  }

  async deleteIdentityProvider(orgId: string, providerId: string): Promise<void> {
    await this.call('delete identity provider', 'DELETE', `${this.idps(orgId)}/${seg(providerId)}`, { area: 'identityProviders', tolerate: [404] });
  }

  // -------------------------------------------------------------------------------------------
  // Exchange assets
  // -------------------------------------------------------------------------------------------

  private asset(groupId: string, assetId: string, version: string) {
    return `/exchange/api/v2/assets/${seg(groupId)}/${seg(assetId)}/${seg(version)}`;
  }

  async getAsset(groupId: string, assetId: string, version: string): Promise<ExchangeAsset | undefined> {
    return this.json('read Exchange asset', 'GET', this.asset(groupId, assetId, version), { area: 'exchange', tolerate: [404] });
  }

  /**
   * Publishes a RAML API (zipped, synchronously). Returns false when that version already exists:
   * versions are immutable and Exchange answers 409.
   */
  async publishRamlAsset(orgId: string, spec: RamlAssetSpec): Promise<boolean> {
    const mainFile = spec.mainFile ?? 'api.raml';
    // Exchange reads the fields before the files, so the file goes last (FormData keeps append order).
    const form = new FormData();
    form.append('name', spec.name);
    if (spec.description) form.append('description', spec.description);
    form.append('type', 'rest-api');
    form.append('status', 'published');
    form.append('properties.mainFile', mainFile);
    form.append('properties.apiVersion', spec.apiVersion ?? 'v1');
    form.append('files.raml.zip', new Blob([zip([{ name: mainFile, data: spec.raml }])], { type: 'application/zip' }), `${spec.assetId}.zip`);
    // Encoded to bytes once (undici's encoder picks the boundary), so the body is a Buffer like every other.
    const encoded = new Response(form);
    const body = { contentType: encoded.headers.get('content-type')!, data: Buffer.from(await encoded.arrayBuffer()) };
    const res = await this.call('publish Exchange asset', 'POST', `/exchange/api/v2/organizations/${seg(orgId)}/assets/${seg(spec.groupId)}/${seg(spec.assetId)}/${seg(spec.version)}`, {
      area: 'exchange',
      headers: { 'x-sync-publication': 'true' },
      body,
      tolerate: [409],
    });
    return res !== undefined;
  }

  async deleteAsset(groupId: string, assetId: string, version: string): Promise<void> {
    await this.call('delete Exchange asset', 'DELETE', this.asset(groupId, assetId, version), { area: 'exchange', tolerate: [404] });
  }

  // -------------------------------------------------------------------------------------------
  // API Manager instances
  // -------------------------------------------------------------------------------------------

  private apis(org: string, env: string) {
    return `/apimanager/api/v1/organizations/${seg(org)}/environments/${seg(env)}/apis`;
  }

  private xapis(org: string, env: string) {
    return `/apimanager/xapi/v1/organizations/${seg(org)}/environments/${seg(env)}/apis`;
  }

  /** Every instance matching the filters (exact-match server side), flattened out of `assets[].apis[]`, all pages. */
  async listApiInstances(org: string, env: string, filter: ApiInstanceFilter = {}): Promise<ApiInstance[]> {
    const instances: ApiInstance[] = [];
    const seen = new Set<string>();
    for (let offset = 0; ; offset += this.pageSize) {
      const body = await this.json<JsonObject | undefined>('list API instances', 'GET', this.apis(org, env), {
        area: 'apiManager',
        org,
        env,
        query: { ...filter, limit: this.pageSize, offset },
      });
      const assets = listOf<JsonObject>(body, 'assets');
      let added = 0;
      for (const asset of assets) {
        for (const api of listOf<JsonObject>(asset.apis, 'apis')) {
          const instance = { groupId: asset.groupId, assetId: asset.assetId, ...api } as ApiInstance;
          const key = String(instance.id);
          if (!seen.has(key)) {
            seen.add(key);
            instances.push(instance);
            added++;
          }
        }
      }
      // A short page ends the list (whether the limit counts assets or instances); so does a page
      // with nothing new, from a server that ignores `offset`.
      if (added === 0 || (assets.length < this.pageSize && added < this.pageSize)) return instances;
    }
  }

  /** The instance of this asset with exactly this label, read in full. */
  async findApiInstance(org: string, env: string, identity: { groupId: string; assetId: string; instanceLabel: string }): Promise<ApiInstance | undefined> {
    const listed = await this.listApiInstances(org, env, identity);
    const match = listed.find((a) => a.groupId === identity.groupId && a.assetId === identity.assetId && a.instanceLabel === identity.instanceLabel);
    if (!match) return undefined;
    const full = await this.getApiInstance(org, env, String(match.id));
    return full ? { groupId: match.groupId, assetId: match.assetId, ...full } : match;
  }

  async getApiInstance(org: string, env: string, apiId: string): Promise<ApiInstance | undefined> {
    return this.json('read API instance', 'GET', `${this.apis(org, env)}/${seg(apiId)}`, { area: 'apiManager', org, env, tolerate: [404] });
  }

  /** Creates an instance; keys the platform requires are sent explicitly null when unset. */
  async createApiInstance(org: string, env: string, body: ApiInstanceCreate): Promise<ApiInstance> {
    return this.json('create API instance', 'POST', this.apis(org, env), { area: 'apiManager', org, env, json: apiInstanceBody(body) });
  }

  async patchApiInstance(org: string, env: string, apiId: string, patch: JsonObject): Promise<ApiInstance> {
    return this.json('update API instance', 'PATCH', `${this.xapis(org, env)}/${seg(apiId)}`, { area: 'apiManager', org, env, json: patch });
  }

  async deleteApiInstance(org: string, env: string, apiId: string): Promise<void> {
    await this.call('delete API instance', 'DELETE', `${this.apis(org, env)}/${seg(apiId)}`, { area: 'apiManager', org, env, tolerate: [404] });
  }

  // -------------------------------------------------------------------------------------------
  // Proxy deployments
  // -------------------------------------------------------------------------------------------

  private deployments(org: string, env: string, apiId: string) {
    return `/proxies/xapi/v1/organizations/${seg(org)}/environments/${seg(env)}/apis/${seg(apiId)}/deployments`;
  }

  async listDeployments(org: string, env: string, apiId: string): Promise<ProxyDeployment[]> {
    return listOf<ProxyDeployment>(await this.json('list proxy deployments', 'GET', this.deployments(org, env, apiId), { area: 'proxies', org, env }), 'deployments');
  }

  async createDeployment(org: string, env: string, apiId: string, body: JsonObject): Promise<ProxyDeployment> {
    return this.json('deploy proxy', 'POST', this.deployments(org, env, apiId), { area: 'proxies', org, env, json: body });
  }

  async patchDeployment(org: string, env: string, apiId: string, deploymentId: string, patch: JsonObject): Promise<ProxyDeployment> {
    return this.json('update proxy deployment', 'PATCH', `${this.deployments(org, env, apiId)}/${seg(deploymentId)}`, { area: 'proxies', org, env, json: patch });
  }

  async deleteDeployment(org: string, env: string, apiId: string, deploymentId: string): Promise<void> {
    await this.call('delete proxy deployment', 'DELETE', `${this.deployments(org, env, apiId)}/${seg(deploymentId)}`, { area: 'proxies', org, env, tolerate: [404] });
  }

  /** The deployment's status document (`…/deployments/{id}/status`). */
  async getDeploymentStatus(org: string, env: string, apiId: string, deploymentId: string): Promise<JsonObject | undefined> {
    return this.json('read proxy deployment status', 'GET', `${this.deployments(org, env, apiId)}/${seg(deploymentId)}/status`, { area: 'proxies', org, env, tolerate: [404] });
  }

  // -------------------------------------------------------------------------------------------
  // Policies
  // -------------------------------------------------------------------------------------------

  private policies(org: string, env: string, apiId: string) {
    return `${this.apis(org, env)}/${seg(apiId)}/policies`;
  }

  /** Applied policies, normalized: the listing comes as a bare array, as `{policies}`, or in a compact form. */
  async listPolicies(org: string, env: string, apiId: string): Promise<ApiPolicy[]> {
    return listOf<JsonObject>(await this.json('list policies', 'GET', this.policies(org, env, apiId), { area: 'policies', org, env }), 'policies').map(normalizePolicy);
  }

  async createPolicy(org: string, env: string, apiId: string, body: PolicyCreate): Promise<ApiPolicy> {
    return normalizePolicy(await this.json('apply policy', 'POST', this.policies(org, env, apiId), { area: 'policies', org, env, json: body }));
  }

  /** Applies an OpenID Connect access token enforcement policy (see `oidcPolicyBody`). */
  createOidcPolicy(org: string, env: string, apiId: string, spec: OidcPolicySpec): Promise<ApiPolicy> {
    return this.createPolicy(org, env, apiId, oidcPolicyBody(spec));
  }

  async patchPolicy(org: string, env: string, apiId: string, policyId: string, patch: JsonObject): Promise<ApiPolicy> {
    return normalizePolicy(await this.json('update policy', 'PATCH', `${this.policies(org, env, apiId)}/${seg(policyId)}`, { area: 'policies', org, env, json: patch }));
  }

  async deletePolicy(org: string, env: string, apiId: string, policyId: string): Promise<void> {
    await this.call('remove policy', 'DELETE', `${this.policies(org, env, apiId)}/${seg(policyId)}`, { area: 'policies', org, env, tolerate: [404] });
  }

  // -------------------------------------------------------------------------------------------
  // SLA tiers and contracts
  // -------------------------------------------------------------------------------------------

  async listTiers(org: string, env: string, apiId: string): Promise<SlaTier[]> {
    return listOf<SlaTier>(await this.json('list SLA tiers', 'GET', `${this.apis(org, env)}/${seg(apiId)}/tiers`, { area: 'apiManager', org, env }), 'tiers');
  }

  /** An SLA tier on the instance (spec apim_tier): `autoApprove: false` leaves its contracts PENDING. */
  async createTier(org: string, env: string, apiId: string, body: { name: string; autoApprove: boolean; limits: { maximumRequests: number; timePeriodInMilliseconds: number; visible?: boolean }[]; description?: string }): Promise<SlaTier> {
    return this.json('create SLA tier', 'POST', `${this.apis(org, env)}/${seg(apiId)}/tiers`, { area: 'apiManager', org, env, json: { status: 'ACTIVE', ...body } });
  }

  async listContracts(org: string, env: string, apiId: string): Promise<Contract[]> {
    return listOf<Contract>(await this.json('list contracts', 'GET', `${this.apis(org, env)}/${seg(apiId)}/contracts`, { area: 'contracts', org, env }), 'contracts');
  }

  /** Requests access for an application (API Manager route); the contract may come back PENDING. */
  async createContract(org: string, env: string, apiId: string, body: ContractCreate): Promise<Contract> {
    return this.json('create contract', 'POST', `${this.apis(org, env)}/${seg(apiId)}/contracts`, { area: 'contracts', org, env, json: { acceptedTerms: true, ...body } });
  }

  private contractAction(org: string, env: string, apiId: string, contractId: string, action: 'approve' | 'reject' | 'revoke' | 'restore'): Promise<Contract> {
    return this.json(`${action} contract`, 'POST', `${this.xapis(org, env)}/${seg(apiId)}/contracts/${seg(contractId)}/${action}`, { area: 'contracts', org, env });
  }

  approveContract(org: string, env: string, apiId: string, contractId: string): Promise<Contract> {
    return this.contractAction(org, env, apiId, contractId, 'approve');
  }

  /** Refuses a PENDING request for access. */
  rejectContract(org: string, env: string, apiId: string, contractId: string): Promise<Contract> {
    return this.contractAction(org, env, apiId, contractId, 'reject');
  }

  /** A contract must be revoked before it can be deleted. */
  revokeContract(org: string, env: string, apiId: string, contractId: string): Promise<Contract> {
    return this.contractAction(org, env, apiId, contractId, 'revoke');
  }

  async deleteContract(org: string, env: string, apiId: string, contractId: string): Promise<void> {
    await this.call('delete contract', 'DELETE', `${this.apis(org, env)}/${seg(apiId)}/contracts/${seg(contractId)}`, { area: 'contracts', org, env, tolerate: [404] });
  }

  // -------------------------------------------------------------------------------------------
  // Exchange client applications
  // -------------------------------------------------------------------------------------------

  private applications(org: string) {
    return `/exchange/api/v2/organizations/${seg(org)}/applications`;
  }

  /**
   * Every application `query` returns, all pages (as admin: `targetAdminSite=true`). `query` is
   * fuzzy: callers match exactly. Secrets are removed unless `withCredentials`.
   */
  async listClientApplications(org: string, opts: { query?: string; withCredentials?: boolean } = {}): Promise<ClientApplication[]> {
    const apps: ClientApplication[] = [];
    const seen = new Set<string>();
    for (let offset = 0; ; offset += this.pageSize) {
      const page = listOf<ClientApplication>(
        await this.json('list client applications', 'GET', this.applications(org), {
          area: 'clientApplications',
          query: { targetAdminSite: true, query: opts.query, limit: this.pageSize, offset },
        }),
        'applications',
      );
      const fresh = page.filter((a) => !seen.has(String(a.id)));
      fresh.forEach((a) => seen.add(String(a.id)));
      apps.push(...fresh.map((a) => (opts.withCredentials ? a : withoutSecret(a))));
      if (page.length < this.pageSize || fresh.length === 0) return apps;
    }
  }

  /** The application named exactly `name`. With `withCredentials`, its client secret is included (read from the app if the listing lacks it). */
  async findClientApplicationByName(org: string, name: string, opts: { withCredentials?: boolean } = {}): Promise<ClientApplication | undefined> {
    const match = (await this.listClientApplications(org, { query: name, withCredentials: opts.withCredentials })).find((a) => a.name === name);
    if (!match || !opts.withCredentials || match.clientSecret) return match;
    return (await this.getClientApplication(org, String(match.id), { withCredentials: true })) ?? match;
  }

  async getClientApplication(org: string, appId: string, opts: { withCredentials?: boolean } = {}): Promise<ClientApplication | undefined> {
    const app = await this.json<ClientApplication | undefined>('read client application', 'GET', `${this.applications(org)}/${seg(appId)}`, {
      area: 'clientApplications',
      query: { targetAdminSite: true },
      tolerate: [404],
    });
    return app && !opts.withCredentials ? withoutSecret(app) : app;
  }

  /**
   * Creates an application bound to the API instance's client provider: Anypoint registers the
   * client in Okta and returns its `clientId` and `clientSecret`.
   */
  async createClientApplication(org: string, apiInstanceId: string | number, body: ClientApplicationCreate): Promise<ClientApplication> {
    return this.json('create client application', 'POST', this.applications(org), {
      area: 'clientApplications',
      query: { apiInstanceId: String(apiInstanceId) },
      json: { apiEndpoints: false, ...body },
      fixes: {
        validation: 'Anypoint (or Okta, through dynamic client registration) rejected the application: check its grantTypes and redirectUris in anypoint.clientApplications, and the client provider\'s registration URL and API token.',
      },
    });
  }

  async patchClientApplication(org: string, appId: string, patch: JsonObject): Promise<ClientApplication> {
    return withoutSecret(await this.json<ClientApplication>('update client application', 'PATCH', `${this.applications(org)}/${seg(appId)}`, { area: 'clientApplications', json: patch }));
  }

  async deleteClientApplication(org: string, appId: string): Promise<void> {
    await this.call('delete client application', 'DELETE', `${this.applications(org)}/${seg(appId)}`, { area: 'clientApplications', tolerate: [404] });
  }
}

// ---------------------------------------------------------------------------------------------
// Bodies and normalizers
// ---------------------------------------------------------------------------------------------

/** A list wherever the platform put it: a bare array, or under `key` (or `data`). */
function listOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === 'object') {
    const b = body as JsonObject;
    const list = b[key] ?? b.data;
    if (Array.isArray(list)) return list as T[];
  }
  return [];
}

function withoutSecret<T extends { clientSecret?: unknown }>(app: T): T {
  if (!app || typeof app !== 'object' || !('clientSecret' in app)) return app;
  const { clientSecret: _secret, ...rest } = app;
  return rest as T;
}

/** Fills both `provider_id` and `providerId`, whichever the API used. */
export function normalizeProvider(p: JsonObject | undefined): AnypointProvider {
  const source = p ?? {};
  const id = String(source.provider_id ?? source.providerId ?? source.id ?? '');
  return { ...source, provider_id: id, providerId: id, name: String(source.name ?? '') } as AnypointProvider;
}

/** Where Anypoint wants Okta to send users back after SSO: read it, never build it. */
export function identityProviderRedirectUri(idp: JsonObject | undefined): string | undefined {
  const urls = ((idp?.oidc_provider as JsonObject | undefined)?.urls ?? {}) as JsonObject;
  return typeof urls.redirect === 'string' && urls.redirect ? urls.redirect : undefined;
}

/**
 * One policy in one shape, whichever of the three listing shapes it came in: full objects (bare or
 * under `policies`) or the compact form with `policyId`, `template` / `implementationAsset` and
 * `configuration`.
 */
export function normalizePolicy(raw: JsonObject | undefined): ApiPolicy {
  const p = raw ?? {};
  const template = (p.template ?? p.implementationAsset ?? {}) as JsonObject;
  const pointcut = p.pointcutData ?? template.pointcutData;
  const policy: ApiPolicy = {
    id: String(p.id ?? p.policyId ?? ''),
    groupId: (p.groupId ?? template.groupId) as string | undefined,
    assetId: (p.assetId ?? template.assetId) as string | undefined,
    assetVersion: (p.assetVersion ?? template.assetVersion ?? template.version) as string | undefined,
    configurationData: ((p.configurationData ?? p.configuration ?? {}) as JsonObject) ?? {},
    pointcutData: Array.isArray(pointcut) && pointcut.length > 0 ? (pointcut as PointcutEntry[]) : null,
  };
  if (typeof p.order === 'number') policy.order = p.order;
  if (typeof p.disabled === 'boolean') policy.disabled = p.disabled;
  return policy;
}

/** The create body of an OpenID Connect access token enforcement policy. */
export function oidcPolicyBody(spec: OidcPolicySpec): PolicyCreate {
  const pointcut = spec.resource ? [{ methodRegex: (spec.methods?.length ? spec.methods : ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).join('|'), uriTemplateRegex: spec.resource }] : null;
  return {
    groupId: OIDC_POLICY_GROUP_ID,
    assetId: OIDC_POLICY_ASSET_ID,
    assetVersion: spec.version ?? DEFAULT_OIDC_POLICY_VERSION,
    configurationData: {
      scopes: spec.scopes.join(' '),
      scopeValidationCriteria: spec.validation ?? 'AND',
      exposeHeaders: spec.exposeHeaders ?? false,
      skipClientIdValidation: spec.skipClientIdValidation ?? false,
    },
    pointcutData: pointcut,
    ...(spec.order !== undefined ? { order: spec.order } : {}),
  };
}

const ENDPOINT_KEYS = ['deploymentType', 'type', 'isCloudHub', 'muleVersion4OrAbove', 'uri', 'proxyUri', 'referencesUserDomain', 'responseTimeout', 'tlsContexts'] as const;

/** The create body with every key the platform requires present (null when unset) and `deployment` only when it is an object. */
export function apiInstanceBody(body: ApiInstanceCreate): JsonObject {
  const { deployment, endpoint, ...rest } = body;
  const fullEndpoint: JsonObject = { ...endpoint };
  for (const key of ENDPOINT_KEYS) fullEndpoint[key] = endpoint?.[key] ?? null;
  return {
    technology: 'mule4',
    ...rest,
    providerId: body.providerId ?? null,
    approvalMethod: body.approvalMethod ?? null,
    endpointUri: body.endpointUri ?? null,
    instanceLabel: body.instanceLabel ?? null,
    endpoint: fullEndpoint,
    routing: body.routing ?? null,
    ...(deployment && typeof deployment === 'object' ? { deployment } : {}),
  };
}

export interface DcrClientProviderSpec {
  name: string;
  issuer: string;
  urls: { authorize: string; token: string; introspect: string };
  /** Okta's registration endpoint, `{org}/oauth2/v1/clients`. */
  registerUrl: string;
  /** The registration Authorization header, `SSWS <okta api token>`: a secret. */
  registrationAuthorization: string;
  /** The confidential Okta client that introspects tokens. */
  introspectionClient: { id: string; secret: string };
  /** @default 5000 */
  clientRequestTimeoutMs?: number;
  /** @default false */
  allowUntrustedCertificates?: boolean;
  /** Lets Anypoint delete the clients it registered (locally). @default true */
  allowLocalClientDeletion?: boolean;
  /** @default false */
  allowExternalClientModification?: boolean;
  /** @default false */
  allowClientImport?: boolean;
}

/** The snake_case create body of an OpenID Connect Dynamic Client Registration provider (anypoint.md §a). */
export function dcrClientProviderBody(spec: DcrClientProviderSpec): JsonObject {
  return {
    name: spec.name,
    type: { name: 'openid-dynamic-client', description: 'OpenID Connect Dynamic Client Registration' },
    allow_untrusted_certificates: spec.allowUntrustedCertificates ?? false,
    oidc_dynamic_client_provider: {
      allow_local_client_deletion: spec.allowLocalClientDeletion ?? true,
      allow_external_client_modification: spec.allowExternalClientModification ?? false,
      allow_client_import: spec.allowClientImport ?? false,
      issuer: spec.issuer,
      client_request_timeout: spec.clientRequestTimeoutMs ?? 5000,
      urls: { authorize: spec.urls.authorize, token: spec.urls.token, introspect: spec.urls.introspect },
      client: { urls: { register: spec.registerUrl }, registration: { authorization: spec.registrationAuthorization } },
      primary_client: { id: spec.introspectionClient.id, secret: spec.introspectionClient.secret },
    },
  };
}

export interface OidcIdentityProviderSpec {
  name: string;
  issuer: string;
  urls: { authorize: string; token: string; userinfo: string };
  /** The Okta web app's client id and secret (manual registration). */
  client: { id: string; secret: string };
  groupScope?: string;
  groupExpression?: string;
  /** @default false */
  allowUntrustedCertificates?: boolean;
  /** @default false */
  loginDisabled?: boolean;
}

/** The create body of an OpenID Connect identity provider with manual registration (schema openIDProviderManualPostBody). */
export function oidcIdentityProviderBody(spec: OidcIdentityProviderSpec): JsonObject {
  return {
    name: spec.name,
    type: { name: 'openid', description: 'OpenID Connect' },
    oidc_provider: {
      client: { credentials: { id: spec.client.id, secret: spec.client.secret } },
      issuer: spec.issuer,
      urls: { authorize: spec.urls.authorize, token: spec.urls.token, userinfo: spec.urls.userinfo },
      ...(spec.groupScope ? { group_scope: spec.groupScope } : {}),
      ...(spec.groupExpression ? { claims_mapping: { group_expression: spec.groupExpression } } : {}),
    },
    allow_untrusted_certificates: spec.allowUntrustedCertificates ?? false,
    login_disabled: spec.loginDisabled ?? false,
  };
}
