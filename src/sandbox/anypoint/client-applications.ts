import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CLIENT_PROVIDER_TYPE } from './client-providers';
import { apiManagerError, exchangeError } from './errors';
import { AnypointContext, fuzzyMatch, isRecord, page, requireOrg } from './http';
import { callProvider, providerMessage, ProviderUnreachableError, timeoutMs } from './outbound';
import { randomHex } from './seed';
import { ClientApplicationRecord, ClientProviderRecord, nextId, nowIso } from './state';

/*
 * Exchange client applications v2 (spec exchange_client_apps). Created with `?apiInstanceId=`, an
 * application uses the instance's client provider; with an external OIDC DCR provider Anypoint CALLS
 * the provider's registration URL with the configured Authorization header (RFC 7591, standard fields
 * only) and returns the IdP's client_id/client_secret. Choices:
 * - The registration body is standard RFC 7591 / OIDC DCR metadata: client_name, redirect_uris, grant_types,
 *   response_types as RFC 7591 §2.1 pairs them (authorization_code → code, implicit → token, client_credentials
 *   and password → none), token_endpoint_auth_method (client_secret_basic; `none` for an implicit-only public
 *   client), and no application_type (OIDC DCR: web by default, the only other value is native).
 * - Except towards Okta, recognised by its `SSWS` registration header (the reference names SSWS for Okta and
 *   Bearer for ForgeRock/Salesforce): Okta's DCR also defaults to web, and a web app must include
 *   authorization_code, so a client_credentials application could not be registered there at all. Since the
 *   platform supports both Okta and OpenAM (seed 003), it must speak Okta's dialect to Okta; the sandbox models
 *   that as Okta's own application_type: `service` (client_credentials, password), `browser` (implicit without
 *   authorization_code), `web` (authorization_code). The reference does not say how the platform tells them
 *   apart; an Okta provider configured with an OAuth `Bearer` token gets the standard body.
 * - When the IdP answers with RFC 7592 registration_client_uri + registration_access_token (OpenAM does), they
 *   are kept on the application and never returned by the API.
 * - A registration the IdP refuses (401/403/400, e.g. a blank Authorization header, seed 004) answers 400
 *   `{status, message:"Invalid client id: …"}` with the IdP's words; an unreachable IdP or a 5xx answers 502.
 * - PATCH and DELETE touch Anypoint only: the IdP client keeps its settings and keeps getting tokens, the
 *   documented limitation. Only a provider with `allow_external_client_modification` gets the v3 calls
 *   `PUT {register}/{client_id}` and `DELETE {register}/{client_id}`, with the configured header as the
 *   reference documents, not with the RFC 7592 registration access token: the doc warns they are "not expected
 *   to work if the call is used directly against an IDP", and against OpenAM they are refused (401), so the
 *   application cannot be deleted from Anypoint while that option is on.
 * - Deleting an application also deletes its contracts.
 * - Import (`POST /apimanager/api/v1/organizations/{org}/applications` {clientId, providerId}) needs the provider's
 *   `allow_client_import`; it reads the client's metadata from `{register}/{client_id}` when the IdP allows it and
 *   changes nothing there. The secret of an imported client is unknown to Anypoint (empty).
 * - Listing: only the caller's applications unless `targetAdminSite=true`; `query` is a case-insensitive
 *   substring over name, description and client id; default limit 20 (max 500).
 */

export const GRANT_TYPES = ['password', 'implicit', 'client_credentials', 'authorization_code', 'refresh_token'];

/** Okta's API-token scheme: a provider whose registration header uses it is an Okta org. */
export function speaksOktaDialect(registrationAuthorization: string): boolean {
  return /^\s*SSWS\s/i.test(registrationAuthorization);
}

/** Okta's application_type for an application's grants (reference/okta.md §1.8, valid grants per type). */
function oktaApplicationType(grantTypes: string[]): string {
  if (grantTypes.includes('authorization_code')) return 'web';
  return grantTypes.includes('implicit') ? 'browser' : 'service';
}

/** The RFC 7591 client metadata sent to the provider for an application (see the header comment). */
export function registrationMetadata(name: string, grantTypes: string[], redirectUris: string[], opts: { oktaDialect?: boolean } = {}) {
  const publicClient = grantTypes.includes('implicit') && !grantTypes.includes('authorization_code');
  return {
    client_name: name,
    redirect_uris: redirectUris,
    grant_types: grantTypes,
    response_types: [...(grantTypes.includes('authorization_code') ? ['code'] : []), ...(grantTypes.includes('implicit') ? ['token'] : [])],
    token_endpoint_auth_method: publicClient ? 'none' : 'client_secret_basic',
    ...(opts.oktaDialect ? { application_type: oktaApplicationType(grantTypes) } : {}),
  };
}

