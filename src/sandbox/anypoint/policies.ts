import type { FastifyInstance } from 'fastify';
import { findInstance } from './api-instances';
import { apiManagerError, apiManagerValidation, apiNotFound, ValidationIssue } from './errors';
import { AnypointContext, requireOrg } from './http';
import { findTemplate, MULESOFT_POLICY_GROUP, POLICY_TEMPLATES, PolicyTemplate, validateConfiguration } from './policy-templates';
import { ApiInstanceRecord, audit, nextId, nowIso, PointcutRecord, PolicyRecord } from './state';

/*
 * API Manager policies (spec apim_policy; reference c.3). Templates: openidconnect-access-token-enforcement
 * 1.2.0/1.3.0, client-id-enforcement 1.3.2, rate-limiting 1.4.0, rate-limiting-sla-based 1.3.0/1.3.1, all in
 * MuleSoft's group.
 * Choices:
 * - The three listing shapes of the notes, by query switch on `GET …/policies`:
 *   default: a bare array of policies (`id`, `configurationData`, `assetId`, …);
 *   `?fullInfo=true`: `{policies:[…], tiers}` whose entries use `policyId`, `template{groupId,assetId,assetVersion}`
 *   and `configuration` (the spec's ApimPolicyFullData);
 *   `?compact=true`: a bare array of those compact entries plus `implementationAsset`.
 * - configurationData is validated against the template (types, enums, minimums, required fields) and answered
 *   with API Manager's request-validation shape, paths under `/body/configurationData/…`; unknown keys are kept.
 *   Stored and echoed as sent; defaults apply at enforcement time. PATCH replaces configurationData whole.
 * - pointcutData: null applies to every request; each entry needs methodRegex and uriTemplateRegex, both valid
 *   regular expressions (matched whole, as Java's matches()).
 * - The OpenID Connect template needs the instance's client provider to be an OIDC DCR provider:
 *   400 `{name:"PolicyValidationError"}` otherwise.
 * - The same template with an identical pointcut twice answers 409 `{name:"ConflictError"}`; the same template
 *   with different pointcuts is allowed (the guide's silver /planets and gold /moons).
 * - Two different templates that provide the same characteristic (client-id-enforcement and
 *   rate-limiting-sla-based both identify the client) answer 400 `{name:"PolicyValidationError"}` with the
 *   platform's words, "There is another policy applied with the same provided characteristics" (KB 001123361).
 * - `order` defaults to after the last policy.
 */

const pointcutSchema = {
  type: 'array',
  nullable: true,
  items: { type: 'object', required: ['methodRegex', 'uriTemplateRegex'], properties: { methodRegex: { type: 'string' }, uriTemplateRegex: { type: 'string' } } },
};

const createBody = {
  type: 'object',
  required: ['groupId', 'assetId', 'assetVersion', 'configurationData'],
  properties: {
    groupId: { type: 'string' },
    assetId: { type: 'string' },
    assetVersion: { type: 'string' },
    configurationData: { type: 'object' },
    pointcutData: pointcutSchema,
    order: { type: 'integer', minimum: 1 },
    disabled: { type: 'boolean' },
  },
};

const patchBody = {
  type: 'object',
  properties: {
    assetVersion: { type: 'string' },
    configurationData: { type: 'object' },
    pointcutData: pointcutSchema,
    order: { type: 'integer', minimum: 1 },
    disabled: { type: 'boolean' },
  },
};

interface PolicyBody {
  groupId?: string;
  assetId?: string;
  assetVersion?: string;
  configurationData?: Record<string, unknown>;
  pointcutData?: PointcutRecord[] | null;
  order?: number;
  disabled?: boolean;
}

export function policyView(ctx: AnypointContext, p: PolicyRecord) {
  return {
    audit: audit(p.createdAt, p.updatedAt),
    masterOrganizationId: ctx.state.org.id,
    organizationId: ctx.state.org.id,
    id: p.id,
    policyTemplateId: p.policyTemplateId,
    configurationData: p.configurationData,
    order: p.order,
    disabled: p.disabled,
    pointcutData: p.pointcutData,
    groupId: p.groupId,
    assetId: p.assetId,
    assetVersion: p.assetVersion,
    apiId: p.apiId,
  };
}

function compactView(p: PolicyRecord) {
  return {
    policyTemplateId: p.policyTemplateId,
    type: 'system',
    policyId: p.id,
    version: p.version,
    order: p.order,
    disabled: p.disabled,
    pointcutData: p.pointcutData,
    configuration: p.configurationData,
    template: { groupId: p.groupId, assetId: p.assetId, assetVersion: p.assetVersion },
  };
}

function pointcutIssues(pointcuts: PointcutRecord[] | null | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  (pointcuts ?? []).forEach((pc, i) => {
    for (const key of ['methodRegex', 'uriTemplateRegex'] as const) {
      try {
        new RegExp(pc[key]);
      } catch {
        issues.push({ pointer: `/pointcutData/${i}/${key}`, keyword: 'format', message: 'must be a valid regular expression' });
      }
    }
  });
  return issues;
}

