import {
  Client as OktaSdk,
  DefaultRequestExecutor,
  type AuthorizationServer,
  type AuthorizationServerPolicy,
  type AuthorizationServerPolicyRuleRequest,
  type Collection,
  type CreateGroupRequest,
  type OAuth2Scope,
  type OpenIdConnectApplication,
} from '@okta/okta-sdk-nodejs';
import type { Dispatcher } from 'undici';
import { ExternalApiError, type ApiErrorKind } from './errors';
import { defaultDispatcher, seg, send, type HttpMethod, type HttpResponse } from './http';
import { oktaErrorFromResponse, oktaErrorFromSdk } from './okta-errors';
import { readRetryPolicy, retryRead, type ReadRetryPolicy } from './read-retry';
import { pacerFor, type RatePacer } from './rate-pacer';

/*
 * Okta, through the unmodified official SDK for the management API (SSWS, no GET cache, the SDK's
 * own retries off: reads are retried here with short backoff, writes by Temporal) and through undici for what the SDK lacks or mangles: dynamic
 * client registration, the OAuth endpoints of an authorization server, and raw app documents
 * (the SDK's serializer drops fields it does not model, so a PUT built from an SDK object can
 * reset server settings; see okta.md §4.7).
 *
 * Conventions: `find*` looks up by exact identity (Okta's `q` is a prefix match, so every list is
 * paged through and filtered here) and returns undefined when absent; `get*` returns undefined on
 * 404; `delete*` and `unassign*` treat "already gone" as done.
 */

export interface OktaClientOptions {
  /** Org URL, e.g. `https://dev-123456.okta.com`. A trailing slash is removed (the SDK would send `//api/v1/...`). */
  orgUrl: string;
  /**
   * Okta API token, sent as `Authorization: SSWS <token>`, unless {@link oauth} is given. Never logged,
   * never in an error message.
   */
  apiToken?: string;
  /**
   * OAuth 2.0 for Okta instead of the API token: a service app with a private key (the SDK's
   * `PrivateKey` mode, private_key_jwt against the org authorization server) and only these scopes.
   * The SDK and the undici calls send the same access token.
   */
  oauth?: OktaOAuthOptions;
  /**
   * undici dispatcher for the calls made without the SDK (DCR, token, introspection, metadata,
   * raw apps); tests inject a `MockAgent`. The SDK itself uses node-fetch.
   * @default a keep-alive Agent owned (and closed) by this client
   */
  dispatcher?: Dispatcher;
  /**
   * Per-request timeout in milliseconds, for SDK and undici calls alike.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Page size of list calls (Okta's maximum is 200).
   * @default 200
   */
  pageSize?: number;
  /**
   * Clock used when a response has no `Date` header to measure a rate-limit reset against.
   * @default Date.now
   */
  now?: () => number;
  /**
   * How reads (GET, list, find) are retried inside the call on 5xx, network errors and short
   * 429s; `false` turns it off. Writes are never retried here.
   * @default DEFAULT_READ_RETRY (4 attempts, 100 ms doubling, 429 resets up to 5 s waited out)
   */
  readRetry?: Partial<ReadRetryPolicy> | false;
  /**
   * Pace calls under the org's rate limits from the X-Rate-Limit-* headers (src/clients/rate-pacer.ts),
   * with one pacer per org shared by every client of this process; `false` sends at once.
   * @default true
   */
  pace?: boolean;
}

export interface OktaOAuthOptions {
  clientId: string;
  /** PEM, or a JWK as JSON text. Never logged, never in an error message. */
  privateKey: string;
  /** `kid` of the key registered on the app; the SDK takes the JWK's own `kid` when it has one. */
  keyId?: string;
  scopes: string[];
}

