import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { oktaId, randomAlphanumeric } from '../core';
import { deleteActiveApplication, notFound, validationFailed, type ErrorCause } from './errors';
import { compileRestrictedFilter } from './filter';
import { indexed } from './search-lag';
import { absolute, booleanParam, clone, isRecord, nextSeq, nowIso, nowSeconds, objectBody, type OktaContext } from './http';
import { paginate, rememberDeleted } from './pagination';
import { appTarget, logEvent } from './system-log';
import { clientIdCauses, generateClientSecret, normalizeClient, SECRET_METHODS, type ClientSpec } from './client-settings';
import type { AppRecord, ClientSecretRecord, OktaState } from './state';

/*
 * Applications (`/api/v1/apps`): OpenID Connect apps (`name: oidc_client`, signOnMode OPENID_CONNECT) of
 * every type (web, service, browser, native). The client_id is the app id unless the caller picks one.
 *
 * Client secrets: a confidential client gets a generated secret; per the spec ("The client_secret is
 * shown only on the response of the creation or update of a client Application") it is echoed in the
 * create and replace responses and never in GET or list. It stays readable through
 * `/api/v1/apps/{id}/credentials/secrets`, which is where a client that lost it reads it again.
 *
 * Lifecycle: create activates unless `activate=false`; activate/deactivate answer 200 with no body (the
 * spec documents no body; real orgs send `{}`); only an INACTIVE app can be deleted (403 E0000056).
 * Other sign-on modes (SAML, bookmark, SWA, …) are not emulated and are refused with E0000001 on `name`.
 */

const FILTERABLE = ['id', 'status', 'name', 'credentials.signing.kid', 'settings.slo.enabled'];
const MAX_SECRETS = 2;

export function appOr404(ctx: OktaContext, appId: string): AppRecord {
  const app = ctx.state.apps[appId];
  if (!app) throw notFound(appId, 'AppInstance');
  return app;
}

export function appByClientId(state: OktaState, clientId: string): AppRecord | undefined {
  const byId = state.apps[clientId];
  if (byId && byId.clientId === clientId) return byId;
  return Object.values(state.apps).find((a) => a.clientId === clientId);
}

/** The secret a confidential client authenticates with (any ACTIVE one does). */
export function activeSecrets(app: AppRecord): ClientSecretRecord[] {
  return app.secrets.filter((s) => s.status === 'ACTIVE');
}

export function newSecretRecord(secret = generateClientSecret()): ClientSecretRecord {
  const at = nowIso();
  return { id: oktaId('ocs'), secret, status: 'ACTIVE', created: at, lastUpdated: at };
}

const secretHash = (secret: string): string => createHash('sha256').update(secret).digest().subarray(0, 16).toString('base64url');

/** The app as the Apps API renders it; `withSecret` on create/replace responses only. */
export function renderApp(ctx: OktaContext, app: AppRecord, withSecret = false) {
  const self = `/api/v1/apps/${app.id}`;
  const lifecycle = app.status === 'ACTIVE' ? 'deactivate' : 'activate';
  const secret = withSecret ? activeSecrets(app)[0]?.secret : undefined;
  return {
    id: app.id,
    orn: `orn:okta:idp:${ctx.state.org.id}:apps:oidc_client:${app.id}`,
    name: app.name,
    label: app.label,
    status: app.status,
    created: app.created,
    lastUpdated: app.lastUpdated,
    // The spec types errorRedirectUrl/loginRedirectUrl as non-null strings, so unset ones are left out.
    accessibility: { selfService: false, ...clone(app.accessibility) },
    visibility: { autoLaunch: false, autoSubmitToolbar: false, hide: { iOS: true, web: true }, appLinks: { oidc_client_link: true }, ...clone(app.visibility) },
    features: [],
    signOnMode: app.signOnMode,
    credentials: {
      userNameTemplate: { template: '${source.login}', type: 'BUILT_IN' },
      signing: { kid: app.signingKid },
      oauthClient: {
        autoKeyRotation: app.credentials.autoKeyRotation,
        client_id: app.clientId,
        ...(secret ? { client_secret: secret } : {}),
        token_endpoint_auth_method: app.credentials.token_endpoint_auth_method,
        pkce_required: app.credentials.pkce_required,
      },
    },
    settings: {
      app: {},
      notifications: { vpn: { network: { connection: 'DISABLED' }, message: null, helpUrl: null } },
      manualProvisioning: false,
      implicitAssignment: false,
      notes: { admin: null, enduser: null },
      ...clone(app.settings),
      oauthClient: clone(app.oauthClient),
    },
    ...(app.profile ? { profile: clone(app.profile) } : {}),
    _links: {
      uploadLogo: { href: absolute(ctx, `${self}/logo`), hints: { allow: ['POST'] } },
      appLinks: [{ name: 'oidc_client_link', href: absolute(ctx, `/home/oidc_client/${app.id}/aln${app.id.slice(3)}`), type: 'text/html' }],
      groups: { href: absolute(ctx, `${self}/groups`) },
      logo: [{ name: 'medium', href: absolute(ctx, '/assets/img/logos/default.png'), type: 'image/png' }],
      users: { href: absolute(ctx, `${self}/users`) },
      [lifecycle]: { href: absolute(ctx, `${self}/lifecycle/${lifecycle}`) },
    },
  };
}