function resolveTemplate(groupId: string, assetId: string, version: string): PolicyTemplate {
  const template = findTemplate(groupId, assetId);
  if (!template || !template.versions.includes(version)) throw apiNotFound(`Policy template ${groupId}:${assetId}:${version}`);
  return template;
}

function checkApplicable(ctx: AnypointContext, api: ApiInstanceRecord, template: PolicyTemplate) {
  if (!template.requiresOidcProvider) return;
  const provider = api.providerId ? ctx.state.clientProviders.find((p) => p.providerId === api.providerId) : undefined;
  if (!provider) {
    throw apiManagerError(400, 'PolicyValidationError', `The policy ${template.name} can only be applied to an API whose client provider is an OpenID Connect Dynamic Client Registration provider; set providerId on the API instance first`);
  }
}

function samePointcut(a: PointcutRecord[] | null, b: PointcutRecord[] | null): boolean {
  const norm = (p: PointcutRecord[] | null) => JSON.stringify((p ?? []).map((x) => [x.methodRegex, x.uriTemplateRegex]));
  return norm(a) === norm(b);
}

function templateView(t: PolicyTemplate, version: string, applicable: boolean, allVersions: boolean) {
  return {
    audit: audit('2024-01-01T00:00:00.000Z'),
    id: Number(t.templateId),
    groupId: MULESOFT_POLICY_GROUP,
    assetId: t.assetId,
    version,
    name: t.name,
    type: 'system',
    isOOTB: true,
    stage: 'release',
    status: 'published',
    orgId: MULESOFT_POLICY_GROUP,
    minMuleVersion: '4.1.0',
    category: t.category,
    resourceLevelSupported: true,
    encryptionSupported: false,
    standalone: true,
    requiredCharacteristics: [] as string[],
    providedCharacteristics: [...t.providedCharacteristics],
    identityManagement: { type: t.requiresOidcProvider ? 'OpenID Connect' : 'None' },
    applicable,
    configuration: t.fields.map((f) => ({ propertyName: f.name, name: f.name, type: f.type === 'rateLimits' ? 'keyvalues' : f.type === 'integer' ? 'int' : f.type, optional: !f.required, sensitive: false, allowMultiple: f.type === 'rateLimits' })),
    ...(allVersions ? { allVersions: t.versions.map((v) => ({ groupId: MULESOFT_POLICY_GROUP, assetId: t.assetId, version: v, status: 'published' })) } : {}),
  };
}

