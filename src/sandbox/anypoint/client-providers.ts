import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { accountsError, accountsNotFound } from './errors';
import { AnypointContext, isRecord, requireOrg } from './http';
import { discover, ProviderUnreachableError, timeoutMs } from './outbound';
import { ClientProviderRecord, nowIso } from './state';

/*
 * External client providers ("OpenID Connect Dynamic Client Registration"), snake_case as yaac
 * sends them. Choices where the platform is undocumented ([INF] in reference/anypoint.md):
 * - Create and any patch touching the issuer or registration URL check what can be checked without
 *   guessing at the IdP: the registration URL must be an absolute http(s) URL (else 400 "Invalid OIDC
 *   provider client registration URL provided"), and the issuer is called for its discovery document
 *   (reference #53: the platform validates by calling the IdP, which must be reachable); an issuer nobody
 *   answers at gets 400 "Invalid OIDC provider issuer provided". The registration URL itself is NOT called:
 *   RFC 7591 defines only POST there, so a GET says nothing (a compliant provider answers 404 or 405), and a
 *   POST would register a client. A wrong registration URL surfaces when an application is registered.
 *   A wrong or blank Authorization header is not detected either, as on the platform (seed 004).
 * - Reads never return `primary_client.secret`, and return `client.registration.authorization` with
 *   its credential masked (`SSWS ********`): the scheme stays visible so a reader can tell SSWS from Bearer.
 * - At most 25 external providers per organization (managing-api-clients.adoc).
 * - Deleting a provider makes its API instances and applications fall back to Anypoint's own provider
 *   (providerId null); contracts remain and OpenID Connect policies then fail at the gateway.
 */

export const CLIENT_PROVIDER_TYPE = 'openid-dynamic-client';
const MAX_PROVIDERS = 25;

export function maskAuthorization(value: string): string {
  if (!value.trim()) return '';
  const space = value.indexOf(' ');
  return space > 0 ? `${value.slice(0, space)} ********` : '********';
}

