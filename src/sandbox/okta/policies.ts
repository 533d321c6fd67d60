import type { FastifyInstance } from 'fastify';
import { oktaId } from '../core';
import { notFound, Validation } from './errors';
import { absolute, isRecord, nextSeq, nowIso, objectBody, stringArray, type OktaContext } from './http';
import { authServerOr404 } from './authorization-servers';
import { logEvent, target } from './system-log';
import type { AuthServerRecord, OktaState, PolicyRecord, PolicyRuleRecord } from './state';

/*
 * Access policies and their rules (`…/{authServerId}/policies[/{policyId}/rules]`): what decides whether
 * /v1/token and /v1/authorize issue anything (evaluation lives in oauth/policy-evaluation.ts).
 *
 * Priorities are kept contiguous (1..n) the way Okta keeps them: creating or moving an item to priority p
 * pushes the others down, and a priority past the end (or none) appends. That renumbering is what makes
 * naive "desired priority == actual priority" comparisons drift (okta/terraform-provider-okta#2140).
 * Rules echo the empty arrays Okta adds (`people.users.include: []`, `…exclude: []`).
 */

export const ALL_CLIENTS = 'ALL_CLIENTS';
export const EVERYONE = 'EVERYONE';

export const RULE_GRANT_TYPES = [
  'authorization_code',
  'implicit',
  'password',
  'client_credentials',
  'refresh_token',
  'interaction_code',
  'urn:ietf:params:oauth:grant-type:saml2-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:okta:params:oauth:grant-type:otp',
  'urn:okta:params:oauth:grant-type:oob',
  'http://auth0.com/oauth/grant-type/mfa-oob',
] as const;

/** Grants without an end user: only these may go without a people condition. */
const MACHINE_GRANTS = ['client_credentials'];

/** Server-side text quoted in okta/okta-developer-docs#1622 (and produced by grant-type typos as well). */
const PEOPLE_REQUIRED =
  "At least one of 'conditions.people.users.include' or 'conditions.people.groups.include' must contain a valid user or group when 'conditions.grantTypes' contains one or more of [authorization_code, implicit, password]";

/** Moves `item` to `priority` (1-based) in `list` and renumbers 1..n. */
function placeByPriority<T extends { priority: number }>(list: T[], item: T, priority: number | undefined): void {
  const others = list.filter((x) => x !== item);
  const index = priority === undefined ? others.length : Math.min(Math.max(priority, 1), others.length + 1) - 1;
  others.splice(index, 0, item);
  list.splice(0, list.length, ...others);
  list.forEach((x, i) => (x.priority = i + 1));
}

function readPriority(v: Validation, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    v.add('priority', 'The priority must be a positive integer');
    return undefined;
  }
  return value;
}

export function renderPolicy(ctx: OktaContext, as: AuthServerRecord, p: PolicyRecord) {
  const self = `/api/v1/authorizationServers/${as.id}/policies/${p.id}`;
  const lifecycle = p.status === 'ACTIVE' ? 'deactivate' : 'activate';
  return {
    type: p.type,
    id: p.id,
    status: p.status,
    name: p.name,
    description: p.description,
    priority: p.priority,
    system: p.system,
    conditions: { clients: { include: [...p.conditions.clients.include] } },
    created: p.created,
    lastUpdated: p.lastUpdated,
    _links: {
      self: { href: absolute(ctx, self), hints: { allow: ['GET', 'PUT', 'DELETE'] } },
      [lifecycle]: { href: absolute(ctx, `${self}/lifecycle/${lifecycle}`), hints: { allow: ['POST'] } },
      rules: { href: absolute(ctx, `${self}/rules`), hints: { allow: ['GET'] } },
    },
  };
}

export function renderRule(ctx: OktaContext, as: AuthServerRecord, p: PolicyRecord, r: PolicyRuleRecord) {
  const self = `/api/v1/authorizationServers/${as.id}/policies/${p.id}/rules/${r.id}`;
  const lifecycle = r.status === 'ACTIVE' ? 'deactivate' : 'activate';
  return {
    type: r.type,
    id: r.id,
    status: r.status,
    name: r.name,
    priority: r.priority,
    created: r.created,
    lastUpdated: r.lastUpdated,
    system: r.system,
    conditions: JSON.parse(JSON.stringify(r.conditions)) as PolicyRuleRecord['conditions'],
    actions: { token: { ...r.actions.token } },
    _links: {
      self: { href: absolute(ctx, self), hints: { allow: ['GET', 'PUT', 'DELETE'] } },
      [lifecycle]: { href: absolute(ctx, `${self}/lifecycle/${lifecycle}`), hints: { allow: ['POST'] } },
    },
  };
}

