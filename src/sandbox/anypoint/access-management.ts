import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { accountsError, accountsNotFound, oauthError, unauthorized } from './errors';
import { AnypointContext, AnypointRuntime, Caller, isRecord, page, requireOrg } from './http';
import type { AnypointState, ConnectedAppRecord, EnvironmentRecord, UserRecord } from './state';

/*
 * Access Management basics: the connected-app token endpoint, /me, the organization and its
 * environments. Tokens are opaque UUIDs, as the platform's are.
 */

export function issueToken(state: AnypointState, runtime: AnypointRuntime, owner: { connectedAppClientId?: string; userId?: string }): { token: string; expiresIn: number } {
  const now = Date.now();
  for (const [t, rec] of Object.entries(state.tokens)) if (rec.expiresAt <= now) delete state.tokens[t];
  const token = randomUUID();
  state.tokens[token] = { expiresAt: now + runtime.tokenTtlSeconds * 1000, ...owner };
  return { token, expiresIn: runtime.tokenTtlSeconds };
}

function credentialsFrom(body: unknown, authorization: string | undefined): { grantType?: string; clientId?: string; clientSecret?: string } {
  const b = isRecord(body) ? body : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  let clientId = str(b.client_id);
  let clientSecret = str(b.client_secret);
  const basic = authorization && /^basic\s+(.+)$/i.exec(authorization.trim());
  if (basic && !clientId) {
    const [id, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    clientId = decodeURIComponent(id);
    clientSecret = decodeURIComponent(rest.join(':'));
  }
  return { grantType: str(b.grant_type), clientId, clientSecret };
}

/** Public: the connected-app token endpoint (JSON or form body, or Basic client authentication). */
export function registerTokenEndpoint(app: FastifyInstance, ctx: AnypointContext, runtime: AnypointRuntime): void {
  app.post('/accounts/api/v2/oauth2/token', async (req, reply) => {
    const { grantType, clientId, clientSecret } = credentialsFrom(req.body, req.headers.authorization);
    if (!grantType) throw oauthError(400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') throw oauthError(400, 'unsupported_grant_type', `The grant type ${grantType} is not supported by the sandbox; use client_credentials`);
    const app = ctx.state.connectedApps.find((a) => a.clientId === clientId);
    if (!app || app.clientSecret !== clientSecret) throw unauthorized('oauth');
    const { token, expiresIn } = issueToken(ctx.state, runtime, { connectedAppClientId: app.clientId });
    return reply.code(200).send({ access_token: token, token_type: 'bearer', expires_in: expiresIn });
  });
}

export function organizationSummary(state: AnypointState) {
  const org = state.org;
  return {
    id: org.id,
    name: org.name,
    domain: org.domain,
    clientId: org.clientId,
    createdAt: org.createdAt,
    ownerId: org.ownerId,
    isRoot: true,
    isMaster: true,
    isFederated: state.identityProviders.length > 0,
    idprovider_id: 'mulesoft',
    parentOrganizationIds: [] as string[],
    subOrganizationIds: [] as string[],
    tenantOrganizationIds: [] as string[],
  };
}

function userView(state: AnypointState, user: UserRecord) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    organizationId: state.org.id,
    enabled: true,
    deleted: false,
    createdAt: user.createdAt,
    lastLogin: user.lastLogin ?? '',
    idprovider_id: user.identityProviderId ?? 'mulesoft',
    type: user.identityProviderId ? 'federated' : 'host',
  };
}

export function environmentView(env: EnvironmentRecord) {
  return { ...env };
}

/** The caller behind a token: a user after SSO, or the connected app itself. */
type CallerIdentity = { kind: 'user'; user: UserRecord } | { kind: 'connectedApp'; app: ConnectedAppRecord };

function callerIdentity(ctx: AnypointContext, caller: Caller): CallerIdentity {
  const state = ctx.state;
  if (caller.record.userId) {
    const user = state.users.find((u) => u.id === caller.record.userId);
    if (!user) throw unauthorized('accounts');
    return { kind: 'user', user };
  }
  const app = state.connectedApps.find((a) => a.clientId === caller.record.connectedAppClientId);
  if (!app) throw unauthorized('accounts');
  return { kind: 'connectedApp', app };
}

/** The user object of /me and /users/me; a connected app is shown as the user it acts as. */
function meUser(state: AnypointState, identity: CallerIdentity) {
  const orgSummary = organizationSummary(state);
  const membership = { organization: orgSummary, memberOfOrganizations: [{ id: state.org.id, name: state.org.name }], contributorOfOrganizations: [{ id: state.org.id, name: state.org.name }] };
  if (identity.kind === 'user') return { ...userView(state, identity.user), ...membership, properties: {} };
  const connected = identity.app;
  return {
    id: connected.clientId,
    username: `connected-app:${connected.name}`,
    firstName: connected.name,
    lastName: '',
    email: '',
    organizationId: state.org.id,
    enabled: true,
    // The seed creates the connected app with the organization; the state keeps no date of its own.
    createdAt: state.org.createdAt,
    type: 'connected-app',
    ...membership,
    properties: { cs_auth: { activeOrganizationId: state.org.id } },
  };
}