export function registerPolicies(app: FastifyInstance, ctx: AnypointContext): void {
  const base = '/apimanager/api/v1/organizations/:orgId/environments/:envId/apis/:apiId/policies';
  type P = { orgId: string; envId: string; apiId: string };
  const findPolicy = (p: P & { policyId: string }) => {
    const api = findInstance(ctx, p.orgId, p.envId, p.apiId);
    const policy = ctx.state.policies.find((x) => x.apiId === api.id && String(x.id) === p.policyId);
    if (!policy) throw apiNotFound(`Policy ${p.policyId}`);
    return policy;
  };

  app.get<{ Params: P; Querystring: { fullInfo?: string; compact?: string } }>(base, async (req) => {
    const api = findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId);
    const policies = ctx.state.policies.filter((p) => p.apiId === api.id).sort((a, b) => a.order - b.order || a.id - b.id);
    if (String(req.query.fullInfo).toLowerCase() === 'true') {
      const tiers = ctx.state.tiers.filter((t) => t.apiId === api.id);
      return { policies: policies.map(compactView), tiers: { values: tiers.map((t) => ({ id: t.id, limits: t.limits })), version: 1 } };
    }
    if (String(req.query.compact).toLowerCase() === 'true') {
      return policies.map((p) => ({ ...compactView(p), implementationAsset: { groupId: p.groupId, assetId: `${p.assetId}-mule`, version: p.assetVersion, technology: 'mule4' } }));
    }
    return policies.map((p) => policyView(ctx, p));
  });

  app.post<{ Params: P; Body: PolicyBody }>(base, { schema: { body: createBody } }, async (req, reply) => {
    const api = findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId);
    const body = req.body;
    const template = resolveTemplate(body.groupId!, body.assetId!, body.assetVersion!);
    const issues = [...pointcutIssues(body.pointcutData), ...validateConfiguration(template, body.configurationData)];
    if (issues.length) throw apiManagerValidation('body', issues);
    checkApplicable(ctx, api, template);
    const pointcut = body.pointcutData ?? null;
    const siblings = ctx.state.policies.filter((p) => p.apiId === api.id);
    if (siblings.some((p) => p.assetId === template.assetId && samePointcut(p.pointcutData, pointcut))) {
      throw apiManagerError(409, 'ConflictError', `The policy ${template.assetId} is already applied to API ${api.id} with the same resources`);
    }
    const overlapping = siblings.find((p) => p.assetId !== template.assetId && findTemplate(p.groupId, p.assetId)?.providedCharacteristics.some((c) => template.providedCharacteristics.includes(c)));
    if (overlapping) {
      throw apiManagerError(400, 'PolicyValidationError', `There is another policy applied with the same provided characteristics: ${overlapping.assetId} (policy ${overlapping.id}); remove it before applying ${template.assetId}`);
    }
    const now = nowIso();
    const record: PolicyRecord = {
      id: nextId(ctx.state, 'policy'),
      apiId: api.id,
      environmentId: api.environmentId,
      groupId: MULESOFT_POLICY_GROUP,
      assetId: template.assetId,
      assetVersion: body.assetVersion!,
      policyTemplateId: template.templateId,
      configurationData: body.configurationData ?? {},
      pointcutData: pointcut,
      order: body.order ?? Math.max(0, ...siblings.map((p) => p.order)) + 1,
      disabled: body.disabled ?? false,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    ctx.state.policies.push(record);
    return reply.code(201).send(policyView(ctx, record));
  });

  app.get<{ Params: P & { policyId: string } }>(`${base}/:policyId`, async (req) => policyView(ctx, findPolicy(req.params)));

  app.patch<{ Params: P & { policyId: string }; Body: PolicyBody }>(`${base}/:policyId`, { schema: { body: patchBody } }, async (req) => {
    const policy = findPolicy(req.params);
    const body = req.body;
    const version = body.assetVersion ?? policy.assetVersion;
    const template = resolveTemplate(policy.groupId, policy.assetId, version);
    const configuration = body.configurationData ?? policy.configurationData;
    const issues = [...pointcutIssues(body.pointcutData), ...validateConfiguration(template, configuration)];
    if (issues.length) throw apiManagerValidation('body', issues);
    if ('pointcutData' in body) {
      const pointcut = body.pointcutData ?? null;
      const clash = ctx.state.policies.some((p) => p !== policy && p.apiId === policy.apiId && p.assetId === policy.assetId && samePointcut(p.pointcutData, pointcut));
      if (clash) throw apiManagerError(409, 'ConflictError', `The policy ${policy.assetId} is already applied to API ${policy.apiId} with the same resources`);
      policy.pointcutData = pointcut;
    }
    policy.assetVersion = version;
    policy.configurationData = configuration;
    if (body.order !== undefined) policy.order = body.order;
    if (body.disabled !== undefined) policy.disabled = body.disabled;
    policy.version++;
    policy.updatedAt = nowIso();
    return policyView(ctx, policy);
  });

  app.delete<{ Params: P & { policyId: string } }>(`${base}/:policyId`, async (req, reply) => {
    const policy = findPolicy(req.params);
    ctx.state.policies = ctx.state.policies.filter((p) => p !== policy);
    return reply.code(204).send();
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Params: P & { policyId: string } }>(
      `/apimanager/xapi/v1/organizations/:orgId/environments/:envId/apis/:apiId/policies/:policyId/${action}`,
      async (req, reply) => {
        const policy = findPolicy(req.params);
        policy.disabled = action === 'disable';
        policy.version++;
        policy.updatedAt = nowIso();
        return reply.code(201).send(policyView(ctx, policy));
      },
    );
  }

  type TemplateQuery = { apiInstanceId?: string; latest?: string; includeAllVersions?: string; environmentId?: string };
  const applicableFor = (apiInstanceId: string | undefined, t: PolicyTemplate) => {
    if (!apiInstanceId || !t.requiresOidcProvider) return true;
    const api = ctx.state.apis.find((a) => String(a.id) === apiInstanceId);
    return !!api?.providerId && ctx.state.clientProviders.some((p) => p.providerId === api.providerId);
  };

  app.get<{ Params: { orgId: string }; Querystring: TemplateQuery }>('/apimanager/xapi/v1/organizations/:orgId/exchange-policy-templates', async (req) => {
    requireOrg(ctx, req.params.orgId, 'apiManager');
    const latest = String(req.query.latest).toLowerCase() === 'true';
    return POLICY_TEMPLATES.flatMap((t) => (latest ? t.versions.slice(-1) : t.versions).map((v) => templateView(t, v, applicableFor(req.query.apiInstanceId, t), false)));
  });

  app.get<{ Params: { orgId: string; groupId: string; assetId: string; assetVersion: string }; Querystring: TemplateQuery }>(
    '/apimanager/xapi/v1/organizations/:orgId/exchange-policy-templates/:groupId/:assetId/:assetVersion',
    async (req) => {
      requireOrg(ctx, req.params.orgId, 'apiManager');
      const t = resolveTemplate(req.params.groupId, req.params.assetId, req.params.assetVersion);
      return templateView(t, req.params.assetVersion, applicableFor(req.query.apiInstanceId, t), String(req.query.includeAllVersions).toLowerCase() === 'true');
    },
  );
}