function clientExists(state: OktaState, clientId: string): boolean {
  return Object.values(state.apps).some((a) => a.clientId === clientId);
}

function readPolicy(ctx: OktaContext, body: Record<string, unknown>) {
  const v = new Validation();
  v.required('type', body.type).oneOf('type', body.type, ['OAUTH_AUTHORIZATION_POLICY']);
  v.required('name', body.name).maxLength('name', body.name, 100);
  v.required('description', body.description).maxLength('description', body.description, 255);
  v.oneOf('status', body.status, ['ACTIVE', 'INACTIVE']);
  const priority = readPriority(v, body.priority);
  const clients = isRecord(body.conditions) && isRecord(body.conditions.clients) ? stringArray(body.conditions.clients.include) : undefined;
  if (!clients || clients.length === 0) v.add('conditions.clients.include', 'The field cannot be left blank');
  else {
    const unknown = clients.filter((c) => c !== ALL_CLIENTS && !clientExists(ctx.state, c));
    if (unknown.length) v.add('conditions.clients.include', `Invalid client ids: ${unknown.join(', ')}`);
    if (clients.includes(ALL_CLIENTS) && clients.length > 1) v.add('conditions.clients.include', `${ALL_CLIENTS} cannot be combined with client ids`);
  }
  v.throwIfFailed();
  return {
    fields: {
      name: String(body.name),
      description: String(body.description),
      status: (body.status as PolicyRecord['status']) ?? 'ACTIVE',
      conditions: { clients: { include: clients as string[] } },
    },
    priority,
  };
}

