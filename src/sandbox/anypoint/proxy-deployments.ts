import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { apiManagerError, apiNotFound } from './errors';
import { findInstance } from './api-instances';
import { AnypointContext, AnypointRuntime } from './http';
import { audit, DeploymentRecord, nextId, nowIso } from './state';

/*
 * Proxy deployments (`/proxies/xapi/v1/…/apis/{apiId}/deployments`, reference c.2; no published spec).
 * Choices:
 * - CH and CH2 need `applicationName` (3–42 lowercase letters, digits, dashes: it becomes a host name);
 *   HY, RF and CH2 need `targetId`. Validation failures use API Manager's request-validation shape.
 * - CloudHub application names are global: a name used by another instance's deployment answers 409
 *   `{name:"ConflictError"}`. An instance has one deployment; a second POST answers 409 unless
 *   `overwrite: true`, which replaces it.
 * - Deployment is immediate: `GET …/{deploymentId}/status` answers `{status:"deployed"}` right away
 *   (`undeployed` after a PATCH with `expectedStatus: "undeployed"`).
 * - Only deployments with an applicationName are live on the sandbox gateway, at `{gatewayUrl}/{applicationName}`
 *   (standing in for `{applicationName}.cloudhub.io`).
 */

const APP_NAME = '^[a-z0-9][a-z0-9-]{2,41}$';
const TYPES = ['CH', 'CH2', 'HY', 'RF'] as const;

const deploymentProperties = {
  type: { type: 'string', enum: TYPES },
  applicationName: { type: 'string', pattern: APP_NAME },
  gatewayVersion: { type: 'string' },
  environmentId: { type: 'string' },
  environmentName: { type: 'string' },
  overwrite: { type: 'boolean' },
  expectedStatus: { type: 'string', enum: ['deployed', 'undeployed'] },
  targetId: { type: 'string' },
  targetName: { type: 'string' },
};

const createBody = {
  type: 'object',
  required: ['type'],
  properties: deploymentProperties,
  allOf: [
    { if: { properties: { type: { enum: ['CH', 'CH2'] } } }, then: { required: ['applicationName'] } },
    { if: { properties: { type: { enum: ['HY', 'RF', 'CH2'] } } }, then: { required: ['targetId'] } },
  ],
};

type DeploymentBody = Partial<{ type: DeploymentRecord['type']; applicationName: string; gatewayVersion: string; environmentName: string; overwrite: boolean; expectedStatus: string; targetId: string; targetName: string }>;

export function deploymentView(d: DeploymentRecord, runtime: AnypointRuntime) {
  return {
    id: d.id,
    apiId: d.apiId,
    type: d.type,
    applicationName: d.applicationName,
    applicationId: d.applicationId,
    gatewayVersion: d.gatewayVersion,
    environmentId: d.environmentId,
    environmentName: d.environmentName,
    targetId: d.targetId,
    targetName: d.targetName,
    overwrite: d.overwrite,
    expectedStatus: d.expectedStatus,
    deploymentId: String(d.id),
    audit: audit(d.createdAt, d.updatedAt),
    createdDate: d.createdAt,
    updatedDate: d.updatedAt,
    ...(d.applicationName && runtime.gatewayUrl ? { proxyUrl: `${runtime.gatewayUrl}/${d.applicationName}` } : {}),
  };
}

function nameTaken(ctx: AnypointContext, name: string | null | undefined, exceptApiId: number): boolean {
  return !!name && ctx.state.deployments.some((d) => d.applicationName === name && d.apiId !== exceptApiId);
}

