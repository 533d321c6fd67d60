import type { Dispatcher } from 'undici';
import { ExternalApiError, kindOfStatus } from './errors';
import { bodySnippet, defaultDispatcher, send, type HttpMethod, type HttpResponse } from './http';

/*
 * A standards-only OpenID provider (OpenAM, ForgeRock, any RFC 7591 provider) over undici: the discovery
 * document (OpenID Connect Discovery 1.0), RFC 7591 registration checks, RFC 7592 deletion of a client this
 * project registered itself, the client_credentials grant (RFC 6749 §4.4) and RFC 7662 introspection. Only
 * what the protocols define is used: nothing here knows an admin API. No retries: Temporal retries
 * activities by cause. Secrets passed in are scrubbed from every error.
 */

export interface Rfc7591ClientOptions {
  /** @default a keep-alive Agent owned (and closed) by this client */
  dispatcher?: Dispatcher;
  /** @default 30000 */
  timeoutMs?: number;
}

/** The discovery document's fields this project reads (all others are kept as they came). */
export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  introspection_endpoint?: string;
  registration_endpoint?: string;
  userinfo_endpoint?: string;
  jwks_uri?: string;
  scopes_supported?: string[];
  [field: string]: unknown;
}

export interface TokenResponse {
  accessToken: string;
  tokenType: string;
  scope: string;
  expiresIn: number;
}

export interface IntrospectionResult {
  active: boolean;
  scope?: string;
  client_id?: string;
  [field: string]: unknown;
}

/** What a registration request designed to be refused told about the header (see checkRegistrationHeader). */
export type RegistrationHeaderCheck =
  | { verdict: 'accepted' }
  /** A lenient provider registered the probe anyway; the caller must delete it through this RFC 7592 handle. */
  | { verdict: 'registered'; clientId: string; registrationClientUri?: string; registrationAccessToken?: string };

/** Client metadata no provider can accept: RFC 7591 §2 requires absolute redirect URIs. */
export const REFUSED_PROBE_METADATA = {
  client_name: 'onboarding preflight probe (refused by design, never kept)',
  redirect_uris: ['not an absolute uri'],
  grant_types: ['authorization_code'],
  response_types: ['code'],
};