function metadataFor(p: ClientProviderRecord, name: string, grantTypes: string[], redirectUris: string[]) {
  return registrationMetadata(name, grantTypes, redirectUris, { oktaDialect: speaksOktaDialect(p.registrationAuthorization) });
}

function providerHeaders(p: ClientProviderRecord): Record<string, string> {
  return p.registrationAuthorization.trim() ? { authorization: p.registrationAuthorization } : {};
}

async function callRegistration(p: ClientProviderRecord, url: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', body?: unknown) {
  try {
    return await callProvider(url, { method, headers: providerHeaders(p), body, timeoutMs: timeoutMs(p.clientRequestTimeout), allowUntrustedCertificates: p.allowUntrustedCertificates });
  } catch (err) {
    if (err instanceof ProviderUnreachableError) throw exchangeError(502, `The client provider ${p.name} could not be reached: ${err.message}`);
    throw err;
  }
}

async function registerAtProvider(p: ClientProviderRecord, name: string, grantTypes: string[], redirectUris: string[]) {
  const res = await callRegistration(p, p.registerUrl, 'POST', metadataFor(p, name, grantTypes, redirectUris));
  if (res.status >= 500) throw exchangeError(502, `The client provider ${p.name} failed to register the application: ${providerMessage(res)}`);
  const body = isRecord(res.json) ? res.json : {};
  if (res.status >= 300 || typeof body.client_id !== 'string') {
    throw exchangeError(400, `Invalid client id: the client provider ${p.name} refused to register the application (HTTP ${res.status}: ${providerMessage(res)})`);
  }
  const registration =
    typeof body.registration_client_uri === 'string' && typeof body.registration_access_token === 'string'
      ? { registration: { clientUri: body.registration_client_uri, accessToken: body.registration_access_token } }
      : {};
  return { clientId: body.client_id, clientSecret: typeof body.client_secret === 'string' ? body.client_secret : '', ...registration };
}

export function applicationView(ctx: AnypointContext, a: ClientApplicationRecord, withSecret: boolean) {
  const provider = a.providerId ? ctx.state.clientProviders.find((p) => p.providerId === a.providerId) : undefined;
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    url: a.url,
    masterOrganizationId: ctx.state.org.id,
    clientId: a.clientId,
    ...(withSecret ? { clientSecret: a.clientSecret } : {}),
    grantTypes: [...a.grantTypes],
    redirectUri: [...a.redirectUri],
    clientProvider: provider ? { providerId: provider.providerId, name: provider.name, type: CLIENT_PROVIDER_TYPE } : { providerId: null, name: 'Anypoint Platform', type: null },
    apiEndpoints: false,
    createdDate: a.createdAt,
    updatedDate: a.updatedAt,
  };
}

function isOwner(req: FastifyRequest, a: ClientApplicationRecord): boolean {
  const rec = req.anypointCaller?.record;
  return !!rec && ((!!rec.connectedAppClientId && rec.connectedAppClientId === a.ownerConnectedAppId) || (!!rec.userId && rec.userId === a.ownerUserId));
}

const adminSite = (q: { targetAdminSite?: string }) => String(q.targetAdminSite).toLowerCase() === 'true';

const appBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    url: { type: 'string', nullable: true },
    redirectUri: { type: 'array', items: { type: 'string' } },
    grantTypes: { type: 'array', items: { type: 'string', enum: GRANT_TYPES } },
    apiEndpoints: { type: 'boolean' },
  },
};

export interface AppBody {
  name?: string;
  description?: string;
  url?: string | null;
  redirectUri?: string[];
  grantTypes?: string[];
}

function checkGrants(grantTypes: string[], redirectUris: string[]) {
  if (grantTypes.includes('refresh_token') && !grantTypes.includes('authorization_code')) throw exchangeError(400, 'refresh_token requires the authorization_code grant type');
  if ((grantTypes.includes('authorization_code') || grantTypes.includes('implicit')) && redirectUris.length === 0) {
    throw exchangeError(400, 'redirectUri is required for the authorization_code and implicit grant types');
  }
}

/** Who creates an application: the connected app or the user whose token made the request. */
export interface ApplicationOwner {
  connectedAppClientId?: string;
  userId?: string;
}

/**
 * Creates an Exchange client application: `POST …/applications[?apiInstanceId=]`, and the consumer's
 * "Request access" (consumers.ts). With an instance whose client provider is external, the client is
 * registered there first; nothing is stored when that fails.
 */
