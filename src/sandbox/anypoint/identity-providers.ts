import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { accountsError, accountsNotFound } from './errors';
import { AnypointContext, isRecord, requireOrg } from './http';
import { callProvider, providerMessage, ProviderUnreachableError } from './outbound';
import { IdentityProviderRecord, nowIso } from './state';

/*
 * OpenID Connect identity providers (SSO into Anypoint), per the idp spec: manual registration
 * (client credentials given) or dynamic registration (Anypoint registers a web client at the IdP).
 * Choices where the references are silent:
 * - The generated redirect URI is `{baseUrl}/accounts/login/{domain}/providers/{providerId}/redirect` and the SP
 *   sign-on URL `{baseUrl}/accounts/login/{domain}/providers/{providerId}`; read them from the API, as the docs say.
 *   They use the sandbox's own base URL, not the request's host: the redirect URI is registered with the
 *   identity provider once, and must not change with whoever reads it.
 * - Dynamic registration registers a confidential web client (authorization_code, response type code,
 *   client_secret_basic, redirect_uris = [the redirect URI]); an unreachable or refusing registration
 *   endpoint answers 400 "Invalid OIDC provider client registration URL provided" (with the IdP's words).
 * - Reads never return the client secret (it is optional in the GET schema) and mask the registration header.
 * - Only the `openid` type is emulated; SAML and LDAP bodies get a 400.
 */

export function redirectUrl(baseUrl: string, domain: string, providerId: string): string {
  return `${baseUrl}/accounts/login/${encodeURIComponent(domain)}/providers/${providerId}/redirect`;
}

export function signOnUrl(baseUrl: string, domain: string, providerId: string): string {
  return `${baseUrl}/accounts/login/${encodeURIComponent(domain)}/providers/${providerId}`;
}

function mask(value: string): string {
  const space = value.indexOf(' ');
  return value.trim() ? (space > 0 ? `${value.slice(0, space)} ********` : '********') : '';
}

export function identityProviderView(ctx: AnypointContext, p: IdentityProviderRecord) {
  const { org } = ctx.state;
  const client: Record<string, unknown> = { credentials: { id: p.clientId } };
  if (p.registration === 'dynamic') {
    client.urls = { register: p.registerUrl ?? '' };
    client.registration = { authorization: mask(p.registrationAuthorization ?? '') };
    if (p.metadataName) client.metadata = { name: p.metadataName };
  }
  client.token_endpoint_auth_methods_supported = ['client_secret_basic'];
  return {
    provider_id: p.providerId,
    org_id: org.id,
    name: p.name,
    type: { name: 'openid' },
    allow_untrusted_certificates: p.allowUntrustedCertificates,
    login_disabled: p.loginDisabled,
    oidc_provider: {
      client,
      issuer: p.issuer,
      urls: { ...p.urls, redirect: redirectUrl(ctx.baseUrl, org.domain, p.providerId) },
      ...(p.groupScope !== undefined ? { group_scope: p.groupScope } : {}),
      ...(p.groupExpression !== undefined ? { claims_mapping: { group_expression: p.groupExpression } } : {}),
    },
    service_provider: { urls: { sign_on: signOnUrl(ctx.baseUrl, org.domain, p.providerId) } },
  };
}

const str = { type: 'string', minLength: 1 };
const urlsSchema = { type: 'object', required: ['authorize', 'token', 'userinfo'], properties: { authorize: str, token: str, userinfo: str } };
const createBody = {
  type: 'object',
  required: ['name', 'type', 'oidc_provider'],
  properties: {
    name: str,
    type: { type: 'object', required: ['name'], properties: { name: { type: 'string', enum: ['openid'] }, description: { type: 'string' } } },
    oidc_provider: {
      type: 'object',
      required: ['client', 'urls'],
      properties: {
        client: {
          type: 'object',
          properties: {
            credentials: { type: 'object', required: ['id', 'secret'], properties: { id: str, secret: str } },
            urls: { type: 'object', required: ['register'], properties: { register: str } },
            registration: { type: 'object', required: ['authorization'], properties: { authorization: { type: 'string' } } },
            metadata: { type: 'object', properties: { name: { type: 'string' } } },
          },
        },
        issuer: { type: 'string' },
        urls: urlsSchema,
        group_scope: { type: 'string' },
        claims_mapping: { type: 'object', properties: { group_expression: { type: 'string' } } },
      },
    },
    allow_untrusted_certificates: { type: 'boolean' },
    login_disabled: { type: 'boolean' },
  },
};

const patchBody = {
  type: 'object',
  properties: {
    name: str,
    type: { type: 'object' },
    oidc_provider: {
      type: 'object',
      properties: {
        client: {
          type: 'object',
          properties: {
            credentials: { type: 'object', properties: { id: str, secret: str } },
            urls: { type: 'object', properties: { register: str } },
            registration: { type: 'object', properties: { authorization: { type: 'string' } } },
            metadata: { type: 'object', properties: { name: { type: 'string' } } },
          },
        },
        issuer: { type: 'string' },
        urls: { type: 'object', properties: { authorize: str, token: str, userinfo: str } },
        group_scope: { type: 'string' },
        claims_mapping: { type: 'object', properties: { group_expression: { type: 'string' } } },
      },
    },
    allow_untrusted_certificates: { type: 'boolean' },
    login_disabled: { type: 'boolean' },
  },
};

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (isRecord(v) ? v : {});

