import type { FastifyInstance } from 'fastify';
import { BLANK, notFound, OAUTH, OAuthError, type ErrorCause } from './errors';
import { authenticateManagementRequest } from './org-auth/guard';
import { nowIso, objectBody, type OktaContext } from './http';
import { paginate } from './pagination';
import { newSecretRecord, oauthClientDocument, reconcileSecrets, removeApp, storeNewApp } from './apps';
import { normalizeClient, SECRET_METHODS } from './client-settings';
import { appTarget, logEvent } from './system-log';
import type { AppRecord } from './state';

/*
 * OAuth 2.0 Dynamic Client Registration at org level (`/oauth2/v1/clients`, RFC 7591 fields). A registered
 * client IS an OIDC app: it shows up in `/api/v1/apps` with the same id, and every OIDC app shows up here.
 *
 * Okta's DCR defaults: application_type web, response_types [code], grant_types [authorization_code],
 * token_endpoint_auth_method client_secret_basic, consent_method REQUIRED. `client_secret` is returned by
 * create and newSecret only (and by replace when the replace is what gave the client its first secret,
 * since it could not be read anywhere else). Validation failures use the OAuth body
 * `{"error":"invalid_client_metadata","error_description":"`client_name`: The field can't be left blank."}`;
 * 401/404/429 use Okta's error body.
 *
 * Authentication is the SSWS API token. A blank or missing Authorization header gets
 * 401 `invalid_client` "Invalid value for 'client_id' parameter." — the words seed 004 reports when the
 * registration header configured in Anypoint is left blank (the request then reads as an OAuth client
 * call without a client); a non-blank header with a wrong token gets 401 E0000011 like the management API.
 */

/** RFC 7591 / OIDC DCR metadata Okta keeps beyond the core fields. */
const EXTRA_METADATA = [
  'client_uri',
  'logo_uri',
  'policy_uri',
  'tos_uri',
  'initiate_login_uri',
  'jwks',
  'jwks_uri',
  'request_object_signing_alg',
  'id_token_encrypted_response_alg',
  'frontchannel_logout_uri',
  'frontchannel_logout_session_required',
];
const READ_ONLY = ['client_id_issued_at', 'client_secret_expires_at'];

export function renderClient(app: AppRecord, withSecret = false) {
  const c = app.oauthClient;
  const usesSecret = SECRET_METHODS.includes(app.credentials.token_endpoint_auth_method);
  const extra = Object.fromEntries(EXTRA_METADATA.filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));
  return {
    client_id: app.clientId,
    ...(withSecret && usesSecret ? { client_secret: app.secrets.find((s) => s.status === 'ACTIVE')?.secret } : {}),
    client_id_issued_at: app.clientIdIssuedAt,
    ...(usesSecret ? { client_secret_expires_at: 0 } : {}),
    client_name: app.label,
    client_uri: (c.client_uri as string | undefined) ?? null,
    logo_uri: (c.logo_uri as string | undefined) ?? null,
    ...extra,
    application_type: c.application_type,
    redirect_uris: [...c.redirect_uris],
    ...(c.post_logout_redirect_uris.length ? { post_logout_redirect_uris: [...c.post_logout_redirect_uris] } : {}),
    response_types: [...c.response_types],
    grant_types: [...c.grant_types],
    token_endpoint_auth_method: app.credentials.token_endpoint_auth_method,
  };
}

/** DCR reports the first cause as `invalid_client_metadata` (Okta names one field per error). */
function metadataError(causes: ErrorCause[]): OAuthError {
  const first = causes[0];
  return OAUTH.invalidClientMetadata(first.field, first.message === BLANK ? "The field can't be left blank." : `${first.message}.`);
}

function readClient(body: Record<string, unknown>) {
  const causes: ErrorCause[] = [];
  if (typeof body.client_name !== 'string' || body.client_name.trim() === '') causes.push({ field: 'client_name', message: BLANK });
  for (const field of READ_ONLY) if (body[field] !== undefined) causes.push({ field, message: 'The field is read-only and cannot be set' });
  const extra = Object.fromEntries(EXTRA_METADATA.filter((k) => body[k] !== undefined && body[k] !== null).map((k) => [k, body[k]]));
  const { spec, causes: clientCauses } = normalizeClient(
    {
      application_type: body.application_type,
      grant_types: body.grant_types,
      response_types: body.response_types,
      redirect_uris: body.redirect_uris,
      post_logout_redirect_uris: body.post_logout_redirect_uris,
      token_endpoint_auth_method: body.token_endpoint_auth_method,
      extra,
    },
    { consentMethod: 'REQUIRED', grantTypes: ['authorization_code'] },
    (field) => field,
  );
  causes.push(...clientCauses);
  if (causes.length) {
    const invalidUri = causes.find((c) => c.field === 'redirect_uris' && c.message.includes('not a valid'));
    throw invalidUri ? OAUTH.invalidRedirectUri(invalidUri.message) : metadataError(causes);
  }
  return {
    label: (body.client_name as string).trim(),
    credentials: { token_endpoint_auth_method: spec.token_endpoint_auth_method, autoKeyRotation: true, pkce_required: spec.pkce_required },
    oauthClient: oauthClientDocument(spec),
  };
}