export async function createApplication(ctx: AnypointContext, body: AppBody & { name: string }, opts: { apiInstanceId?: string | number; owner: ApplicationOwner }): Promise<ClientApplicationRecord> {
  const state = ctx.state;
  const grantTypes = body.grantTypes ?? [];
  const redirectUris = body.redirectUri ?? [];
  checkGrants(grantTypes, redirectUris);
  let providerId: string | null = null;
  let apiInstanceId: number | undefined;
  if (opts.apiInstanceId !== undefined) {
    const api = state.apis.find((x) => String(x.id) === String(opts.apiInstanceId));
    if (!api) throw exchangeError(404, `API instance ${opts.apiInstanceId} not found`);
    apiInstanceId = api.id;
    providerId = api.providerId;
  }
  const provider = providerId ? state.clientProviders.find((p) => p.providerId === providerId) : undefined;
  const credentials = provider ? await registerAtProvider(provider, body.name, grantTypes, redirectUris) : { clientId: randomHex(), clientSecret: randomHex() };
  const now = nowIso();
  const record: ClientApplicationRecord = {
    id: nextId(ctx.state, 'application'),
    name: body.name,
    description: body.description ?? '',
    url: body.url ?? null,
    redirectUri: redirectUris,
    grantTypes,
    ...credentials,
    providerId: provider ? provider.providerId : null,
    apiInstanceId,
    ownerConnectedAppId: opts.owner.connectedAppClientId,
    ownerUserId: opts.owner.userId,
    createdAt: now,
    updatedAt: now,
  };
  ctx.state.applications.push(record);
  return record;
}

/**
 * Deletes an application and its contracts, whatever their state (`DELETE …/applications/{id}`, and the
 * consumer's delete in Exchange). The IdP's client is left alone unless the provider has
 * `allow_external_client_modification`: then the documented `DELETE {register}/{client_id}` goes first.
 */
export async function deleteApplication(ctx: AnypointContext, a: ClientApplicationRecord): Promise<void> {
  const provider = a.providerId ? ctx.state.clientProviders.find((p) => p.providerId === a.providerId) : undefined;
  if (provider?.allowExternalClientModification) {
    const res = await callRegistration(provider, `${provider.registerUrl.replace(/\/$/, '')}/${encodeURIComponent(a.clientId)}`, 'DELETE');
    if (res.status >= 300 && res.status !== 404) throw exchangeError(400, `The client provider ${provider.name} refused the deletion (HTTP ${res.status}: ${providerMessage(res)})`);
  }
  ctx.state.applications = ctx.state.applications.filter((x) => x !== a);
  ctx.state.contracts = ctx.state.contracts.filter((c) => c.applicationId !== a.id);
}