export function registerProxyDeployments(app: FastifyInstance, ctx: AnypointContext, runtime: AnypointRuntime): void {
  const base = '/proxies/xapi/v1/organizations/:orgId/environments/:envId/apis/:apiId/deployments';
  type P = { orgId: string; envId: string; apiId: string };
  const findDeployment = (p: P & { deploymentId: string }) => {
    const api = findInstance(ctx, p.orgId, p.envId, p.apiId);
    const d = ctx.state.deployments.find((x) => x.apiId === api.id && String(x.id) === p.deploymentId);
    if (!d) throw apiNotFound(`Deployment ${p.deploymentId}`);
    return d;
  };

  app.get<{ Params: P }>(base, async (req) => {
    const api = findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId);
    return ctx.state.deployments.filter((d) => d.apiId === api.id).map((d) => deploymentView(d, runtime));
  });

  app.post<{ Params: P; Body: DeploymentBody }>(base, { schema: { body: createBody } }, async (req, reply) => {
    const api = findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId);
    const env = ctx.state.environments.find((e) => e.id === req.params.envId)!;
    const body = req.body;
    const existing = ctx.state.deployments.find((d) => d.apiId === api.id);
    if (existing && !body.overwrite) throw apiManagerError(409, 'ConflictError', `API instance ${api.id} already has a deployment (${existing.id}); PATCH it or send overwrite: true`);
    if (nameTaken(ctx, body.applicationName, api.id)) {
      throw apiManagerError(409, 'ConflictError', `The application name ${body.applicationName} is not available: CloudHub application names are global`);
    }
    const now = nowIso();
    const record: DeploymentRecord = {
      id: existing?.id ?? nextId(ctx.state, 'deployment'),
      apiId: api.id,
      environmentId: env.id,
      environmentName: body.environmentName ?? env.name,
      type: body.type!,
      applicationName: body.applicationName ?? null,
      applicationId: existing?.applicationId ?? randomUUID(),
      gatewayVersion: body.gatewayVersion ?? '4.4.0',
      targetId: body.targetId ?? null,
      targetName: body.targetName ?? null,
      overwrite: body.overwrite ?? false,
      expectedStatus: body.expectedStatus ?? 'deployed',
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    ctx.state.deployments = ctx.state.deployments.filter((d) => d !== existing);
    ctx.state.deployments.push(record);
    api.endpoint.apiGatewayVersion = record.gatewayVersion;
    return reply.code(201).send(deploymentView(record, runtime));
  });

  app.get<{ Params: P & { deploymentId: string } }>(`${base}/:deploymentId`, async (req) => deploymentView(findDeployment(req.params), runtime));

  app.get<{ Params: P & { deploymentId: string } }>(`${base}/:deploymentId/status`, async (req) => {
    const d = findDeployment(req.params);
    return { deploymentId: String(d.id), id: d.id, status: d.expectedStatus === 'undeployed' ? 'undeployed' : 'deployed', applicationName: d.applicationName, type: d.type, lastUpdated: d.updatedAt };
  });

  app.patch<{ Params: P & { deploymentId: string }; Body: DeploymentBody }>(
    `${base}/:deploymentId`,
    { schema: { body: { type: 'object', properties: deploymentProperties } } },
    async (req) => {
      const d = findDeployment(req.params);
      const body = req.body;
      if (body.applicationName && body.applicationName !== d.applicationName && nameTaken(ctx, body.applicationName, d.apiId)) {
        throw apiManagerError(409, 'ConflictError', `The application name ${body.applicationName} is not available: CloudHub application names are global`);
      }
      if (body.type) d.type = body.type;
      if (body.applicationName) d.applicationName = body.applicationName;
      if (body.gatewayVersion) d.gatewayVersion = body.gatewayVersion;
      if (body.environmentName) d.environmentName = body.environmentName;
      if (body.targetId) d.targetId = body.targetId;
      if (body.targetName) d.targetName = body.targetName;
      if (typeof body.overwrite === 'boolean') d.overwrite = body.overwrite;
      if (body.expectedStatus) d.expectedStatus = body.expectedStatus;
      d.updatedAt = nowIso();
      const api = ctx.state.apis.find((a) => a.id === d.apiId);
      if (api) api.endpoint.apiGatewayVersion = d.gatewayVersion;
      return deploymentView(d, runtime);
    },
  );

  app.delete<{ Params: P & { deploymentId: string } }>(`${base}/:deploymentId`, async (req, reply) => {
    const d = findDeployment(req.params);
    ctx.state.deployments = ctx.state.deployments.filter((x) => x !== d);
    return reply.code(204).send();
  });
}