type ClientParams = { clientId: string };
const BASE = '/oauth2/v1/clients';

export function registerDynamicClientRegistration(app: FastifyInstance, ctx: OktaContext): void {
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || /^\s*(SSWS\s*)?$/i.test(header)) throw OAUTH.invalidClientId();
    authenticateManagementRequest(ctx, req, () => OAUTH.invalidClientId());
  });

  const clientOr404 = (clientId: string) => {
    const found = Object.values(ctx.state.apps).find((a) => a.clientId === clientId);
    if (!found) throw notFound(clientId, 'AppInstance');
    return found;
  };

  app.get<{ Querystring: { q?: string } }>(BASE, async function listClients(req, reply) {
    let apps = Object.values(ctx.state.apps);
    const q = req.query.q?.toLowerCase();
    if (q) apps = apps.filter((a) => a.label.toLowerCase().startsWith(q));
    return paginate(ctx, req, reply, apps, { defaultLimit: 20, maxLimit: 200 }, (id) => ctx.state.apps[id]).map((a) => renderClient(a));
  });

  app.post(BASE, async function createClient(req, reply) {
    const fields = readClient(objectBody(req.body));
    const created = storeNewApp(ctx, { ...fields, registeredVia: 'dcr', status: 'ACTIVE', settings: {}, accessibility: {}, visibility: {} });
    logEvent(ctx, req, {
      eventType: 'application.lifecycle.create',
      displayMessage: 'Create application',
      target: [appTarget(created)],
      debugData: { registration: 'dynamic_client_registration' },
    });
    return reply.code(201).send(renderClient(created, true));
  });

  app.get<{ Params: ClientParams }>(`${BASE}/:clientId`, async function getClient(req) {
    return renderClient(clientOr404(req.params.clientId));
  });

  app.put<{ Params: ClientParams }>(`${BASE}/:clientId`, async function replaceClient(req) {
    const existing = clientOr404(req.params.clientId);
    const body = objectBody(req.body);
    if (body.client_id !== undefined && body.client_id !== existing.clientId) throw OAUTH.invalidClientMetadata('client_id', 'The client_id cannot be changed.');
    const hadSecret = existing.secrets.length > 0;
    Object.assign(existing, readClient(body), { lastUpdated: nowIso() });
    reconcileSecrets(existing);
    logEvent(ctx, req, { eventType: 'application.lifecycle.update', displayMessage: 'Update application', target: [appTarget(existing)], debugData: { registration: 'dynamic_client_registration' } });
    return renderClient(existing, !hadSecret);
  });

  app.delete<{ Params: ClientParams }>(`${BASE}/:clientId`, async function deleteClient(req, reply) {
    const existing = clientOr404(req.params.clientId);
    removeApp(ctx, existing);
    logEvent(ctx, req, { eventType: 'application.lifecycle.delete', displayMessage: 'Delete application', target: [appTarget(existing)], debugData: { registration: 'dynamic_client_registration' } });
    return reply.code(204).send();
  });

  app.post<{ Params: ClientParams }>(`${BASE}/:clientId/lifecycle/newSecret`, async function generateNewClientSecret(req) {
    const existing = clientOr404(req.params.clientId);
    const method = existing.credentials.token_endpoint_auth_method;
    if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
      throw OAUTH.invalidClientMetadata('token_endpoint_auth_method', `A new secret can only be generated for client_secret_basic or client_secret_post clients, not ${method}.`);
    }
    existing.secrets = [newSecretRecord()];
    existing.lastUpdated = nowIso();
    logEvent(ctx, req, { eventType: 'app.oauth2.credentials.lifecycle.create', displayMessage: 'Create OAuth 2.0 client secret', target: [appTarget(existing)] });
    return renderClient(existing, true);
  });
}