/** The `settings.oauthClient` document stored for a spec (Okta adds the idp-initiated and wildcard defaults). */
export function oauthClientDocument(spec: ClientSpec): AppRecord['oauthClient'] {
  return {
    ...spec.extra,
    redirect_uris: spec.redirect_uris,
    post_logout_redirect_uris: spec.post_logout_redirect_uris,
    response_types: spec.response_types,
    grant_types: spec.grant_types,
    application_type: spec.application_type,
    consent_method: spec.consent_method,
    issuer_mode: (spec.extra.issuer_mode as string | undefined) ?? 'ORG_URL',
    idp_initiated_login: spec.extra.idp_initiated_login ?? { mode: 'DISABLED', default_scope: [] },
    wildcard_redirect: spec.extra.wildcard_redirect ?? 'DISABLED',
    dpop_bound_access_tokens: spec.extra.dpop_bound_access_tokens ?? false,
    ...(spec.grant_types.includes('refresh_token')
      ? { refresh_token: spec.extra.refresh_token ?? { rotation_type: spec.application_type === 'browser' ? 'ROTATE' : 'STATIC', leeway: 30 } }
      : {}),
  };
}

/** Gives a confidential client a secret when it has none; drops them when it becomes public. */
export function reconcileSecrets(app: AppRecord, requested?: string): void {
  if (!SECRET_METHODS.includes(app.credentials.token_endpoint_auth_method)) {
    app.secrets = [];
    return;
  }
  if (requested && !app.secrets.some((s) => s.secret === requested)) app.secrets = [newSecretRecord(requested)];
  if (activeSecrets(app).length === 0) app.secrets.push(newSecretRecord());
}

const SETTINGS_FIELD = (f: string) => (['token_endpoint_auth_method', 'pkce_required', 'client_id', 'client_secret'].includes(f) ? `credentials.oauthClient.${f}` : `settings.oauthClient.${f}`);