export function registerClientApplications(app: FastifyInstance, ctx: AnypointContext): void {
  const base = '/exchange/api/v2/organizations/:orgId/applications';
  const find = (id: string) => {
    const a = ctx.state.applications.find((x) => String(x.id) === id);
    if (!a) throw exchangeError(404, `Application ${id} not found`);
    return a;
  };

  app.post<{ Params: { orgId: string }; Querystring: { apiInstanceId?: string }; Body: AppBody }>(
    base,
    { schema: { body: { ...appBody, required: ['name'] } } },
    async (req, reply) => {
      requireOrg(ctx, req.params.orgId, 'exchange');
      const caller = req.anypointCaller?.record;
      const record = await createApplication(ctx, req.body as AppBody & { name: string }, { apiInstanceId: req.query.apiInstanceId, owner: { connectedAppClientId: caller?.connectedAppClientId, userId: caller?.userId } });
      return reply.code(201).send(applicationView(ctx, record, true));
    },
  );

  app.get<{ Params: { orgId: string }; Querystring: { targetAdminSite?: string; query?: string; offset?: string; limit?: string } }>(base, async (req) => {
    requireOrg(ctx, req.params.orgId, 'exchange');
    const admin = adminSite(req.query);
    const visible = ctx.state.applications
      .filter((a) => admin || isOwner(req, a))
      .filter((a) => fuzzyMatch(req.query.query, a.name, a.description, a.clientId))
      .sort((a, b) => a.id - b.id);
    return page(visible, req.query, 20).map((a) => applicationView(ctx, a, admin || isOwner(req, a)));
  });

  app.get<{ Params: { orgId: string; appId: string }; Querystring: { targetAdminSite?: string } }>(`${base}/:appId`, async (req) => {
    requireOrg(ctx, req.params.orgId, 'exchange');
    const a = find(req.params.appId);
    return applicationView(ctx, a, adminSite(req.query) || isOwner(req, a));
  });

  app.patch<{ Params: { orgId: string; appId: string }; Body: AppBody }>(`${base}/:appId`, { schema: { body: appBody } }, async (req) => {
    requireOrg(ctx, req.params.orgId, 'exchange');
    const a = find(req.params.appId);
    const body = req.body;
    const grantTypes = body.grantTypes ?? a.grantTypes;
    const redirectUris = body.redirectUri ?? a.redirectUri;
    checkGrants(grantTypes, redirectUris);
    const provider = a.providerId ? ctx.state.clientProviders.find((p) => p.providerId === a.providerId) : undefined;
    const name = body.name ?? a.name;
    if (provider?.allowExternalClientModification && (body.grantTypes || body.redirectUri || body.name)) {
      const res = await callRegistration(provider, `${provider.registerUrl.replace(/\/$/, '')}/${encodeURIComponent(a.clientId)}`, 'PUT', {
        client_id: a.clientId,
        client_secret: a.clientSecret,
        ...metadataFor(provider, name, grantTypes, redirectUris),
        token_endpoint_auth_method: 'client_secret_basic',
      });
      if (res.status >= 300) throw exchangeError(400, `The client provider ${provider.name} refused the update (HTTP ${res.status}: ${providerMessage(res)})`);
    }
    a.name = name;
    if (body.description !== undefined) a.description = body.description;
    if (body.url !== undefined) a.url = body.url;
    a.grantTypes = grantTypes;
    a.redirectUri = redirectUris;
    a.updatedAt = nowIso();
    return applicationView(ctx, a, true);
  });

  app.delete<{ Params: { orgId: string; appId: string } }>(`${base}/:appId`, async (req, reply) => {
    requireOrg(ctx, req.params.orgId, 'exchange');
    await deleteApplication(ctx, find(req.params.appId));
    return reply.code(204).send();
  });

  // Import an existing IdP client (provider with `allow_client_import`): nothing is created or changed in the IdP.
  app.post<{ Params: { orgId: string }; Body: { clientId: string; providerId: string; name?: string; description?: string; url?: string | null } }>(
    '/apimanager/api/v1/organizations/:orgId/applications',
    {
      schema: {
        body: {
          type: 'object',
          required: ['clientId', 'providerId'],
          properties: { clientId: { type: 'string', minLength: 1 }, providerId: { type: 'string', minLength: 1 }, name: { type: 'string' }, description: { type: 'string' }, url: { type: 'string', nullable: true } },
        },
      },
    },
    async (req, reply) => {
      requireOrg(ctx, req.params.orgId, 'apiManager');
      const body = req.body;
      const provider = ctx.state.clientProviders.find((p) => p.providerId === body.providerId);
      if (!provider) throw apiManagerError(404, 'NotFoundError', `Client provider ${body.providerId} not found`);
      if (!provider.allowClientImport) throw apiManagerError(400, 'BadRequestError', `Client import is not enabled for the client provider ${provider.name} (allow_client_import)`);
      if (ctx.state.applications.some((a) => a.clientId === body.clientId && a.providerId === provider.providerId)) {
        throw apiManagerError(409, 'ConflictError', `The client ${body.clientId} is already an application`);
      }
      // Read what the IdP knows about the client (RFC 7592 read); an IdP that does not allow it is fine.
      const read = await callRegistration(provider, `${provider.registerUrl.replace(/\/$/, '')}/${encodeURIComponent(body.clientId)}`, 'GET').catch(() => undefined);
      const meta = read && read.status === 200 && isRecord(read.json) ? read.json : {};
      const now = nowIso();
      const caller = req.anypointCaller?.record;
      const record: ClientApplicationRecord = {
        id: nextId(ctx.state, 'application'),
        name: body.name ?? (typeof meta.client_name === 'string' ? meta.client_name : body.clientId),
        description: body.description ?? '',
        url: body.url ?? null,
        redirectUri: Array.isArray(meta.redirect_uris) ? (meta.redirect_uris as string[]) : [],
        grantTypes: Array.isArray(meta.grant_types) ? (meta.grant_types as string[]) : [],
        clientId: body.clientId,
        clientSecret: '',
        providerId: provider.providerId,
        ownerConnectedAppId: caller?.connectedAppClientId,
        ownerUserId: caller?.userId,
        createdAt: now,
        updatedAt: now,
      };
      ctx.state.applications.push(record);
      return reply.code(201).send(applicationView(ctx, record, true));
    },
  );

  app.get<{ Params: { orgId: string; appId: string } }>(`${base}/:appId/contracts`, async (req) => {
    requireOrg(ctx, req.params.orgId, 'exchange');
    const a = find(req.params.appId);
    return ctx.state.contracts
      .filter((c) => c.applicationId === a.id)
      .map((c) => {
        const tier = c.tierId ? ctx.state.tiers.find((t) => t.id === c.tierId) : undefined;
        return {
          id: c.id,
          status: c.status,
          apiId: c.apiId,
          ...(tier ? { requestedTier: { id: tier.id, name: tier.name, limits: tier.limits.map((l) => ({ maximumRequests: l.maximumRequests, timePeriodInMilliseconds: l.timePeriodInMilliseconds })) } } : {}),
        };
      });
  });
}