/** Registers Anypoint's SSO client at the IdP (dynamic registration) and returns its credentials. */
async function registerSsoClient(registerUrl: string, authorization: string, clientName: string, redirect: string, allowUntrusted: boolean) {
  try {
    const res = await callProvider(registerUrl, {
      method: 'POST',
      headers: authorization.trim() ? { authorization } : {},
      body: {
        client_name: clientName,
        redirect_uris: [redirect],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        application_type: 'web',
      },
      timeoutMs: 10_000,
      allowUntrustedCertificates: allowUntrusted,
    });
    const body = obj(res.json);
    if (res.status >= 300 || typeof body.client_id !== 'string') {
      throw accountsError(400, `Invalid OIDC provider client registration URL provided: ${providerMessage(res)}`);
    }
    return { clientId: body.client_id, clientSecret: typeof body.client_secret === 'string' ? body.client_secret : '' };
  } catch (err) {
    if (err instanceof ProviderUnreachableError) throw accountsError(400, 'Invalid OIDC provider client registration URL provided');
    throw err;
  }
}

export function registerIdentityProviders(app: FastifyInstance, ctx: AnypointContext): void {
  const base = '/accounts/api/organizations/:orgId/identityProviders';
  const find = (id: string) => {
    const p = ctx.state.identityProviders.find((i) => i.providerId === id);
    if (!p) throw accountsNotFound();
    return p;
  };

  app.get<{ Params: { orgId: string } }>(base, async (req) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const all = ctx.state.identityProviders;
    return { data: all.map((p) => ({ provider_id: p.providerId, org_id: ctx.state.org.id, name: p.name, type: { name: 'openid' } })), total: all.length };
  });

  app.get<{ Params: { orgId: string; idpId: string } }>(`${base}/:idpId`, async (req) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    return identityProviderView(ctx, find(req.params.idpId));
  });

  app.post<{ Params: { orgId: string }; Body: Json }>(base, { schema: { body: createBody } }, async (req) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const body = req.body;
    const oidc = obj(body.oidc_provider);
    const client = obj(oidc.client);
    const urls = obj(oidc.urls);
    const credentials = isRecord(client.credentials) ? client.credentials : undefined;
    const registerUrl = typeof obj(client.urls).register === 'string' ? String(obj(client.urls).register) : undefined;
    if (!credentials && !registerUrl) {
      throw accountsError(400, 'oidc_provider.client needs either credentials (manual registration) or urls.register (dynamic registration)');
    }
    const providerId = randomUUID();
    const allowUntrusted = body.allow_untrusted_certificates === true;
    const record: IdentityProviderRecord = {
      providerId,
      name: String(body.name),
      registration: credentials ? 'manual' : 'dynamic',
      issuer: typeof oidc.issuer === 'string' ? oidc.issuer : '',
      urls: { authorize: String(urls.authorize), token: String(urls.token), userinfo: String(urls.userinfo) },
      clientId: credentials ? String(credentials.id) : '',
      clientSecret: credentials ? String(credentials.secret) : '',
      groupScope: typeof oidc.group_scope === 'string' ? oidc.group_scope : undefined,
      groupExpression: typeof obj(oidc.claims_mapping).group_expression === 'string' ? String(obj(oidc.claims_mapping).group_expression) : undefined,
      allowUntrustedCertificates: allowUntrusted,
      loginDisabled: body.login_disabled === true,
      createdAt: nowIso(),
    };
    if (!credentials && registerUrl) {
      const authorization = String(obj(client.registration).authorization ?? '');
      const metadataName = typeof obj(client.metadata).name === 'string' ? String(obj(client.metadata).name) : undefined;
      const registered = await registerSsoClient(registerUrl, authorization, metadataName ?? record.name, redirectUrl(ctx.baseUrl, ctx.state.org.domain, providerId), allowUntrusted);
      Object.assign(record, { registerUrl, registrationAuthorization: authorization, metadataName, ...registered });
    }
    ctx.state.identityProviders.push(record);
    return identityProviderView(ctx, record);
  });

  app.patch<{ Params: { orgId: string; idpId: string }; Body: Json }>(`${base}/:idpId`, { schema: { body: patchBody } }, async (req) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const p = find(req.params.idpId);
    const body = req.body;
    const oidc = obj(body.oidc_provider);
    const client = obj(oidc.client);
    const credentials = obj(client.credentials);
    if (typeof body.name === 'string') p.name = body.name;
    if (typeof body.allow_untrusted_certificates === 'boolean') p.allowUntrustedCertificates = body.allow_untrusted_certificates;
    if (typeof body.login_disabled === 'boolean') p.loginDisabled = body.login_disabled;
    if (typeof oidc.issuer === 'string') p.issuer = oidc.issuer;
    if (isRecord(oidc.urls)) p.urls = { ...p.urls, ...(oidc.urls as Partial<IdentityProviderRecord['urls']>) };
    if (typeof credentials.id === 'string') p.clientId = credentials.id;
    if (typeof credentials.secret === 'string') p.clientSecret = credentials.secret;
    if (typeof obj(client.urls).register === 'string') p.registerUrl = String(obj(client.urls).register);
    if (typeof obj(client.registration).authorization === 'string') p.registrationAuthorization = String(obj(client.registration).authorization);
    if (typeof obj(client.metadata).name === 'string') p.metadataName = String(obj(client.metadata).name);
    if (typeof oidc.group_scope === 'string') p.groupScope = oidc.group_scope;
    if (typeof obj(oidc.claims_mapping).group_expression === 'string') p.groupExpression = String(obj(oidc.claims_mapping).group_expression);
    return identityProviderView(ctx, p);
  });

  app.delete<{ Params: { orgId: string; idpId: string } }>(`${base}/:idpId`, async (req, reply) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const p = find(req.params.idpId);
    ctx.state.identityProviders = ctx.state.identityProviders.filter((i) => i !== p);
    return reply.code(204).send();
  });
}