function readRule(ctx: OktaContext, as: AuthServerRecord, body: Record<string, unknown>) {
  const v = new Validation();
  v.required('type', body.type).oneOf('type', body.type, ['RESOURCE_ACCESS']);
  v.required('name', body.name).maxLength('name', body.name, 100);
  v.oneOf('status', body.status, ['ACTIVE', 'INACTIVE']);
  const priority = readPriority(v, body.priority);
  const conditions = isRecord(body.conditions) ? body.conditions : undefined;
  if (!conditions) v.add('conditions', 'The field cannot be left blank');
  const people = conditions && isRecord(conditions.people) ? conditions.people : {};
  const usersIn = (isRecord(people.users) ? stringArray(people.users.include) : undefined) ?? [];
  const usersOut = (isRecord(people.users) ? stringArray(people.users.exclude) : undefined) ?? [];
  const groupsIn = (isRecord(people.groups) ? stringArray(people.groups.include) : undefined) ?? [];
  const groupsOut = (isRecord(people.groups) ? stringArray(people.groups.exclude) : undefined) ?? [];
  const grants = (conditions && isRecord(conditions.grantTypes) ? stringArray(conditions.grantTypes.include) : undefined) ?? [];
  const scopes = (conditions && isRecord(conditions.scopes) ? stringArray(conditions.scopes.include) : undefined) ?? [];

  if (conditions) {
    if (grants.length === 0) v.add('conditions.grantTypes.include', 'The field cannot be left blank');
    // Okta checks the people condition first, so a grant-type typo surfaces as this message (#1622).
    const noPeople = usersIn.length === 0 && groupsIn.length === 0;
    if (noPeople && grants.some((g) => !MACHINE_GRANTS.includes(g))) v.add('conditions.people', PEOPLE_REQUIRED);
    else {
      const badGrants = grants.filter((g) => !(RULE_GRANT_TYPES as readonly string[]).includes(g));
      if (badGrants.length) v.add('conditions.grantTypes.include', `Invalid grant types: ${badGrants.join(', ')}`);
    }
    if (scopes.length === 0) v.add('conditions.scopes.include', 'The field cannot be left blank');
    const badScopes = scopes.filter((s) => s !== '*' && !as.scopes.some((x) => x.name === s));
    if (badScopes.length) v.add('conditions.scopes.include', `Invalid scopes: ${badScopes.join(', ')}`);
    const badUsers = [...usersIn, ...usersOut].filter((u) => !ctx.state.users[u]);
    if (badUsers.length) v.add('conditions.people.users', `Invalid user ids: ${badUsers.join(', ')}`);
    const badGroups = [...groupsIn, ...groupsOut].filter((g) => g !== EVERYONE && !ctx.state.groups[g]);
    if (badGroups.length) v.add('conditions.people.groups', `Invalid group ids: ${badGroups.join(', ')}`);
  }

  const token = isRecord(body.actions) && isRecord(body.actions.token) ? body.actions.token : {};
  const minutes = (field: string, value: unknown, fallback: number, min: number, max: number): number => {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      v.add(`actions.token.${field}`, `The value must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return value;
  };
  const tokenActions: PolicyRuleRecord['actions']['token'] = {
    accessTokenLifetimeMinutes: minutes('accessTokenLifetimeMinutes', token.accessTokenLifetimeMinutes, 60, 5, 1440),
    // 0 means "unlimited" (the UI's and PowerShell tools' convention).
    refreshTokenLifetimeMinutes: minutes('refreshTokenLifetimeMinutes', token.refreshTokenLifetimeMinutes, 0, 0, 5_256_000),
    refreshTokenWindowMinutes: minutes('refreshTokenWindowMinutes', token.refreshTokenWindowMinutes, 10080, 10, 2_628_000),
  };
  if (isRecord(token.inlineHook) && typeof token.inlineHook.id === 'string') tokenActions.inlineHook = { id: token.inlineHook.id };
  v.throwIfFailed();
  return {
    fields: {
      name: String(body.name),
      status: (body.status as PolicyRuleRecord['status']) ?? 'ACTIVE',
      conditions: {
        people: { users: { include: usersIn, exclude: usersOut }, groups: { include: groupsIn, exclude: groupsOut } },
        grantTypes: { include: grants },
        scopes: { include: scopes },
      },
      actions: { token: tokenActions },
    },
    priority,
  };
}

export function policyOr404(as: AuthServerRecord, policyId: string): PolicyRecord {
  const policy = as.policies.find((p) => p.id === policyId);
  if (!policy) throw notFound(policyId, 'Policy');
  return policy;
}

function ruleOr404(policy: PolicyRecord, ruleId: string): PolicyRuleRecord {
  const rule = policy.rules.find((r) => r.id === ruleId);
  if (!rule) throw notFound(ruleId, 'PolicyRule');
  return rule;
}

type PolicyParams = { authServerId: string; policyId: string; ruleId: string };
const POLICIES = '/api/v1/authorizationServers/:authServerId/policies';
const RULES = `${POLICIES}/:policyId/rules`;

export function registerPolicies(app: FastifyInstance, ctx: OktaContext): void {
  app.get<{ Params: PolicyParams }>(POLICIES, async function listAuthorizationServerPolicies(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    return as.policies.map((p) => renderPolicy(ctx, as, p));
  });

  app.post<{ Params: PolicyParams }>(POLICIES, async function createAuthorizationServerPolicy(req, reply) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const { fields, priority } = readPolicy(ctx, objectBody(req.body));
    const at = nowIso();
    const policy: PolicyRecord = { id: oktaId('00p'), seq: nextSeq(ctx.state), created: at, lastUpdated: at, type: 'OAUTH_AUTHORIZATION_POLICY', system: false, priority: 0, rules: [], ...fields };
    as.policies.push(policy);
    placeByPriority(as.policies, policy, priority);
    logEvent(ctx, req, { eventType: 'policy.lifecycle.create', displayMessage: 'Create policy', target: [target(policy.id, 'Policy', policy.name)] });
    return reply.code(201).send(renderPolicy(ctx, as, policy));
  });

  app.get<{ Params: PolicyParams }>(`${POLICIES}/:policyId`, async function getAuthorizationServerPolicy(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    return renderPolicy(ctx, as, policyOr404(as, req.params.policyId));
  });

  app.put<{ Params: PolicyParams }>(`${POLICIES}/:policyId`, async function replaceAuthorizationServerPolicy(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const policy = policyOr404(as, req.params.policyId);
    const { fields, priority } = readPolicy(ctx, objectBody(req.body));
    Object.assign(policy, fields, { lastUpdated: nowIso() });
    placeByPriority(as.policies, policy, priority ?? policy.priority);
    logEvent(ctx, req, { eventType: 'policy.lifecycle.update', displayMessage: 'Update policy', target: [target(policy.id, 'Policy', policy.name)] });
    return renderPolicy(ctx, as, policy);
  });

  app.delete<{ Params: PolicyParams }>(`${POLICIES}/:policyId`, async function deleteAuthorizationServerPolicy(req, reply) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const policy = policyOr404(as, req.params.policyId);
    as.policies = as.policies.filter((p) => p !== policy);
    as.policies.forEach((p, i) => (p.priority = i + 1));
    logEvent(ctx, req, { eventType: 'policy.lifecycle.delete', displayMessage: 'Delete policy', target: [target(policy.id, 'Policy', policy.name)] });
    return reply.code(204).send();
  });

  for (const action of ['activate', 'deactivate'] as const) {
    app.post<{ Params: PolicyParams }>(`${POLICIES}/:policyId/lifecycle/${action}`, async function authorizationServerPolicyLifecycle(req, reply) {
      const as = authServerOr404(ctx, req.params.authServerId);
      const policy = policyOr404(as, req.params.policyId);
      policy.status = action === 'activate' ? 'ACTIVE' : 'INACTIVE';
      policy.lastUpdated = nowIso();
      logEvent(ctx, req, { eventType: `policy.lifecycle.${action}`, displayMessage: `${action === 'activate' ? 'Activate' : 'Deactivate'} policy`, target: [target(policy.id, 'Policy', policy.name)] });
      return reply.code(204).send();
    });
  }

  app.get<{ Params: PolicyParams }>(RULES, async function listAuthorizationServerPolicyRules(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const policy = policyOr404(as, req.params.policyId);
    return policy.rules.map((r) => renderRule(ctx, as, policy, r));
  });

  app.post<{ Params: PolicyParams }>(RULES, async function createAuthorizationServerPolicyRule(req, reply) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const policy = policyOr404(as, req.params.policyId);
    const { fields, priority } = readRule(ctx, as, objectBody(req.body));
    const at = nowIso();
    const rule: PolicyRuleRecord = { id: oktaId('0pr'), seq: nextSeq(ctx.state), created: at, lastUpdated: at, type: 'RESOURCE_ACCESS', system: false, priority: 0, ...fields };
    policy.rules.push(rule);
    placeByPriority(policy.rules, rule, priority);
    logEvent(ctx, req, { eventType: 'policy.rule.add', displayMessage: 'Add policy rule', target: [target(rule.id, 'PolicyRule', rule.name), target(policy.id, 'Policy', policy.name)] });
    return reply.code(201).send(renderRule(ctx, as, policy, rule));
  });

  app.get<{ Params: PolicyParams }>(`${RULES}/:ruleId`, async function getAuthorizationServerPolicyRule(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const policy = policyOr404(as, req.params.policyId);
    return renderRule(ctx, as, policy, ruleOr404(policy, req.params.ruleId));
  });

  app.put<{ Params: PolicyParams }>(`${RULES}/:ruleId`, async function replaceAuthorizationServerPolicyRule(req) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const policy = policyOr404(as, req.params.policyId);
    const rule = ruleOr404(policy, req.params.ruleId);
    const { fields, priority } = readRule(ctx, as, objectBody(req.body));
    Object.assign(rule, fields, { lastUpdated: nowIso() });
    placeByPriority(policy.rules, rule, priority ?? rule.priority);
    logEvent(ctx, req, { eventType: 'policy.rule.update', displayMessage: 'Update policy rule', target: [target(rule.id, 'PolicyRule', rule.name)] });
    return renderRule(ctx, as, policy, rule);
  });

  app.delete<{ Params: PolicyParams }>(`${RULES}/:ruleId`, async function deleteAuthorizationServerPolicyRule(req, reply) {
    const as = authServerOr404(ctx, req.params.authServerId);
    const policy = policyOr404(as, req.params.policyId);
    const rule = ruleOr404(policy, req.params.ruleId);
    policy.rules = policy.rules.filter((r) => r !== rule);
    policy.rules.forEach((r, i) => (r.priority = i + 1));
    logEvent(ctx, req, { eventType: 'policy.rule.delete', displayMessage: 'Delete policy rule', target: [target(rule.id, 'PolicyRule', rule.name)] });
    return reply.code(204).send();
  });

  for (const action of ['activate', 'deactivate'] as const) {
    app.post<{ Params: PolicyParams }>(`${RULES}/:ruleId/lifecycle/${action}`, async function authorizationServerPolicyRuleLifecycle(req, reply) {
      const as = authServerOr404(ctx, req.params.authServerId);
      const rule = ruleOr404(policyOr404(as, req.params.policyId), req.params.ruleId);
      rule.status = action === 'activate' ? 'ACTIVE' : 'INACTIVE';
      rule.lastUpdated = nowIso();
      logEvent(ctx, req, { eventType: `policy.rule.${action}`, displayMessage: `${action === 'activate' ? 'Activate' : 'Deactivate'} policy rule`, target: [target(rule.id, 'PolicyRule', rule.name)] });
      return reply.code(204).send();
    });
  }
}