export function clientProviderView(orgId: string, p: ClientProviderRecord) {
  return {
    provider_id: p.providerId,
    org_id: orgId,
    name: p.name,
    type: { name: CLIENT_PROVIDER_TYPE, description: p.typeDescription },
    allow_untrusted_certificates: p.allowUntrustedCertificates,
    oidc_dynamic_client_provider: {
      allow_local_client_deletion: p.allowLocalClientDeletion,
      allow_external_client_modification: p.allowExternalClientModification,
      allow_client_import: p.allowClientImport,
      issuer: p.issuer,
      client_request_timeout: p.clientRequestTimeout,
      urls: { ...p.urls },
      client: { urls: { register: p.registerUrl }, registration: { authorization: maskAuthorization(p.registrationAuthorization) } },
      primary_client: { id: p.primaryClient.id },
      ...(p.grantTypesSupported ? { grant_types_supported: p.grantTypesSupported } : {}),
    },
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

export function clientProviderSummary(orgId: string, p: ClientProviderRecord) {
  return { provider_id: p.providerId, org_id: orgId, name: p.name, type: { name: CLIENT_PROVIDER_TYPE, description: p.typeDescription } };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Checks a provider's settings before they are accepted; returns what the issuer's discovery document tells. */
async function checkProvider(p: Pick<ClientProviderRecord, 'issuer' | 'registerUrl' | 'clientRequestTimeout' | 'allowUntrustedCertificates'>) {
  if (!isHttpUrl(p.registerUrl)) throw accountsError(400, 'Invalid OIDC provider client registration URL provided');
  const common = { timeoutMs: timeoutMs(p.clientRequestTimeout), allowUntrustedCertificates: p.allowUntrustedCertificates };
  try {
    const meta = await discover(p.issuer, common);
    const grants = meta?.grant_types_supported;
    return { grantTypesSupported: Array.isArray(grants) ? grants.filter((g): g is string => typeof g === 'string') : undefined };
  } catch (err) {
    if (err instanceof ProviderUnreachableError) throw accountsError(400, 'Invalid OIDC provider issuer provided');
    throw err;
  }
}

const urlString = { type: 'string', minLength: 1 };
const providerBody = {
  type: 'object',
  required: ['name', 'type', 'oidc_dynamic_client_provider'],
  properties: {
    name: { type: 'string', minLength: 1 },
    type: { type: 'object', required: ['name'], properties: { name: { type: 'string', enum: [CLIENT_PROVIDER_TYPE] }, description: { type: 'string' } } },
    allow_untrusted_certificates: { type: 'boolean' },
    oidc_dynamic_client_provider: {
      type: 'object',
      required: ['issuer', 'urls', 'client', 'primary_client'],
      properties: {
        allow_local_client_deletion: { type: 'boolean' },
        allow_external_client_modification: { type: 'boolean' },
        allow_client_import: { type: 'boolean' },
        issuer: urlString,
        client_request_timeout: { type: 'integer', minimum: 0 },
        urls: { type: 'object', required: ['authorize', 'token', 'introspect'], properties: { authorize: urlString, token: urlString, introspect: urlString } },
        client: {
          type: 'object',
          required: ['urls'],
          properties: {
            urls: { type: 'object', required: ['register'], properties: { register: urlString } },
            registration: { type: 'object', properties: { authorization: { type: 'string' } } },
          },
        },
        primary_client: { type: 'object', required: ['id', 'secret'], properties: { id: { type: 'string', minLength: 1 }, secret: { type: 'string', minLength: 1 } } },
      },
    },
  },
};

const patchBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    type: { type: 'object', properties: { description: { type: 'string' } } },
    allow_untrusted_certificates: { type: 'boolean' },
    oidc_dynamic_client_provider: {
      type: 'object',
      properties: {
        allow_local_client_deletion: { type: 'boolean' },
        allow_external_client_modification: { type: 'boolean' },
        allow_client_import: { type: 'boolean' },
        issuer: urlString,
        client_request_timeout: { type: 'integer', minimum: 0 },
        urls: { type: 'object', properties: { authorize: urlString, token: urlString, introspect: urlString } },
        client: {
          type: 'object',
          properties: {
            urls: { type: 'object', properties: { register: urlString } },
            registration: { type: 'object', properties: { authorization: { type: 'string' } } },
          },
        },
        primary_client: { type: 'object', properties: { id: { type: 'string', minLength: 1 }, secret: { type: 'string', minLength: 1 } } },
      },
    },
  },
};

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (isRecord(v) ? v : {});

export function registerClientProviders(app: FastifyInstance, ctx: AnypointContext): void {
  const base = '/accounts/api/organizations/:orgId/clientProviders';
  const find = (id: string) => {
    const p = ctx.state.clientProviders.find((c) => c.providerId === id);
    if (!p) throw accountsNotFound();
    return p;
  };

  app.get<{ Params: { orgId: string } }>(base, async (req) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const all = ctx.state.clientProviders;
    return { data: all.map((p) => clientProviderSummary(ctx.state.org.id, p)), total: all.length };
  });

  app.get<{ Params: { orgId: string; providerId: string } }>(`${base}/:providerId`, async (req) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    return clientProviderView(ctx.state.org.id, find(req.params.providerId));
  });

  // Creates still checking their provider hold a place: the limit counts them, so concurrent creates cannot pass it.
  let creating = 0;
  app.post<{ Params: { orgId: string }; Body: Json }>(base, { schema: { body: providerBody } }, async (req, reply) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    if (ctx.state.clientProviders.length + creating >= MAX_PROVIDERS) throw accountsError(400, `An organization can have at most ${MAX_PROVIDERS} external client providers`);
    creating++;
    try {
      return await createProvider(req.body, reply);
    } finally {
      creating--;
    }
  });

  const createProvider = async (body: Json, reply: FastifyReply) => {
    const oidc = obj(body.oidc_dynamic_client_provider);
    const urls = obj(oidc.urls);
    const client = obj(oidc.client);
    const now = nowIso();
    const draft: ClientProviderRecord = {
      providerId: randomUUID(),
      name: String(body.name),
      typeDescription: String(obj(body.type).description ?? 'OpenID Connect Dynamic Client Registration'),
      allowUntrustedCertificates: body.allow_untrusted_certificates === true,
      allowLocalClientDeletion: oidc.allow_local_client_deletion === true,
      allowExternalClientModification: oidc.allow_external_client_modification === true,
      allowClientImport: oidc.allow_client_import === true,
      issuer: String(oidc.issuer),
      clientRequestTimeout: typeof oidc.client_request_timeout === 'number' ? oidc.client_request_timeout : 5000,
      urls: { authorize: String(urls.authorize), token: String(urls.token), introspect: String(urls.introspect) },
      registerUrl: String(obj(client.urls).register),
      registrationAuthorization: String(obj(client.registration).authorization ?? ''),
      primaryClient: { id: String(obj(oidc.primary_client).id), secret: String(obj(oidc.primary_client).secret) },
      createdAt: now,
      updatedAt: now,
    };
    const facts = await checkProvider(draft);
    const record = { ...draft, ...(facts.grantTypesSupported ? { grantTypesSupported: facts.grantTypesSupported } : {}) };
    ctx.state.clientProviders.push(record);
    return reply.code(201).send(clientProviderView(ctx.state.org.id, record));
  };

  app.patch<{ Params: { orgId: string; providerId: string }; Body: Json }>(`${base}/:providerId`, { schema: { body: patchBody } }, async (req) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const current = find(req.params.providerId);
    const body = req.body;
    const oidc = obj(body.oidc_dynamic_client_provider);
    const urls = obj(oidc.urls);
    const client = obj(oidc.client);
    const primary = obj(oidc.primary_client);
    const next: ClientProviderRecord = {
      ...current,
      name: typeof body.name === 'string' ? body.name : current.name,
      typeDescription: typeof obj(body.type).description === 'string' ? String(obj(body.type).description) : current.typeDescription,
      allowUntrustedCertificates: typeof body.allow_untrusted_certificates === 'boolean' ? body.allow_untrusted_certificates : current.allowUntrustedCertificates,
      allowLocalClientDeletion: typeof oidc.allow_local_client_deletion === 'boolean' ? oidc.allow_local_client_deletion : current.allowLocalClientDeletion,
      allowExternalClientModification: typeof oidc.allow_external_client_modification === 'boolean' ? oidc.allow_external_client_modification : current.allowExternalClientModification,
      allowClientImport: typeof oidc.allow_client_import === 'boolean' ? oidc.allow_client_import : current.allowClientImport,
      issuer: typeof oidc.issuer === 'string' ? oidc.issuer : current.issuer,
      clientRequestTimeout: typeof oidc.client_request_timeout === 'number' ? oidc.client_request_timeout : current.clientRequestTimeout,
      urls: { ...current.urls, ...(urls as Partial<ClientProviderRecord['urls']>) },
      registerUrl: typeof obj(client.urls).register === 'string' ? String(obj(client.urls).register) : current.registerUrl,
      registrationAuthorization: typeof obj(client.registration).authorization === 'string' ? String(obj(client.registration).authorization) : current.registrationAuthorization,
      primaryClient: { id: typeof primary.id === 'string' ? primary.id : current.primaryClient.id, secret: typeof primary.secret === 'string' ? primary.secret : current.primaryClient.secret },
      updatedAt: nowIso(),
    };
    if (next.issuer !== current.issuer || next.registerUrl !== current.registerUrl) {
      const facts = await checkProvider(next);
      next.grantTypesSupported = facts.grantTypesSupported;
    }
    const providers = ctx.state.clientProviders;
    providers[providers.indexOf(current)] = next;
    return clientProviderView(ctx.state.org.id, next);
  });

  app.delete<{ Params: { orgId: string; providerId: string } }>(`${base}/:providerId`, async (req, reply) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const state = ctx.state;
    const provider = find(req.params.providerId);
    state.clientProviders = state.clientProviders.filter((p) => p !== provider);
    for (const api of state.apis) if (api.providerId === provider.providerId) api.providerId = null;
    for (const a of state.applications) if (a.providerId === provider.providerId) a.providerId = null;
    return reply.code(204).send();
  });
}