/** What to do when the service app cannot get its token (the org authorization server refused it). */
function oauthTokenFixes(scopes: string[]): Fixes {
  return {
    validation: `Grant every scope of okta.oauth.scopes (${scopes.join(', ')}) to the service app in Okta (Applications → the app → Okta API Scopes → Grant), or remove the ones it does not need from okta.oauth.scopes.`,
    auth: "Check okta.oauth: clientId must be the service app's client id, the app must use 'Public key / Private key' client authentication, and its registered public key must match okta.oauth.privateKey (and keyId).",
    forbidden: 'Check the service app in Okta: it must be active and allowed the client_credentials grant.',
  };
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/*
 * Resources come back as plain JSON (SDK model instances are converted): they can cross the
 * activity boundary, be compared field by field, and carry fields newer than the SDK's models.
 */

export interface OktaAuthorizationServer {
  id: string;
  name: string;
  description?: string;
  /** Okta always returns the (single) audience. */
  audiences: string[];
  /** `https://{org}/oauth2/{id}` */
  issuer?: string;
  issuerMode?: string;
  status?: string;
  [field: string]: unknown;
}

export interface OktaScope {
  id: string;
  name: string;
  description?: string;
  displayName?: string;
  consent?: string;
  metadataPublish?: string;
  default?: boolean;
  system?: boolean;
  [field: string]: unknown;
}

export interface OktaGroup {
  id: string;
  /** OKTA_GROUP, BUILT_IN (Everyone) or APP_GROUP */
  type?: string;
  profile?: { name?: string; description?: string; [field: string]: unknown };
  [field: string]: unknown;
}

/** One System Log event, the fields doctor reads. */
export interface OktaLogEvent {
  uuid: string;
  published: string;
  eventType: string;
  displayMessage?: string;
  outcome?: { result?: string; reason?: string };
  actor?: { id?: string; alternateId?: string };
  target?: { id?: string; alternateId?: string }[];
  debugContext?: { debugData?: Record<string, unknown> };
}

export interface OktaPolicy {
  id: string;
  type?: string;
  name: string;
  description?: string;
  priority?: number;
  status?: string;
  system?: boolean;
  conditions?: { clients?: { include?: string[] }; [field: string]: unknown };
  [field: string]: unknown;
}

export interface OktaPolicyRule {
  id: string;
  type?: string;
  name: string;
  priority?: number;
  status?: string;
  system?: boolean;
  conditions?: {
    grantTypes?: { include?: string[] };
    scopes?: { include?: string[] };
    people?: { groups?: { include?: string[]; exclude?: string[] }; users?: { include?: string[]; exclude?: string[] } };
    [field: string]: unknown;
  };
  actions?: { token?: { accessTokenLifetimeMinutes?: number; refreshTokenLifetimeMinutes?: number; refreshTokenWindowMinutes?: number; [field: string]: unknown }; [field: string]: unknown };
  [field: string]: unknown;
}

/** A client secret as a rotation sees it: never its value. */
export interface OktaClientSecretInfo {
  id: string;
  status: 'ACTIVE' | 'INACTIVE';
  created: string;
  /** Okta's own non-reversible hash of the value (not every org returns it). */
  secretHash?: string;
}

export interface OktaAppGroupAssignment {
  /** The group id. */
  id: string;
  priority?: number;
  profile?: Record<string, unknown>;
  [field: string]: unknown;
}

/** What may be sent to create or replace an authorization server (server fields pass through). */
export interface AuthorizationServerInput {
  name: string;
  description?: string;
  /** Okta supports exactly one audience. */
  audiences: string[];
  issuerMode?: string;
  [field: string]: unknown;
}

export interface ScopeInput {
  name: string;
  description?: string;
  displayName?: string;
  consent?: string;
  /** ALL_CLIENTS publishes the scope in the server metadata. */
  metadataPublish?: string;
  /** Sent as Okta's `default` (the SDK calls it `_default`). */
  default?: boolean;
  optional?: boolean;
  [field: string]: unknown;
}

export interface PolicyInput {
  /** @default 'OAUTH_AUTHORIZATION_POLICY' */
  type?: string;
  name: string;
  description?: string;
  priority?: number;
  status?: string;
  conditions?: { clients?: { include?: string[] } };
  [field: string]: unknown;
}

export interface PolicyRuleInput {
  /** @default 'RESOURCE_ACCESS' */
  type?: string;
  name: string;
  priority?: number;
  status?: string;
  conditions?: {
    grantTypes?: { include?: string[] };
    scopes?: { include?: string[] };
    people?: { groups?: { include?: string[] }; users?: { include?: string[] } };
  };
  actions?: { token?: { accessTokenLifetimeMinutes?: number; refreshTokenLifetimeMinutes?: number; refreshTokenWindowMinutes?: number } };
  [field: string]: unknown;
}

export interface GroupInput {
  name: string;
  description?: string;
}

/**
 * An OIDC app as plain JSON (apps are read and written raw so that no server field is lost).
 * `credentials.oauthClient.client_id` equals `id` for apps Okta generated the id for. The client
 * secret is never included: read it with getClientSecret where it is needed.
 */
export interface OktaOidcApp {
  id: string;
  name: string;
  label: string;
  status?: string;
  signOnMode?: string;
  credentials?: { oauthClient?: { client_id?: string; token_endpoint_auth_method?: string; pkce_required?: boolean; autoKeyRotation?: boolean; [field: string]: unknown }; [field: string]: unknown };
  settings?: {
    oauthClient?: {
      application_type?: string;
      grant_types?: string[];
      response_types?: string[];
      redirect_uris?: string[];
      post_logout_redirect_uris?: string[];
      consent_method?: string;
      [field: string]: unknown;
    };
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** The OIDC app this service creates: a confidential service app (introspection) or web app (SSO). */
export interface OidcAppSpec {
  label: string;
  /** `service` for client_credentials only, `web` for authorization_code. */
  applicationType: 'service' | 'web' | 'native' | 'browser' | (string & {});
  grantTypes: string[];
  responseTypes: string[];
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}

/** A client registered through `/oauth2/v1/clients` (by Anypoint's client provider). Its id is also its app id. */
export interface OktaDcrClient {
  client_id: string;
  client_name?: string;
  application_type?: string;
  grant_types?: string[];
  response_types?: string[];
  redirect_uris?: string[];
  token_endpoint_auth_method?: string;
  [field: string]: unknown;
}

/** The authorization server's `openid-configuration` document. */
export interface OktaAuthServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  introspection_endpoint: string;
  registration_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  scopes_supported?: string[];
  grant_types_supported?: string[];
  [field: string]: unknown;
}

export interface ClientCredentialsRequest {
  /** The authorization server id; or give `tokenUrl` directly (from the metadata). */
  asId?: string;
  tokenUrl?: string;
  clientId: string;
  /** Sent with HTTP Basic (client_secret_basic); never in an error message. */
  clientSecret: string;
  scopes: string[];
}

export interface TokenResponse {
  /** A bearer credential: keep it inside the activity that asked for it. */
  accessToken: string;
  tokenType: string;
  /** Space-separated scopes granted. */
  scope: string;
  expiresIn: number;
}

export interface IntrospectionRequest {
  asId?: string;
  introspectUrl?: string;
  clientId: string;
  clientSecret: string;
  token: string;
  /** @default 'access_token' */
  tokenTypeHint?: string;
}

/** RFC 7662 introspection result. */
export interface IntrospectionResult {
  active: boolean;
  scope?: string;
  client_id?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  [field: string]: unknown;
}

const OIDC_APP_NAME = 'oidc_client';
/** How long a client secret seen by this process is reused: one onboarding's steps, not a rotation's lifetime. */
const RECENT_SECRET_MS = 2 * 60_000;
const EVERYONE_GROUP = 'Everyone';

type Fixes = Partial<Record<ApiErrorKind, string>>;

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

export class OktaClient {
  readonly orgUrl: string;
  private readonly sdk: OktaSdk;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly now: () => number;
  private readonly readRetry: ReadRetryPolicy;
  private lastTokenRefusal?: { status: number };
  private issuedAccessToken?: string;
  private readonly pacer?: RatePacer;
  /**
   * Client secrets this process saw moments ago (returned on create, or read), by app id: the steps
   * of one onboarding that need a secret (the client provider, the proof) then read it once, or not
   * at all when the app was just created. Memory only, never logged, kept briefly, and forgotten on
   * any change of the app's secrets made through this client.
   */
  private readonly recentSecrets = new Map<string, { value: string; until: number }>();

  constructor(private readonly options: OktaClientOptions) {
    this.orgUrl = options.orgUrl.trim().replace(/\/+$/, '');
    this.readRetry = readRetryPolicy(options.readRetry);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.pageSize = options.pageSize ?? 200;
    this.now = options.now ?? Date.now;
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? defaultDispatcher();
    if (!options.oauth && !options.apiToken) throw new Error('OktaClient needs apiToken or oauth');
    this.pacer = options.pace === false ? undefined : pacerFor(new URL(this.orgUrl).origin);
    const executor = this.pacer ? new PacedRequestExecutor(this.pacer, { maxRetries: 0, requestTimeout: this.timeoutMs }) : new DefaultRequestExecutor({ maxRetries: 0, requestTimeout: this.timeoutMs });
    // The SDK hands a refused token request's body back without its status; keep the status.
    executor.on('response', (res: { url: string; status: number }) => {
      if (res.status >= 400 && res.url.endsWith('/oauth2/v1/token')) this.lastTokenRefusal = { status: res.status };
    });
    const auth = options.oauth
      ? { authorizationMode: 'PrivateKey', clientId: options.oauth.clientId, scopes: options.oauth.scopes, privateKey: options.oauth.privateKey, ...(options.oauth.keyId ? { keyId: options.oauth.keyId } : {}) }
      : { authorizationMode: 'SSWS', token: options.apiToken };
    this.sdk = new OktaSdk({
      orgUrl: this.orgUrl,
      ...auth,
      // The default cache replays GETs forever: polling and re-runs would read stale state.
      cacheMiddleware: null,
      // maxRetries 0 disables the SDK's 429 retry (reads retry in sdkRead, writes in Temporal);
      // requestTimeout is node-fetch's per-request timeout.
      requestExecutor: executor,
    });
  }

  /** Is this client acting as an OAuth service app (rather than with an SSWS token)? */
  get usesOAuth(): boolean {
    return this.options.oauth !== undefined;
  }

  /**
   * The service app's access token (OAuth mode): the SDK's, fetched once and cached until a 401.
   * A refusal names the fix (grant the scopes, check the key) instead of the bare OAuth error.
   */
  private async accessToken(): Promise<string> {
    const context = () => this.ctx('get an access token for the Okta service app (okta.oauth)', oauthTokenFixes(this.options.oauth?.scopes ?? []));
    let token: { access_token?: string };
    try {
      token = (await this.sdk.oauth.getAccessToken()) as { access_token?: string };
    } catch (err) {
      this.lastTokenRefusal = undefined;
      throw oktaErrorFromSdk(err, this.orgUrl, context());
    }
    if (typeof token?.access_token === 'string') {
      this.issuedAccessToken = token.access_token;
      return token.access_token;
    }
    // The SDK resolves (and caches) the OAuth error body of a refused token request as if it were the token.
    this.sdk.oauth.clearCachedAccessToken();
    const refusal = this.lastTokenRefusal;
    this.lastTokenRefusal = undefined;
    throw oktaErrorFromResponse({ status: refusal?.status ?? 400, headers: {}, text: JSON.stringify(token), json: token }, context());
  }

  /** The Authorization header of the worker's own management calls. */
  private async managementAuthorization(): Promise<string> {
    return this.options.oauth ? `Bearer ${await this.accessToken()}` : `SSWS ${this.options.apiToken}`;
  }

  /** Closes the connection pool of the undici calls, unless it was injected. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing
  // -------------------------------------------------------------------------------------------

  private ctx(operation: string, fixes?: Fixes, secrets: (string | undefined)[] = []) {
    const own = [this.options.apiToken, this.options.oauth?.privateKey, this.issuedAccessToken];
    return { operation, fixes, secrets: [...own, ...secrets].filter((x): x is string => typeof x === 'string' && x !== ''), now: this.now() };
  }

  /** One SDK call, its errors mapped and its result made plain JSON typed as `R`. */
  private async sdkCall<R = void>(operation: string, fn: (sdk: OktaSdk) => Promise<unknown>, fixes?: Fixes): Promise<R> {
    // In OAuth mode the token comes first, so a refused token request reads as such, not as this operation.
    if (this.options.oauth) await this.accessToken();
    try {
      return plain<R>(await fn(this.sdk));
    } catch (err) {
      throw oktaErrorFromSdk(err, this.orgUrl, this.ctx(operation, fixes));
    }
  }

  /** An SDK call that only reads: retried at once on transient failures (see read-retry.ts). */
  private sdkRead<R>(operation: string, fn: (sdk: OktaSdk) => Promise<unknown>, fixes?: Fixes): Promise<R> {
    return retryRead(() => this.sdkCall<R>(operation, fn, fixes), this.readRetry);
  }

  /** Like sdkRead, but a 404 answers undefined. */
  private async sdkFind<R>(operation: string, fn: (sdk: OktaSdk) => Promise<unknown>): Promise<R | undefined> {
    try {
      return await this.sdkRead<R>(operation, fn);
    } catch (err) {
      if (err instanceof ExternalApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Every item of an SDK collection: the SDK follows `Link: rel="next"` page after page (a failed page reads the list again). */
  private async sdkAll<R>(operation: string, list: (sdk: OktaSdk) => Promise<Collection<unknown>>): Promise<R[]> {
    return this.sdkRead<R[]>(operation, async (sdk) => {
      const items: unknown[] = [];
      for await (const item of await list(sdk)) if (item) items.push(item);
      return items;
    });
  }

  /** One undici call with SSWS auth (or none, or Basic), errors mapped. */
  private async raw(
    operation: string,
    method: HttpMethod,
    pathOrUrl: string,
    opts: {
      json?: unknown;
      form?: Record<string, string>;
      auth?: 'ssws' | 'none' | { basic: [string, string] };
      tolerate404?: boolean;
      fixes?: Fixes;
      redact?: string[];
      /** A POST that changes nothing lasting (a token request, an introspection): repeated like a GET. */
      repeatable?: boolean;
    } = {},
  ): Promise<HttpResponse | undefined> {
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.orgUrl}${pathOrUrl}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    const auth = opts.auth ?? 'ssws';
    const secrets: string[] = [];
    if (auth === 'ssws') headers.authorization = await this.managementAuthorization();
    else if (auth !== 'none') {
      headers.authorization = `Basic ${Buffer.from(`${auth.basic[0]}:${auth.basic[1]}`).toString('base64')}`;
      secrets.push(auth.basic[1], headers.authorization.slice(6));
    }
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    }
    const once = async () => {
      const context = this.ctx(operation, opts.fixes, [...secrets, opts.form?.token, ...(opts.redact ?? [])]);
      await this.pacer?.turn(url);
      const res = await send({ method, url, headers, body, timeoutMs: this.timeoutMs, dispatcher: this.dispatcher }, { system: 'okta', ...context }).catch((err: unknown) => {
        this.pacer?.noAnswer(url);
        throw err;
      });
      this.pacer?.learn(url, (name) => headerValue(res.headers[name]));
      if (res.status >= 200 && res.status < 300) return res;
      if (res.status === 404 && opts.tolerate404) return undefined;
      // An expired access token: the next attempt (the activity's retry) fetches a new one.
      if (res.status === 401 && auth === 'ssws' && this.options.oauth) this.sdk.oauth.clearCachedAccessToken();
      throw oktaErrorFromResponse(res, context);
    };
    // GETs, and the POSTs that change nothing lasting, are repeated here; a write is left to the
    // activity, whose look-up-before-create alone can tell whether a lost write went through.
    return method === 'GET' || opts.repeatable ? retryRead(once, this.readRetry) : once();
  }

  // -------------------------------------------------------------------------------------------
  // Preflight
  // -------------------------------------------------------------------------------------------

  /**
   * Checks the worker's Okta credential works, cheaply, failing fast with a fix when it does not. With
   * an API token: GET /api/v1/users/me (its admin). With a service app there is no user behind the
   * token, so it gets its token (every scope of okta.oauth.scopes must be granted) and lists one
   * authorization server, which okta.authorizationServers.read or .manage allows.
   */
  async verifyApiToken(): Promise<{ userId?: string; login?: string; clientId?: string }> {
    if (this.options.oauth) {
      await this.raw('verify the Okta service app token', 'GET', '/api/v1/authorizationServers?limit=1');
      return { clientId: this.options.oauth.clientId };
    }
    const user = await this.sdkRead<{ id: string; profile?: { login?: string } }>('verify the Okta API token', (sdk) => sdk.userApi.getUser({ userId: 'me' }));
    return { userId: String(user.id), login: user.profile?.login };
  }

  /**
   * System Log events (GET /api/v1/logs) matching an Okta filter expression, published after `since`:
   * the evidence `doctor` reads for a refused token (the outcome reason names the policy failure).
   */
  async listSystemLog(filter: string, since: string): Promise<OktaLogEvent[]> {
    // Every page (the SDK follows Link: next): on an org many tenants share, the first page of org-wide
    // failures may hold none of this tenant's. `until` bounds it: a query without one is a poll, and
    // Okta links a poll to its next page for ever.
    const until = new Date().toISOString();
    return this.sdkAll<OktaLogEvent>('read the System Log', (sdk) => sdk.systemLogApi.listLogEvents({ since, until, filter, limit: 1000 }));
  }

  // -------------------------------------------------------------------------------------------
  // Users (the sign-in proof's people; only where the tenant file lets the onboarding manage them)
  // -------------------------------------------------------------------------------------------

  /** The user with this exact login (Okta accepts a login where a user id goes), or undefined. */
  findUserByLogin(login: string): Promise<OktaUser | undefined> {
    return this.sdkFind<OktaUser>('read user', (sdk) => sdk.userApi.getUser({ userId: login }));
  }

  /** Creates an ACTIVE user with a password, member of the groups at once. The password goes to Okta only. */
  createUserWithPassword(login: string, password: string, groupIds: string[]): Promise<OktaUser> {
    const [first] = login.split('@');
    const profile = { login, email: login, firstName: first.split('.')[0] || first, lastName: first.split('.')[1] || 'Verification' };
    return this.sdkCall<OktaUser>('create user', (sdk) => sdk.userApi.createUser({ body: forSdk({ profile, credentials: { password: { value: password } }, groupIds }), activate: true }));
  }

  async isGroupMember(groupId: string, userId: string): Promise<boolean> {
    const users = await this.sdkAll<OktaUser>('list group members', (sdk) => sdk.groupApi.listGroupUsers({ groupId, limit: this.pageSize }));
    return users.some((u) => u.id === userId);
  }

  async addUserToGroup(groupId: string, userId: string): Promise<void> {
    await this.sdkCall('add user to group', (sdk) => sdk.groupApi.assignUserToGroup({ groupId, userId }));
  }

  /** Okta deletes a user in two calls: the first deactivates, the second deletes. Gone already counts as done. */
  async deleteUser(userId: string): Promise<void> {
    for (let i = 0; i < 2; i++) {
      const user = await this.sdkFind<OktaUser>('read user', (sdk) => sdk.userApi.getUser({ userId }));
      if (!user) return;
      await this.sdkCall('delete user', (sdk) => sdk.userApi.deleteUser({ userId }));
    }
  }

  /** The standard administrator roles (`SUPER_ADMIN`, `APP_ADMIN`…) of a user, e.g. the API token's admin. */
  async listAdminRoles(userId: string): Promise<string[]> {
    const roles = await this.sdkAll<{ type?: string }>('list the administrator roles of the API token owner', (sdk) => sdk.roleAssignmentApi.listAssignedRolesForUser({ userId }) as Promise<Collection<unknown>>);
    return roles.map((r) => String(r.type));
  }

  /** The standard administrator roles assigned to a service app (its console "Admin roles" tab); needs okta.roles.read. */
  async listClientAdminRoles(clientId: string): Promise<string[]> {
    const roles = await this.sdkAll<{ type?: string }>('list the administrator roles of the Okta service app', (sdk) => sdk.roleAssignmentApi.listRolesForClient({ clientId }) as Promise<Collection<unknown>>);
    return roles.map((r) => String(r.type));
  }

  // -------------------------------------------------------------------------------------------
  // Authorization servers
  // -------------------------------------------------------------------------------------------

  async findAuthorizationServerByName(name: string): Promise<OktaAuthorizationServer | undefined> {
    const servers = await this.sdkAll<OktaAuthorizationServer>('list authorization servers', (sdk) => sdk.authorizationServerApi.listAuthorizationServers({ q: name, limit: this.pageSize }));
    return servers.find((s) => s.name === name);
  }

  getAuthorizationServer(id: string): Promise<OktaAuthorizationServer | undefined> {
    return this.sdkFind<OktaAuthorizationServer>('read authorization server', (sdk) => sdk.authorizationServerApi.getAuthorizationServer({ authServerId: id }));
  }

  /** Creates the server; when Okta answers "already exists" (a retried create whose first response was lost), returns the existing one. */
  async createAuthorizationServer(server: AuthorizationServerInput): Promise<OktaAuthorizationServer> {
    try {
      return await this.sdkCall<OktaAuthorizationServer>('create authorization server', (sdk) =>
        sdk.authorizationServerApi.createAuthorizationServer({ authorizationServer: forSdk<AuthorizationServer>(server) }),
      );
    } catch (err) {
      const existing = await this.existingAfterDuplicate(err, () => this.findAuthorizationServerByName(server.name));
      if (existing) return existing;
      throw err;
    }
  }

  replaceAuthorizationServer(id: string, server: AuthorizationServerInput): Promise<OktaAuthorizationServer> {
    return this.sdkCall<OktaAuthorizationServer>('replace authorization server', (sdk) =>
      sdk.authorizationServerApi.replaceAuthorizationServer({ authServerId: id, authorizationServer: forSdk<AuthorizationServer>(server) }),
    );
  }

  /** Deactivates the server when active, then deletes it; already gone counts as done. */
  async deleteAuthorizationServer(id: string): Promise<void> {
    const server = await this.getAuthorizationServer(id);
    if (!server) return;
    if (server.status === 'ACTIVE') {
      await this.tolerate404(this.sdkCall('deactivate authorization server', (sdk) => sdk.authorizationServerApi.deactivateAuthorizationServer({ authServerId: id })));
    }
    await this.tolerate404(this.sdkCall('delete authorization server', (sdk) => sdk.authorizationServerApi.deleteAuthorizationServer({ authServerId: id })));
  }

  // -------------------------------------------------------------------------------------------
  // Scopes
  // -------------------------------------------------------------------------------------------

  listScopes(asId: string): Promise<OktaScope[]> {
    return this.sdkAll<OktaScope>('list scopes', (sdk) => sdk.authorizationServerApi.listOAuth2Scopes({ authServerId: asId, limit: this.pageSize }));
  }

  async findScopeByName(asId: string, name: string): Promise<OktaScope | undefined> {
    return (await this.listScopes(asId)).find((s) => s.name === name);
  }

  createScope(asId: string, scope: ScopeInput): Promise<OktaScope> {
    return this.sdkCall<OktaScope>('create scope', (sdk) => sdk.authorizationServerApi.createOAuth2Scope({ authServerId: asId, oAuth2Scope: toSdkScope(scope) }));
  }

  replaceScope(asId: string, scopeId: string, scope: ScopeInput): Promise<OktaScope> {
    return this.sdkCall<OktaScope>('replace scope', (sdk) => sdk.authorizationServerApi.replaceOAuth2Scope({ authServerId: asId, scopeId, oAuth2Scope: toSdkScope(scope) }));
  }

  deleteScope(asId: string, scopeId: string): Promise<void> {
    return this.tolerate404(this.sdkCall('delete scope', (sdk) => sdk.authorizationServerApi.deleteOAuth2Scope({ authServerId: asId, scopeId })));
  }

  // -------------------------------------------------------------------------------------------
  // Groups
  // -------------------------------------------------------------------------------------------

  /**
   * The group whose `profile.name` is exactly `name` (and whose type is `type`). `q` is a prefix
   * match that cannot page past its limit, and `search` lags behind writes (eventually
   * consistent), so `q` is asked first and `search` covers what `q` could not return: only when
   * `q` answered a full page (fewer means it listed every group with that prefix), so a group that
   * does not exist costs one list call, not two.
   */
  async findGroupByName(name: string, type: 'OKTA_GROUP' | 'BUILT_IN' | 'APP_GROUP' = name === EVERYONE_GROUP ? 'BUILT_IN' : 'OKTA_GROUP'): Promise<OktaGroup | undefined> {
    const exact = (g: OktaGroup) => g.profile?.name === name && g.type === type;
    const byPrefix = await this.sdkAll<OktaGroup>('list groups', (sdk) => sdk.groupApi.listGroups({ q: name, limit: this.pageSize }));
    const found = byPrefix.find(exact);
    if (found || byPrefix.length < this.pageSize) return found;
    const expression = `profile.name eq "${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const bySearch = await this.sdkAll<OktaGroup>('search groups', (sdk) => sdk.groupApi.listGroups({ search: expression, limit: this.pageSize }));
    return bySearch.find(exact);
  }

  getGroup(groupId: string): Promise<OktaGroup | undefined> {
    return this.sdkFind<OktaGroup>('read group', (sdk) => sdk.groupApi.getGroup({ groupId }));
  }

  /** Creates the group; when Okta answers "already exists" (a retried create), returns the existing one. */
  async createGroup(group: GroupInput): Promise<OktaGroup> {
    try {
      return await this.sdkCall<OktaGroup>('create group', (sdk) => sdk.groupApi.createGroup({ group: { profile: { name: group.name, description: group.description ?? '' } } }), {
        conflict: `A group named "${group.name}" already exists in Okta but could not be read back; retry, or rename okta.groups entry "${group.name}".`,
      });
    } catch (err) {
      const existing = await this.existingAfterDuplicate(err, () => this.findGroupByName(group.name));
      if (existing) return existing;
      throw err;
    }
  }

  /**
   * After a create refused with E0000001 "already exists" (its name is unique), the resource that
   * exists: Okta's lists and searches trail writes by seconds, so a look-up that cannot see it yet
   * is repeated (0.25 s doubling, about 8 s in all) before giving up. Undefined for other errors.
   */
  private async existingAfterDuplicate<T>(err: unknown, find: () => Promise<T | undefined>): Promise<T | undefined> {
    if (!(err instanceof ExternalApiError) || err.code !== 'E0000001') return undefined;
    for (let waitMs = 250; ; waitMs *= 2) {
      const existing = await find();
      if (existing || waitMs > 4_000) return existing;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  replaceGroup(groupId: string, group: GroupInput): Promise<OktaGroup> {
    const body: CreateGroupRequest = { profile: { name: group.name, description: group.description ?? '' } };
    return this.sdkCall<OktaGroup>('replace group', (sdk) => sdk.groupApi.replaceGroup({ groupId, group: body }));
  }

  deleteGroup(groupId: string): Promise<void> {
    return this.tolerate404(this.sdkCall('delete group', (sdk) => sdk.groupApi.deleteGroup({ groupId })));
  }

  // -------------------------------------------------------------------------------------------
  // Authorization-server policies and rules
  // -------------------------------------------------------------------------------------------

  listPolicies(asId: string): Promise<OktaPolicy[]> {
    return this.sdkAll<OktaPolicy>('list access policies', (sdk) => sdk.authorizationServerApi.listAuthorizationServerPolicies({ authServerId: asId }));
  }

  async findPolicyByName(asId: string, name: string): Promise<OktaPolicy | undefined> {
    return (await this.listPolicies(asId)).find((p) => p.name === name);
  }

  createPolicy(asId: string, policy: PolicyInput): Promise<OktaPolicy> {
    return this.sdkCall<OktaPolicy>('create access policy', (sdk) =>
      sdk.authorizationServerApi.createAuthorizationServerPolicy({ authServerId: asId, policy: forSdk<AuthorizationServerPolicy>({ type: 'OAUTH_AUTHORIZATION_POLICY', ...policy }) }),
    );
  }

  replacePolicy(asId: string, policyId: string, policy: PolicyInput): Promise<OktaPolicy> {
    return this.sdkCall<OktaPolicy>('replace access policy', (sdk) =>
      sdk.authorizationServerApi.replaceAuthorizationServerPolicy({ authServerId: asId, policyId, policy: forSdk<AuthorizationServerPolicy>({ type: 'OAUTH_AUTHORIZATION_POLICY', ...policy }) }),
    );
  }

  deletePolicy(asId: string, policyId: string): Promise<void> {
    return this.tolerate404(this.sdkCall('delete access policy', (sdk) => sdk.authorizationServerApi.deleteAuthorizationServerPolicy({ authServerId: asId, policyId })));
  }

  listRules(asId: string, policyId: string): Promise<OktaPolicyRule[]> {
    return this.sdkAll<OktaPolicyRule>('list policy rules', (sdk) => sdk.authorizationServerApi.listAuthorizationServerPolicyRules({ authServerId: asId, policyId }));
  }

  async findRuleByName(asId: string, policyId: string, name: string): Promise<OktaPolicyRule | undefined> {
    return (await this.listRules(asId, policyId)).find((r) => r.name === name);
  }

  createRule(asId: string, policyId: string, rule: PolicyRuleInput): Promise<OktaPolicyRule> {
    return this.sdkCall<OktaPolicyRule>('create policy rule', (sdk) =>
      sdk.authorizationServerApi.createAuthorizationServerPolicyRule({ authServerId: asId, policyId, policyRule: forSdk<AuthorizationServerPolicyRuleRequest>({ type: 'RESOURCE_ACCESS', ...rule }) }),
    );
  }

  replaceRule(asId: string, policyId: string, ruleId: string, rule: PolicyRuleInput): Promise<OktaPolicyRule> {
    return this.sdkCall<OktaPolicyRule>('replace policy rule', (sdk) =>
      sdk.authorizationServerApi.replaceAuthorizationServerPolicyRule({ authServerId: asId, policyId, ruleId, policyRule: forSdk<AuthorizationServerPolicyRuleRequest>({ type: 'RESOURCE_ACCESS', ...rule }) }),
    );
  }

  deleteRule(asId: string, policyId: string, ruleId: string): Promise<void> {
    return this.tolerate404(this.sdkCall('delete policy rule', (sdk) => sdk.authorizationServerApi.deleteAuthorizationServerPolicyRule({ authServerId: asId, policyId, ruleId })));
  }

  // -------------------------------------------------------------------------------------------
  // Applications
  // -------------------------------------------------------------------------------------------

  /**
   * The OIDC app whose label is exactly `label`. Labels are not unique and `q` is a prefix match
   * over names and labels, so all pages are read; with several matches the active, oldest one wins.
   */
  async findOidcAppByLabel(label: string): Promise<OktaOidcApp | undefined> {
    const apps = await this.sdkAll<OktaOidcApp>('list apps', (sdk) => sdk.applicationApi.listApplications({ q: label, limit: this.pageSize }));
    const matches = apps.filter((a) => a.label === label && a.name === OIDC_APP_NAME);
    const rank = (a: OktaOidcApp) => (a.status === 'ACTIVE' ? 0 : 1);
    const best = matches.sort((a, b) => rank(a) - rank(b) || String(a.created ?? '').localeCompare(String(b.created ?? '')))[0];
    return best && withoutClientSecret(best);
  }

  /** Every OIDC app whose label is exactly `label` (all pages, secrets stripped), in the order Okta lists them. */
  async listOidcAppsByLabel(label: string): Promise<OktaOidcApp[]> {
    const apps = await this.sdkAll<OktaOidcApp>('list apps', (sdk) => sdk.applicationApi.listApplications({ q: label, limit: this.pageSize }));
    return apps.filter((a) => a.label === label && a.name === OIDC_APP_NAME).map(withoutClientSecret);
  }

  /** Every OpenID Connect app of the org (all pages), secrets stripped: what an orphan report sweeps. */
  async listOidcApps(): Promise<OktaOidcApp[]> {
    const apps = await this.sdkAll<OktaOidcApp>('list apps', (sdk) => sdk.applicationApi.listApplications({ filter: `name eq "${OIDC_APP_NAME}"`, limit: this.pageSize }));
    return apps.filter((a) => a.name === OIDC_APP_NAME).map(withoutClientSecret);
  }

  async getApp(appId: string): Promise<OktaOidcApp | undefined> {
    const app = await this.sdkFind<OktaOidcApp>('read app', (sdk) => sdk.applicationApi.getApplication({ appId }));
    return app && withoutClientSecret(app);
  }

  /**
   * Creates and activates an OIDC app: a confidential client authenticating with
   * client_secret_basic. Web apps get `pkce_required: false` (Anypoint, their relying party,
   * sends no PKCE) and `consent_method: TRUSTED`.
   */
  async createOidcApp(spec: OidcAppSpec): Promise<OktaOidcApp> {
    try {
      const app = await this.sdkCall<OktaOidcApp>('create app', (sdk) =>
        sdk.applicationApi.createApplication({ application: oidcAppBody(spec) as unknown as OpenIdConnectApplication, activate: true }),
      );
      const secret = (app.credentials?.oauthClient as { client_secret?: unknown } | undefined)?.client_secret;
      if (app.id && typeof secret === 'string' && secret) this.rememberSecret(app.id, secret);
      return withoutClientSecret(app);
    } catch (err) {
      // App labels are not unique: a create that may have gone through is only looked up again later.
      if (err instanceof ExternalApiError && (err.kind === 'server' || err.kind === 'network')) err.createOutcomeUnknown = true;
      throw err;
    }
  }

  /** Brings an existing app to `spec` with a raw GET → merge → PUT, keeping every other server field. */
  async updateOidcApp(appId: string, spec: OidcAppSpec): Promise<OktaOidcApp> {
    const current = await this.requireAppRaw(appId, 'update app');
    const desired = oidcAppBody(spec);
    const currentSettings = (current.settings ?? {}) as Record<string, unknown>;
    const body = {
      ...current,
      label: spec.label,
      settings: { ...currentSettings, oauthClient: { ...(currentSettings.oauthClient as Record<string, unknown> | undefined), ...desired.settings.oauthClient } },
    };
    return withoutClientSecret((await this.replaceAppRaw(appId, body)) as OktaOidcApp);
  }

  /** The app exactly as Okta stores it, with fields the SDK does not model (and its client secret, when Okta returns it). */
  async getAppRaw(appId: string): Promise<Record<string, unknown> | undefined> {
    const res = await this.raw('read app', 'GET', `/api/v1/apps/${seg(appId)}`, { tolerate404: true });
    return res?.json as Record<string, unknown> | undefined;
  }

  /** PUTs a whole raw app document (as read by getAppRaw, then modified). */
  async replaceAppRaw(appId: string, app: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await this.raw('replace app', 'PUT', `/api/v1/apps/${seg(appId)}`, { json: app });
    return res!.json as Record<string, unknown>;
  }

  /** Sets the app's redirect URIs with a raw GET → PUT, so no server field (settings.app, manualProvisioning…) is lost. */
  async setAppRedirectUris(appId: string, uris: string[]): Promise<OktaOidcApp> {
    const app = await this.requireAppRaw(appId, 'set app redirect URIs');
    const settings = (app.settings ?? {}) as Record<string, unknown>;
    const body = { ...app, settings: { ...settings, oauthClient: { ...(settings.oauthClient as Record<string, unknown> | undefined), redirect_uris: uris } } };
    return withoutClientSecret((await this.replaceAppRaw(appId, body)) as OktaOidcApp);
  }

  /**
   * Reads the app once and writes its redirect URIs only when `next` (given the current ones)
   * returns a change; undefined leaves the app alone. Returns whether it wrote.
   */
  async changeAppRedirectUris(appId: string, next: (current: string[]) => string[] | undefined): Promise<boolean> {
    const app = await this.requireAppRaw(appId, 'set app redirect URIs');
    const settings = (app.settings ?? {}) as Record<string, unknown>;
    const oauthClient = settings.oauthClient as Record<string, unknown> | undefined;
    const uris = next((oauthClient?.redirect_uris as string[] | undefined) ?? []);
    if (!uris) return false;
    await this.replaceAppRaw(appId, { ...app, settings: { ...settings, oauthClient: { ...oauthClient, redirect_uris: uris } } });
    return true;
  }

  private async requireAppRaw(appId: string, operation: string): Promise<Record<string, unknown>> {
    const app = await this.getAppRaw(appId);
    if (app) return app;
    throw new ExternalApiError({
      system: 'okta',
      kind: 'not_found',
      operation,
      status: 404,
      detail: `app ${appId} does not exist`,
      fix: 'The Okta app was deleted outside the onboarding; start the onboarding again so it is created afresh.',
    });
  }

  activateApp(appId: string): Promise<void> {
    return this.sdkCall('activate app', (sdk) => sdk.applicationApi.activateApplication({ appId }));
  }

  deactivateApp(appId: string): Promise<void> {
    return this.tolerate404(this.sdkCall('deactivate app', (sdk) => sdk.applicationApi.deactivateApplication({ appId })));
  }

  /** Okta deletes only inactive apps: deactivates, then deletes. Already gone counts as done. */
  async deleteApp(appId: string): Promise<void> {
    this.recentSecrets.delete(appId);
    const gone = await this.sdkCall('deactivate app', (sdk) => sdk.applicationApi.deactivateApplication({ appId })).then(
      () => false,
      (err) => {
        if (err instanceof ExternalApiError && err.status === 404) return true;
        throw err;
      },
    );
    if (!gone) await this.tolerate404(this.sdkCall('delete app', (sdk) => sdk.applicationApi.deleteApplication({ appId })));
  }

  /**
   * The app's active client secret, read where it lives so that it never travels through workflow
   * history (`/api/v1/apps/{id}/credentials/secrets`; older orgs return it on the app itself).
   */
  async getClientSecret(appId: string): Promise<string> {
    const recent = this.recentSecrets.get(appId);
    if (recent && recent.until > this.now()) return recent.value;
    const value = await this.readClientSecret(appId);
    this.rememberSecret(appId, value);
    return value;
  }

  private rememberSecret(appId: string, value: string): void {
    const now = this.now();
    for (const [id, s] of this.recentSecrets) if (s.until <= now) this.recentSecrets.delete(id);
    this.recentSecrets.set(appId, { value, until: now + RECENT_SECRET_MS });
  }

  private async readClientSecret(appId: string): Promise<string> {
    const secrets = await this.sdkAll<{ client_secret?: string; status?: string; created?: string }>('read client secrets', (sdk) => sdk.applicationSSOPublicKeysApi.listOAuth2ClientSecrets({ appId })).catch((err) => {
      if (err instanceof ExternalApiError && err.status === 404) return [];
      throw err;
    });
    const active = secrets
      .filter((s) => s.status === 'ACTIVE' && s.client_secret)
      .sort((a, b) => String(b.created ?? '').localeCompare(String(a.created ?? '')))[0];
    if (active?.client_secret) return active.client_secret;
    const app = await this.getAppRaw(appId);
    const inline = ((app?.credentials as OktaOidcApp['credentials'])?.oauthClient as { client_secret?: unknown } | undefined)?.client_secret;
    if (typeof inline === 'string' && inline) return inline;
    throw new ExternalApiError({
      system: 'okta',
      kind: 'not_found',
      operation: 'read client secret',
      detail: app ? `app ${appId} has no active client secret` : `app ${appId} does not exist`,
      fix: app ? 'Generate a client secret for the app in Okta (client authentication: client secret).' : 'Start the onboarding again so the app is created afresh.',
    });
  }

  /**
   * The app's client secrets without their values (id, status, created), oldest first: what a
   * rotation needs to choose which secret to retire.
   */
  async listClientSecrets(appId: string): Promise<OktaClientSecretInfo[]> {
    const secrets = await this.sdkAll<{ id?: string; status?: string; created?: string; secret_hash?: string }>('read client secrets', (sdk) => sdk.applicationSSOPublicKeysApi.listOAuth2ClientSecrets({ appId }));
    return secrets
      .map((s) => ({ id: String(s.id), status: s.status === 'ACTIVE' ? ('ACTIVE' as const) : ('INACTIVE' as const), created: String(s.created ?? ''), secretHash: s.secret_hash }))
      .sort((a, b) => a.created.localeCompare(b.created));
  }

  /** One secret's value, by id, for the activity that hands it to Anypoint; never logged or returned further. */
  async getClientSecretById(appId: string, secretId: string): Promise<string> {
    const secret = await this.sdkRead<{ client_secret?: string }>('read client secret', (sdk) => sdk.applicationSSOPublicKeysApi.getOAuth2ClientSecret({ appId, secretId }));
    if (!secret.client_secret) throw new ExternalApiError({ system: 'okta', kind: 'not_found', operation: 'read client secret', detail: `secret ${secretId} of app ${appId} has no value`, fix: 'Rotate the introspection secret again: npm run cli -- rotate <tenant.yaml> --introspection-secret.' });
    return secret.client_secret;
  }

  /** Adds an Okta-generated secret beside the current one (Okta allows two); only its metadata is returned. */
  async createClientSecret(appId: string): Promise<OktaClientSecretInfo> {
    this.recentSecrets.delete(appId);
    const s = await this.sdkCall<{ id?: string; status?: string; created?: string; secret_hash?: string }>('create client secret', (sdk) => sdk.applicationSSOPublicKeysApi.createOAuth2ClientSecret({ appId }), {
      validation: 'Okta allows two client secrets per app: delete the inactive one (Applications → the app → Client secrets) and rotate again.',
    });
    return { id: String(s.id), status: s.status === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE', created: String(s.created ?? ''), secretHash: s.secret_hash };
  }

  async deactivateClientSecret(appId: string, secretId: string): Promise<void> {
    this.recentSecrets.delete(appId);
    await this.sdkCall('deactivate client secret', (sdk) => sdk.applicationSSOPublicKeysApi.deactivateOAuth2ClientSecret({ appId, secretId }));
  }

  /** Deletes an inactive secret; one already gone counts as deleted. */
  async deleteClientSecret(appId: string, secretId: string): Promise<void> {
    this.recentSecrets.delete(appId);
    await this.tolerate404(this.sdkCall('delete client secret', (sdk) => sdk.applicationSSOPublicKeysApi.deleteOAuth2ClientSecret({ appId, secretId })));
  }

  // -------------------------------------------------------------------------------------------
  // App ⇄ group assignments (a DCR client's client_id is its app id)
  // -------------------------------------------------------------------------------------------

  async getAppGroupAssignment(appId: string, groupId: string): Promise<boolean> {
    return (await this.sdkFind<OktaAppGroupAssignment>('read app group assignment', (sdk) => sdk.applicationApi.getApplicationGroupAssignment({ appId, groupId }))) !== undefined;
  }

  listAppGroupAssignments(appId: string): Promise<OktaAppGroupAssignment[]> {
    return this.sdkAll<OktaAppGroupAssignment>('list app group assignments', (sdk) => sdk.applicationApi.listApplicationGroupAssignments({ appId, limit: this.pageSize }));
  }

  /** PUT: assigning again is harmless, so retries are safe. */
  async assignGroupToApp(appId: string, groupId: string): Promise<void> {
    await this.sdkCall('assign group to app', (sdk) => sdk.applicationApi.assignGroupToApplication({ appId, groupId, applicationGroupAssignment: {} }), {
      not_found: `The Okta app ${appId} or group ${groupId} does not exist; start the onboarding again so both are looked up afresh.`,
    });
  }

  unassignGroupFromApp(appId: string, groupId: string): Promise<void> {
    return this.tolerate404(this.sdkCall('unassign group from app', (sdk) => sdk.applicationApi.unassignApplicationFromGroup({ appId, groupId })));
  }

  // -------------------------------------------------------------------------------------------
  // Dynamic client registration (not in the SDK)
  // -------------------------------------------------------------------------------------------

  async getDcrClient(clientId: string): Promise<OktaDcrClient | undefined> {
    const res = await this.raw('read registered client', 'GET', `/oauth2/v1/clients/${seg(clientId)}`, { tolerate404: true });
    const client = res?.json as (OktaDcrClient & { client_secret?: unknown }) | undefined;
    if (!client) return undefined;
    const { client_secret: _secret, ...rest } = client;
    return rest;
  }

  /** Removes a client Anypoint registered (Anypoint cannot delete it in Okta). Already gone counts as done. */
  async deleteDcrClient(clientId: string): Promise<void> {
    await this.raw('delete registered client', 'DELETE', `/oauth2/v1/clients/${seg(clientId)}`, { tolerate404: true });
  }

  // -------------------------------------------------------------------------------------------
  // OAuth endpoints of an authorization server (not in the SDK)
  // -------------------------------------------------------------------------------------------

  async getMetadata(asId: string): Promise<OktaAuthServerMetadata> {
    const res = await this.raw('read authorization server metadata', 'GET', `/oauth2/${seg(asId)}/.well-known/openid-configuration`, {
      auth: 'none',
      fixes: { not_found: `Okta has no authorization server "${asId}": check okta.authorizationServer (adopt takes 'default' or an existing server id).` },
    });
    return res!.json as OktaAuthServerMetadata;
  }

  /** The token endpoint of a custom authorization server. */
  tokenUrl(asId: string): string {
    return `${this.orgUrl}/oauth2/${seg(asId)}/v1/token`;
  }

  introspectUrl(asId: string): string {
    return `${this.orgUrl}/oauth2/${seg(asId)}/v1/introspect`;
  }

  /**
   * A client_credentials token (client_secret_basic), requested server-side: undici sends no
   * `Origin` header, which Okta would answer with a PKCE error.
   */
  async requestClientCredentialsToken(req: ClientCredentialsRequest): Promise<TokenResponse> {
    const url = req.tokenUrl ?? (req.asId ? this.tokenUrl(req.asId) : undefined);
    if (!url) throw new TypeError('requestClientCredentialsToken needs asId or tokenUrl');
    const res = await this.raw('request a client_credentials token', 'POST', url, {
      auth: { basic: [req.clientId, req.clientSecret] },
      form: { grant_type: 'client_credentials', scope: req.scopes.join(' ') },
      // A token whose response was lost is one more short-lived token, never used: asking again is safe.
      repeatable: true,
    });
    const body = (res!.json ?? {}) as { access_token?: string; token_type?: string; scope?: string; expires_in?: number };
    if (!body.access_token) {
      throw new ExternalApiError({ system: 'okta', kind: 'server', operation: 'request a client_credentials token', detail: 'the response has no access_token', fix: 'Retry; if it persists, check the Okta org status.' });
    }
    return { accessToken: body.access_token, tokenType: body.token_type ?? 'Bearer', scope: body.scope ?? '', expiresIn: Number(body.expires_in ?? 0) };
  }

  /**
   * Primary authentication (`POST /api/v1/authn`, no API token): the user's one-time session token,
   * or undefined when Okta does not answer SUCCESS with one (MFA required, password expired, …).
   * Wrong credentials are Okta's 401 E0000004, an ExternalApiError of kind `auth`.
   */
  async primaryAuthentication(username: string, password: string): Promise<{ sessionToken?: string; status?: string }> {
    const res = await this.raw('sign a user in (/api/v1/authn)', 'POST', '/api/v1/authn', {
      auth: 'none',
      json: { username, password },
      redact: [password],
      // A lost answer leaves one unused session token, which expires unredeemed: asking again is safe.
      repeatable: true,
    });
    const body = (res!.json ?? {}) as { status?: string; sessionToken?: string };
    return { status: body.status, sessionToken: body.status === 'SUCCESS' ? body.sessionToken : undefined };
  }

  /** RFC 7662 introspection, authenticated as the introspection client. Inactive tokens answer `{ active: false }`. */
  async introspectToken(req: IntrospectionRequest): Promise<IntrospectionResult> {
    const url = req.introspectUrl ?? (req.asId ? this.introspectUrl(req.asId) : undefined);
    if (!url) throw new TypeError('introspectToken needs asId or introspectUrl');
    const res = await this.raw('introspect a token', 'POST', url, {
      auth: { basic: [req.clientId, req.clientSecret] },
      form: { token: req.token, token_type_hint: req.tokenTypeHint ?? 'access_token' },
      // RFC 7662 introspection reads a token's state and changes nothing.
      repeatable: true,
    });
    const body = (res!.json ?? {}) as IntrospectionResult;
    return { ...body, active: body.active === true };
  }

  // -------------------------------------------------------------------------------------------

  private async tolerate404(call: Promise<unknown>): Promise<void> {
    try {
      await call;
    } catch (err) {
      if (err instanceof ExternalApiError && err.status === 404) return;
      throw err;
    }
  }
}

/**
 * The SDK's executor, each call waiting for its turn under the org's rate limits and its response's
 * headers taught to the pacer (the SDK's own 429 retry stays off).
 */
class PacedRequestExecutor extends DefaultRequestExecutor {
  constructor(
    private readonly pacer: RatePacer,
    opts: ConstructorParameters<typeof DefaultRequestExecutor>[0],
  ) {
    super(opts);
  }

  override async fetch(request: Parameters<DefaultRequestExecutor['fetch']>[0]): ReturnType<DefaultRequestExecutor['fetch']> {
    const url = String((request as { url?: string }).url ?? '');
    await this.pacer.turn(url);
    const res = await super.fetch(request).catch((err: unknown) => {
      this.pacer.noAnswer(url);
      throw err;
    });
    this.pacer.learn(url, (name) => res.headers.get(name));
    return res;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Apps leave this client without their client secret (Okta returns it on create and update):
 * a secret is read only where it is used, with getClientSecret.
 */
function withoutClientSecret(app: OktaOidcApp): OktaOidcApp {
  const oauthClient = app.credentials?.oauthClient;
  if (!oauthClient || !('client_secret' in oauthClient)) return app;
  const { client_secret: _secret, ...rest } = oauthClient;
  return { ...app, credentials: { ...app.credentials, oauthClient: rest } };
}

/** The create body of an OIDC app (okta.md §1.6). */
export function oidcAppBody(spec: OidcAppSpec) {
  const web = spec.applicationType === 'web';
  return {
    name: OIDC_APP_NAME,
    label: spec.label,
    signOnMode: 'OPENID_CONNECT',
    credentials: {
      oauthClient: {
        token_endpoint_auth_method: 'client_secret_basic',
        autoKeyRotation: true,
        // Okta defaults PKCE on for browser-facing types; Anypoint does not send it.
        ...(web ? { pkce_required: false } : {}),
      },
    },
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

/** Read-only fields the server owns; Okta ignores them on writes. */
const SERVER_FIELDS = ['created', 'lastUpdated', 'lastMembershipUpdated', '_links', '_embedded'];
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A plain resource (possibly read back from Okta) made fit for the SDK's serializer: server-owned
 * fields dropped, and date-time strings turned back into Dates (the serializer calls toISOString
 * on fields its models type as Date, such as credentials.signing.lastRotated).
 */
function forSdk<T>(resource: object): T {
  const revive = (value: unknown): unknown => {
    if (typeof value === 'string' && ISO_DATE_TIME.test(value)) return new Date(value);
    if (Array.isArray(value)) return value.map(revive);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
    return value;
  };
  return Object.fromEntries(Object.entries(resource).filter(([key, value]) => !SERVER_FIELDS.includes(key) && value !== undefined).map(([k, v]) => [k, revive(v)])) as T;
}

function toSdkScope(scope: ScopeInput): OAuth2Scope {
  const { default: isDefault, ...rest } = scope;
  return forSdk<OAuth2Scope>({ ...rest, ...(isDefault !== undefined ? { _default: isDefault } : {}) });
}

/**
 * SDK models are class instances with Date fields and SDK-only names; resources leave this client
 * as plain JSON with Okta's own field names (the scope's `_default` is `default` on the wire).
 */
function plain<T>(value: unknown): T {
  if (value === undefined || value === null) return value as T;
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && '_default' in v) {
      const { _default, ...rest } = v as Record<string, unknown>;
      return { ...rest, default: _default };
    }
    return v;
  }) as T;
}

/** A user as the onboarding reads it. */
export interface OktaUser {
  id: string;
  status?: string;
  profile?: { login?: string };
}