export function registerAccessManagement(app: FastifyInstance, ctx: AnypointContext): void {
  app.get('/accounts/api/me', async (req) => {
    const identity = callerIdentity(ctx, req.anypointCaller!);
    const user = meUser(ctx.state, identity);
    if (identity.kind === 'user') return { user };
    return { client: { client_id: identity.app.clientId, name: identity.app.name, org_id: ctx.state.org.id }, user };
  });

  /*
   * The user service's view of the caller (anypoint-cli-v4 logs in with it): the user object at the
   * top level, not wrapped in `{user}`. Its organizations carry the flags the CLI selects by
   * (`memberOfOrganizations[].isRoot` picks the default org; business groups would be isRoot false),
   * and `organizationPreferences` is keyed by org id (`defaultEnvironment` when one was chosen; none
   * in the sandbox, so the CLI falls back to the first production environment, as the platform does).
   */
  app.get('/accounts/api/users/me', async (req) => {
    const state = ctx.state;
    const identity = callerIdentity(ctx, req.anypointCaller!);
    const org = organizationSummary(state);
    const orgEntry = { id: org.id, name: org.name, domain: org.domain, isRoot: org.isRoot, isMaster: org.isMaster, parentId: null, parentName: null, parentOrganizationIds: [] as string[], subOrganizationIds: [] as string[], tenantOrganizationIds: [] as string[], clientId: org.clientId, isFederated: org.isFederated, createdAt: org.createdAt, updatedAt: org.createdAt, ownerId: org.ownerId };
    return {
      ...meUser(state, identity),
      memberOfOrganizations: [orgEntry],
      contributorOfOrganizations: [orgEntry],
      organizationPreferences: {},
    };
  });

  app.get<{ Params: { orgId: string } }>('/accounts/api/organizations/:orgId', async (req) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const state = ctx.state;
    const owner = state.users.find((u) => u.id === state.org.ownerId);
    return {
      ...organizationSummary(state),
      updatedAt: state.org.createdAt,
      mfaRequired: 'disabled',
      isAutomaticAdminPromotionExempt: false,
      properties: {},
      environments: state.environments.map(environmentView),
      entitlements: { createEnvironments: true, createSubOrgs: false, externalIdentity: true, globalDeployment: false, hybrid: { enabled: true }, apis: { enabled: true }, exchange2: { enabled: true } },
      owner: owner ? userView(state, owner) : undefined,
      sessionTimeout: 60,
      subscription: { category: 'Sandbox', type: 'Sandbox', expiration: '2099-12-31T00:00:00.000Z' },
      orgType: 'master',
      gdotId: state.org.id,
    };
  });

  app.get<{ Params: { orgId: string }; Querystring: { offset?: string; limit?: string } }>('/accounts/api/organizations/:orgId/environments', async (req) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const envs = ctx.state.environments;
    return { data: page(envs, req.query, 1000).map(environmentView), total: envs.length };
  });

  app.get<{ Params: { orgId: string; envId: string } }>('/accounts/api/organizations/:orgId/environments/:envId', async (req) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const env = ctx.state.environments.find((e) => e.id === req.params.envId);
    if (!env) throw accountsNotFound();
    return environmentView(env);
  });

  const envBody = {
    type: 'object',
    properties: { name: { type: 'string', minLength: 1 }, type: { type: 'string', enum: ['sandbox', 'production', 'design'] }, isProduction: { type: 'boolean' } },
  };

  app.post<{ Params: { orgId: string }; Body: { name: string; type?: EnvironmentRecord['type']; isProduction?: boolean } }>(
    '/accounts/api/organizations/:orgId/environments',
    { schema: { body: { ...envBody, required: ['name'] } } },
    async (req, reply) => {
      requireOrg(ctx, req.params.orgId, 'accounts');
      const state = ctx.state;
      if (state.environments.some((e) => e.name === req.body.name)) throw accountsError(409, `An environment named ${req.body.name} already exists`);
      const isProduction = req.body.isProduction ?? req.body.type === 'production';
      const id = randomUUID();
      const env: EnvironmentRecord = {
        id,
        name: req.body.name,
        organizationId: state.org.id,
        isProduction,
        type: req.body.type ?? (isProduction ? 'production' : 'sandbox'),
        clientId: id.replace(/-/g, ''),
        arcNamespace: `${state.org.domain}-${req.body.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
      };
      state.environments.push(env);
      return reply.code(201).send(environmentView(env));
    },
  );

  // The platform implements this PUT as a patch of the name only; the spec documents 201.
  app.put<{ Params: { orgId: string; envId: string }; Body: { name?: string } }>(
    '/accounts/api/organizations/:orgId/environments/:envId',
    { schema: { body: envBody } },
    async (req, reply) => {
      requireOrg(ctx, req.params.orgId, 'accounts');
      const env = ctx.state.environments.find((e) => e.id === req.params.envId);
      if (!env) throw accountsNotFound();
      if (req.body.name && req.body.name !== env.name && ctx.state.environments.some((e) => e.name === req.body.name)) {
        throw accountsError(409, `An environment named ${req.body.name} already exists`);
      }
      if (req.body.name) env.name = req.body.name;
      return reply.code(201).send(environmentView(env));
    },
  );

  app.delete<{ Params: { orgId: string; envId: string } }>('/accounts/api/organizations/:orgId/environments/:envId', async (req, reply) => {
    requireOrg(ctx, req.params.orgId, 'accounts');
    const state = ctx.state;
    const env = state.environments.find((e) => e.id === req.params.envId);
    if (!env) throw accountsNotFound();
    if (state.apis.some((a) => a.environmentId === env.id)) throw accountsError(409, `Environment ${env.name} still has API instances; delete them first`);
    state.environments = state.environments.filter((e) => e !== env);
    return reply.code(204).send();
  });
}