/** Validates an Apps API body (create or full replace) into the record's writable fields. */
function readApp(ctx: OktaContext, body: Record<string, unknown>, existing?: AppRecord) {
  const causes: ErrorCause[] = [];
  const add = (field: string, message: string) => causes.push({ field, message });
  if (!existing && body.name !== undefined && body.name !== 'oidc_client') {
    add('name', `The sandbox emulates OpenID Connect apps only ('oidc_client'); '${String(body.name)}' is not supported`);
  }
  if (!existing && body.name === undefined) add('name', 'The field cannot be left blank');
  if (body.signOnMode !== 'OPENID_CONNECT') add('signOnMode', body.signOnMode === undefined ? 'The field cannot be left blank' : `'${String(body.signOnMode)}' is not supported; use OPENID_CONNECT`);
  if (typeof body.label !== 'string' || body.label.trim() === '') add('label', 'The field cannot be left blank');
  else if (body.label.length > 100) add('label', 'The field is too long; the maximum length is 100');

  const settings = isRecord(body.settings) ? body.settings : {};
  const oauthSettings = isRecord(settings.oauthClient) ? settings.oauthClient : undefined;
  if (!oauthSettings) add('settings.oauthClient', 'The field cannot be left blank');
  const credentials = isRecord(body.credentials) && isRecord(body.credentials.oauthClient) ? body.credentials.oauthClient : {};

  const { grant_types, response_types, redirect_uris, post_logout_redirect_uris, application_type, consent_method, ...extra } = oauthSettings ?? {};
  const { spec, causes: clientCauses } = normalizeClient(
    { application_type, grant_types, response_types, redirect_uris, post_logout_redirect_uris, consent_method, token_endpoint_auth_method: credentials.token_endpoint_auth_method, pkce_required: credentials.pkce_required, extra },
    { consentMethod: 'TRUSTED' },
    SETTINGS_FIELD,
  );
  if (oauthSettings) causes.push(...clientCauses);

  let clientId = existing?.clientId;
  if (typeof credentials.client_id === 'string' && credentials.client_id !== existing?.clientId) {
    if (existing) add('credentials.oauthClient.client_id', 'The client_id of an existing app cannot be changed');
    else {
      causes.push(...clientIdCauses(ctx.state, credentials.client_id, undefined, SETTINGS_FIELD));
      clientId = credentials.client_id;
    }
  }
  const requestedSecret = typeof credentials.client_secret === 'string' ? credentials.client_secret : undefined;
  if (requestedSecret !== undefined && (requestedSecret.length < 14 || requestedSecret.length > 100)) {
    add('credentials.oauthClient.client_secret', 'A client secret must be between 14 and 100 characters long');
  }
  if (causes.length) throw validationFailed(causes);

  const { oauthClient: _ignored, ...otherSettings } = settings;
  return {
    label: (body.label as string).trim(),
    clientId,
    requestedSecret,
    credentials: {
      token_endpoint_auth_method: spec.token_endpoint_auth_method,
      autoKeyRotation: credentials.autoKeyRotation !== false,
      pkce_required: spec.pkce_required,
    },
    oauthClient: oauthClientDocument(spec),
    settings: otherSettings,
    accessibility: isRecord(body.accessibility) ? body.accessibility : {},
    visibility: isRecord(body.visibility) ? body.visibility : {},
    profile: isRecord(body.profile) ? body.profile : undefined,
  };
}

/** Creates an app record (Apps API and DCR alike) and stores it. */
export function storeNewApp(
  ctx: OktaContext,
  fields: Omit<AppRecord, 'id' | 'seq' | 'created' | 'lastUpdated' | 'name' | 'signOnMode' | 'clientId' | 'clientIdIssuedAt' | 'secrets' | 'signingKid' | 'status'> & { clientId?: string; status: AppRecord['status'] },
  requestedSecret?: string,
): AppRecord {
  const id = oktaId('0oa');
  const at = nowIso();
  const app: AppRecord = {
    ...fields,
    id,
    seq: nextSeq(ctx.state),
    created: at,
    lastUpdated: at,
    name: 'oidc_client',
    signOnMode: 'OPENID_CONNECT',
    clientId: fields.clientId ?? id,
    clientIdIssuedAt: nowSeconds(),
    secrets: [],
    signingKid: randomAlphanumeric(43),
  };
  reconcileSecrets(app, requestedSecret);
  ctx.state.apps[id] = app;
  return app;
}

/** Removes an app and everything hanging off it (assignments, tokens, codes). */
export function removeApp(ctx: OktaContext, app: AppRecord): void {
  const state = ctx.state;
  delete state.apps[app.id];
  rememberDeleted(ctx, app);
  delete state.appGroups[app.id];
  delete state.appUsers[app.id];
  for (const [id, t] of Object.entries(state.tokens)) if (t.clientId === app.clientId) delete state.tokens[id];
  for (const [id, c] of Object.entries(state.codes)) if (c.clientId === app.clientId) delete state.codes[id];
}