export class Rfc7591ProviderClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeoutMs: number;

  constructor(opts: Rfc7591ClientOptions = {}) {
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? defaultDispatcher();
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** The provider's discovery document; refuses one without an issuer. */
  async discover(discoveryUrl: string): Promise<ProviderMetadata> {
    const operation = 'read the discovery document';
    const res = await this.call(operation, 'GET', discoveryUrl, {}, []);
    const doc = res.json as ProviderMetadata | undefined;
    if (res.status !== 200 || !doc || typeof doc !== 'object' || typeof doc.issuer !== 'string') {
      throw this.error(operation, res, [], res.status === 200 ? 'the answer is not an OpenID discovery document (no issuer)' : undefined, {
        fix: `Check rfc7591.discoveryUrl (or rfc7591.issuer): ${discoveryUrl} must answer with the provider's .well-known/openid-configuration.`,
      });
    }
    return doc;
  }

  /**
   * Whether the registration endpoint accepts `authorization`, without registering anything: a POST of
   * metadata RFC 7591 forbids (REFUSED_PROBE_METADATA). A provider checks the initial access token before
   * the metadata (oidc-provider, OpenAM), so a wrong header answers 401/403 and a right one 400
   * (invalid_redirect_uri / invalid_client_metadata), and nothing is created either way. A provider lenient
   * enough to register the probe returns it as `registered`, for the caller to delete at once (RFC 7592).
   */
  async checkRegistrationHeader(registrationEndpoint: string, authorization: string): Promise<RegistrationHeaderCheck> {
    const operation = 'check the registration header';
    const secrets = [authorization, authorization.replace(/^\S+\s+/, '')];
    const res = await this.call(operation, 'POST', registrationEndpoint, { authorization, 'content-type': 'application/json' }, secrets, JSON.stringify(REFUSED_PROBE_METADATA));
    if (res.status === 400) return { verdict: 'accepted' };
    const body = (res.json ?? {}) as Record<string, unknown>;
    if ((res.status === 200 || res.status === 201) && typeof body.client_id === 'string') {
      return {
        verdict: 'registered',
        clientId: body.client_id,
        registrationClientUri: typeof body.registration_client_uri === 'string' ? body.registration_client_uri : undefined,
        registrationAccessToken: typeof body.registration_access_token === 'string' ? body.registration_access_token : undefined,
      };
    }
    const refused = res.status === 401 || res.status === 403;
    throw this.error(operation, res, secrets, undefined, {
      fix: refused
        ? `The provider refuses the registration header at ${registrationEndpoint}: set rfc7591.initialAccessToken to a valid initial access token of the realm (Anypoint sends it as Authorization: Bearer <token>).`
        : `The registration endpoint ${registrationEndpoint} does not take RFC 7591 registrations (HTTP ${res.status}): check the provider's dynamic client registration settings.`,
    });
  }

  /** RFC 7592 §2.3: deletes a client through its own registration handle; a client already gone counts as deleted. */
  async deleteRegistration(registrationClientUri: string, registrationAccessToken: string): Promise<void> {
    const operation = 'delete a registered client (RFC 7592)';
    const secrets = [registrationAccessToken];
    const res = await this.call(operation, 'DELETE', registrationClientUri, { authorization: `Bearer ${registrationAccessToken}` }, secrets);
    if (res.status === 204 || res.status === 200 || res.status === 404) return;
    throw this.error(operation, res, secrets);
  }

  /** A client_credentials token (client_secret_basic). */
  async requestClientCredentialsToken(req: { tokenUrl: string; clientId: string; clientSecret: string; scopes: string[] }): Promise<TokenResponse> {
    const operation = 'request a client_credentials token';
    const secrets = [req.clientSecret];
    const res = await this.call(operation, 'POST', req.tokenUrl, { authorization: basic(req.clientId, req.clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, secrets, new URLSearchParams({ grant_type: 'client_credentials', scope: req.scopes.join(' ') }).toString());
    const body = (res.json ?? {}) as { access_token?: string; token_type?: string; scope?: string; expires_in?: number };
    if (res.status !== 200 || !body.access_token) throw this.error(operation, res, secrets, res.status === 200 ? 'the response has no access_token' : undefined);
    return { accessToken: body.access_token, tokenType: body.token_type ?? 'Bearer', scope: body.scope ?? '', expiresIn: Number(body.expires_in ?? 0) };
  }

  /** RFC 7662 introspection as `clientId`; a token the caller may not see reads `{ active: false }`. */
  async introspect(req: { introspectUrl: string; clientId: string; clientSecret: string; token: string }): Promise<IntrospectionResult> {
    const operation = 'introspect a token';
    const secrets = [req.clientSecret, req.token];
    const res = await this.call(operation, 'POST', req.introspectUrl, { authorization: basic(req.clientId, req.clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, secrets, new URLSearchParams({ token: req.token, token_type_hint: 'access_token' }).toString());
    const body = res.json as IntrospectionResult | undefined;
    if (res.status !== 200 || !body || typeof body.active !== 'boolean') {
      throw this.error(operation, res, secrets, res.status === 200 ? 'the answer is not an RFC 7662 introspection response' : undefined, {
        fix:
          res.status === 401 || res.status === 403
            ? `The provider refuses the introspection client "${req.clientId}": check rfc7591.introspectionClient (its id and the secret referenced) and that it is a confidential client allowed to introspect.`
            : undefined,
      });
    }
    return body;
  }

  private call(operation: string, method: HttpMethod, url: string, headers: Record<string, string>, secrets: string[], body?: string): Promise<HttpResponse> {
    return send({ method, url, headers: { accept: 'application/json', ...headers }, body, timeoutMs: this.timeoutMs, dispatcher: this.dispatcher }, { system: 'provider', operation, secrets });
  }

  private error(operation: string, res: HttpResponse, secrets: string[], detail?: string, opts: { fix?: string } = {}): ExternalApiError {
    const body = (res.json ?? {}) as Record<string, unknown>;
    const words = [body.error, body.error_description].filter((w) => typeof w === 'string' && w).join(': ');
    // A wrong answer with 200 is the provider's fault, not the request's: retried like a 5xx.
    const kind = res.status === 200 ? 'server' : kindOfStatus(res.status);
    return new ExternalApiError({
      system: 'provider',
      kind,
      operation,
      status: res.status,
      code: typeof body.error === 'string' ? body.error : undefined,
      detail: detail ?? (words || bodySnippet(res.text) || `HTTP ${res.status}`),
      fix: opts.fix ?? defaultFix(kind),
      secrets,
    });
  }
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

function defaultFix(kind: ReturnType<typeof kindOfStatus>): string {
  if (kind === 'auth' || kind === 'forbidden') return 'Check the rfc7591 credentials the tenant file references; the provider refuses them.';
  if (kind === 'not_found') return 'Check rfc7591.discoveryUrl: the provider does not serve this endpoint.';
  if (kind === 'server' || kind === 'network' || kind === 'rate_limited') return 'Nothing to change: the provider failed on its side and the step is retried.';
  return 'Correct the value the provider rejected (named in the message) in the tenant file, then start the onboarding again.';
}