function renderSecret(ctx: OktaContext, app: AppRecord, s: ClientSecretRecord) {
  const self = `/api/v1/apps/${app.id}/credentials/secrets/${s.id}`;
  const links: Record<string, unknown> =
    s.status === 'ACTIVE'
      ? { deactivate: { href: absolute(ctx, `${self}/lifecycle/deactivate`), hints: { allow: ['POST'] } } }
      : {
          activate: { href: absolute(ctx, `${self}/lifecycle/activate`), hints: { allow: ['POST'] } },
          delete: { href: absolute(ctx, self), hints: { allow: ['DELETE'] } },
        };
  return { id: s.id, status: s.status, client_secret: s.secret, secret_hash: secretHash(s.secret), created: s.created, lastUpdated: s.lastUpdated, _links: links };
}

type AppParams = { appId: string; secretId: string };
interface ListAppsQuery {
  q?: string;
  filter?: string;
}

export function registerApps(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Querystring: ListAppsQuery }>('/api/v1/apps', async function listApplications(req, reply) {
    let apps = indexed(ctx, Object.values(ctx.state.apps));
    if (req.query.q) {
      const prefix = req.query.q.toLowerCase();
      apps = apps.filter((a) => a.name.toLowerCase().startsWith(prefix) || a.label.toLowerCase().startsWith(prefix));
    }
    if (req.query.filter) {
      const compiled = compileRestrictedFilter(req.query.filter, FILTERABLE);
      apps = apps.filter((a) => compiled.test({ id: a.id, status: a.status, name: a.name, credentials: { signing: { kid: a.signingKid } }, settings: { slo: { enabled: false } } }));
    }
    // The spec's default limit is -1 ("all") with a maximum of 200: pages of 200.
    return paginate(ctx, req, reply, apps, { defaultLimit: 200, maxLimit: 200 }, (id) => ctx.state.apps[id]).map((a) => renderApp(ctx, a));
  });

  app.post<{ Querystring: { activate?: string } }>('/api/v1/apps', async function createApplication(req) {
    const { requestedSecret, ...fields } = readApp(ctx, objectBody(req.body));
    const created = storeNewApp(ctx, { ...fields, registeredVia: 'apps', status: booleanParam(req.query.activate, true) ? 'ACTIVE' : 'INACTIVE' }, requestedSecret);
    logEvent(ctx, req, { eventType: 'application.lifecycle.create', displayMessage: 'Create application', target: [appTarget(created)] });
    return renderApp(ctx, created, true);
  });

  app.get<{ Params: AppParams }>('/api/v1/apps/:appId', async function getApplication(req) {
    return renderApp(ctx, appOr404(ctx, req.params.appId));
  });

  // Full replace: settings other than oauthClient that the body leaves out fall back to defaults (this is
  // how a PUT built from an SDK object resets server fields, reference/okta.md §4.7).
  app.put<{ Params: AppParams }>('/api/v1/apps/:appId', async function replaceApplication(req) {
    const existing = appOr404(ctx, req.params.appId);
    const { requestedSecret, clientId: _same, ...fields } = readApp(ctx, objectBody(req.body), existing);
    Object.assign(existing, fields, { lastUpdated: nowIso() });
    reconcileSecrets(existing, requestedSecret);
    logEvent(ctx, req, { eventType: 'application.lifecycle.update', displayMessage: 'Update application', target: [appTarget(existing)] });
    return renderApp(ctx, existing, true);
  });

  app.delete<{ Params: AppParams }>('/api/v1/apps/:appId', async function deleteApplication(req, reply) {
    const application = appOr404(ctx, req.params.appId);
    if (application.status !== 'INACTIVE') throw deleteActiveApplication(application.id);
    removeApp(ctx, application);
    logEvent(ctx, req, { eventType: 'application.lifecycle.delete', displayMessage: 'Delete application', target: [appTarget(application)] });
    return reply.code(204).send();
  });

  for (const action of ['activate', 'deactivate'] as const) {
    app.post<{ Params: AppParams }>(`/api/v1/apps/:appId/lifecycle/${action}`, async function applicationLifecycle(req, reply) {
      const application = appOr404(ctx, req.params.appId);
      application.status = action === 'activate' ? 'ACTIVE' : 'INACTIVE';
      application.lastUpdated = nowIso();
      logEvent(ctx, req, { eventType: `application.lifecycle.${action}`, displayMessage: `${action === 'activate' ? 'Activate' : 'Deactivate'} application`, target: [appTarget(application)] });
      return reply.code(200).send();
    });
  }

  const SECRETS = '/api/v1/apps/:appId/credentials/secrets';
  const secretOr404 = (a: AppRecord, id: string) => {
    const s = a.secrets.find((x) => x.id === id);
    if (!s) throw notFound(id, 'OAuth2ClientSecret');
    return s;
  };
  const secretError = (message: string) => validationFailed([{ field: 'OAuth2ClientSecretMediated', message }]);

  app.get<{ Params: AppParams }>(SECRETS, async function listOAuth2ClientSecrets(req) {
    const application = appOr404(ctx, req.params.appId);
    return application.secrets.map((s) => renderSecret(ctx, application, s));
  });

  app.post<{ Params: AppParams }>(SECRETS, async function createOAuth2ClientSecret(req, reply) {
    const application = appOr404(ctx, req.params.appId);
    const body = objectBody(req.body);
    if (!SECRET_METHODS.includes(application.credentials.token_endpoint_auth_method)) throw secretError(`The app uses '${application.credentials.token_endpoint_auth_method}' and has no client secrets`);
    if (application.secrets.length >= MAX_SECRETS) throw secretError(`An app can have at most ${MAX_SECRETS} client secrets; delete one first`);
    const custom = typeof body.client_secret === 'string' ? body.client_secret : undefined;
    if (custom !== undefined && (custom.length < 14 || custom.length > 100)) throw secretError('A client secret must be between 14 and 100 characters long');
    const secret = newSecretRecord(custom);
    if (body.status === 'INACTIVE') secret.status = 'INACTIVE';
    application.secrets.push(secret);
    logEvent(ctx, req, { eventType: 'app.oauth2.credentials.lifecycle.create', displayMessage: 'Create OAuth 2.0 client secret', target: [appTarget(application)] });
    return reply.code(201).send(renderSecret(ctx, application, secret));
  });

  app.get<{ Params: AppParams }>(`${SECRETS}/:secretId`, async function getOAuth2ClientSecret(req) {
    const application = appOr404(ctx, req.params.appId);
    return renderSecret(ctx, application, secretOr404(application, req.params.secretId));
  });

  app.delete<{ Params: AppParams }>(`${SECRETS}/:secretId`, async function deleteOAuth2ClientSecret(req, reply) {
    const application = appOr404(ctx, req.params.appId);
    const secret = secretOr404(application, req.params.secretId);
    if (secret.status === 'ACTIVE') throw secretError("You can't delete an active client secret. Deactivate the secret before deleting it.");
    application.secrets = application.secrets.filter((s) => s !== secret);
    logEvent(ctx, req, { eventType: 'app.oauth2.credentials.lifecycle.delete', displayMessage: 'Delete OAuth 2.0 client secret', target: [appTarget(application)] });
    return reply.code(204).send();
  });

  for (const action of ['activate', 'deactivate'] as const) {
    app.post<{ Params: AppParams }>(`${SECRETS}/:secretId/lifecycle/${action}`, async function oauth2ClientSecretLifecycle(req) {
      const application = appOr404(ctx, req.params.appId);
      const secret = secretOr404(application, req.params.secretId);
      if (action === 'deactivate' && secret.status === 'ACTIVE' && activeSecrets(application).length === 1) {
        throw secretError("You can't deactivate the only active client secret.");
      }
      secret.status = action === 'activate' ? 'ACTIVE' : 'INACTIVE';
      secret.lastUpdated = nowIso();
      logEvent(ctx, req, { eventType: `app.oauth2.credentials.lifecycle.${action}`, displayMessage: `${action === 'activate' ? 'Activate' : 'Deactivate'} OAuth 2.0 client secret`, target: [appTarget(application)] });
      return renderSecret(ctx, application, secret);
    });
  }
}
