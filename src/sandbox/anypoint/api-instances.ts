import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CLIENT_PROVIDER_TYPE } from './client-providers';
import { apiManagerError, apiNotFound } from './errors';
import { findAsset } from './exchange-assets';
import { AnypointContext, AnypointRuntime, fuzzyMatch, isRecord, page, requireEnv } from './http';
import { findTemplate } from './policy-templates';
import { ApiInstanceRecord, audit, DeploymentRecord, EndpointRecord, nextId, nowIso } from './state';

/*
 * API Manager instances created from an Exchange asset (spec apim; reference c.1). Both the public
 * `/apimanager/api/v1/…/apis` and the experience `/apimanager/xapi/v1/…/apis` paths answer create, get,
 * patch and delete. Choices:
 * - A `spec` naming an asset version missing from Exchange answers 404 `{name:"NotFoundError", message}`.
 * - An unknown `providerId` answers 400 `{name:"BadRequestError"}`.
 * - `providerId` cannot change while the instance has contracts, nor while it has OpenID Connect policies
 *   unless the new provider is of the same type (configure-multiple-credential-providers.adoc): 409
 *   `{name:"ClientProviderChangeError", message}`.
 * - Listing: exact filters groupId, assetId, assetVersion, instanceLabel, productVersion,
 *   autodiscoveryInstanceName; `query` is a case-insensitive substring of label, asset id and asset name;
 *   limit (default 20, max 500) and offset page over instances (sorted by id, `ascending=false` reverses),
 *   which are then grouped under `assets[].apis[]`; `total` counts matching instances.
 * - Deleting an instance deletes its deployment, policies, tiers and contracts.
 * - `referencesUserDomain` and `responseTimeout` are strings in the published response schema; booleans and
 *   numbers sent are rendered as strings (false/absent as null).
 * - Once a proxy is deployed the instance reports `status: "active"` and, without an explicit endpointUri,
 *   the gateway URL of its proxy.
 * - Upstreams (`…/apis/{apiId}/upstreams`, read-only; spec apim's routing `upstreams`): an instance has one,
 *   its implementation URI (`endpoint.uri`), or none without one. Its id is a UUID derived from the instance
 *   id, so it is stable across reads and restarts; no TLS context, `label` null, weight 100 in routing.
 */

const TECHNOLOGIES = ['flexGateway', 'mule3', 'mule4', 'serviceMesh'];
const DEPLOYMENT_TYPES = ['CH', 'CH2', 'HY', 'RF'];

const nullableString = { type: 'string', nullable: true };
const endpointSchema = {
  type: 'object',
  nullable: true,
  properties: {
    deploymentType: { type: 'string', enum: DEPLOYMENT_TYPES },
    type: nullableString,
    uri: nullableString,
    proxyUri: nullableString,
    proxyRegistrationUri: nullableString,
    isCloudHub: { type: 'boolean', nullable: true },
    muleVersion4OrAbove: { type: 'boolean', nullable: true },
    referencesUserDomain: { anyOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'null' }] },
    responseTimeout: { anyOf: [{ type: 'integer' }, { type: 'string' }, { type: 'null' }] },
    tlsContexts: { type: 'object', nullable: true },
  },
};

const instanceProperties = {
  technology: { type: 'string', enum: TECHNOLOGIES },
  providerId: nullableString,
  approvalMethod: { type: 'string', nullable: true, enum: ['manual', 'automatic', null] },
  endpointUri: nullableString,
  instanceLabel: nullableString,
  spec: { type: 'object', required: ['groupId', 'assetId', 'version'], properties: { groupId: { type: 'string' }, assetId: { type: 'string' }, version: { type: 'string' } } },
  endpoint: endpointSchema,
  routing: { type: 'array', nullable: true },
  deployment: { type: 'object', nullable: true },
};

const createBody = { type: 'object', required: ['spec'], properties: instanceProperties };
const patchBody = {
  type: 'object',
  properties: { ...instanceProperties, spec: { type: 'object', properties: { groupId: { type: 'string' }, assetId: { type: 'string' }, version: { type: 'string' } } } },
};

type EndpointInput = Partial<Record<keyof EndpointRecord, unknown>>;
interface InstanceBody {
  technology?: string;
  providerId?: string | null;
  approvalMethod?: string | null;
  endpointUri?: string | null;
  instanceLabel?: string | null;
  spec?: { groupId?: string; assetId?: string; version?: string };
  endpoint?: EndpointInput | null;
}

const asNullableString = (v: unknown): string | null => (v === undefined || v === null || v === false ? null : String(v));

function endpointFrom(input: EndpointInput | null | undefined, current: EndpointRecord | undefined, id: number): EndpointRecord {
  const e = input ?? {};
  const pick = <K extends keyof EndpointRecord>(k: K, convert: (v: unknown) => EndpointRecord[K], fallback: EndpointRecord[K]): EndpointRecord[K] =>
    k in e ? convert(e[k]) : current ? current[k] : fallback;
  const deploymentType = pick('deploymentType', (v) => String(v ?? 'CH'), 'CH');
  return {
    id,
    deploymentType,
    type: pick('type', asNullableString, 'raml'),
    uri: pick('uri', asNullableString, null),
    proxyUri: pick('proxyUri', asNullableString, null),
    proxyRegistrationUri: pick('proxyRegistrationUri', asNullableString, null),
    isCloudHub: pick('isCloudHub', (v) => (typeof v === 'boolean' ? v : null), deploymentType === 'CH'),
    muleVersion4OrAbove: pick('muleVersion4OrAbove', (v) => (typeof v === 'boolean' ? v : null), true),
    referencesUserDomain: pick('referencesUserDomain', asNullableString, null),
    responseTimeout: pick('responseTimeout', asNullableString, null),
    apiGatewayVersion: current?.apiGatewayVersion ?? null,
  };
}

export function deploymentOf(ctx: AnypointContext, apiId: number): DeploymentRecord | undefined {
  return ctx.state.deployments.find((d) => d.apiId === apiId);
}

export function instanceDeploymentView(d: DeploymentRecord) {
  return {
    audit: audit(d.createdAt, d.updatedAt),
    id: d.id,
    applicationId: d.applicationId,
    applicationName: d.applicationName,
    gatewayVersion: d.gatewayVersion,
    environmentName: d.environmentName,
    environmentId: d.environmentId,
    ...(d.targetId ? { targetId: d.targetId } : {}),
    ...(d.targetName ? { targetName: d.targetName } : {}),
    deploymentId: String(d.id),
    updatedDate: d.updatedAt,
    type: d.type,
    expectedStatus: d.expectedStatus,
    apiId: d.apiId,
  };
}

export function instanceView(ctx: AnypointContext, runtime: AnypointRuntime, api: ApiInstanceRecord) {
  const org = ctx.state.org;
  const deployment = deploymentOf(ctx, api.id);
  const proxyUrl = deployment?.applicationName && runtime.gatewayUrl ? `${runtime.gatewayUrl}/${deployment.applicationName}` : undefined;
  const endpointUri = api.endpointUri ?? proxyUrl;
  const e = api.endpoint;
  return {
    audit: audit(api.createdAt, api.updatedAt),
    masterOrganizationId: org.id,
    organizationId: org.id,
    id: api.id,
    instanceLabel: api.instanceLabel ?? '',
    groupId: api.groupId,
    assetId: api.assetId,
    assetVersion: api.assetVersion,
    productVersion: api.productVersion,
    tags: [] as string[],
    order: 1,
    providerId: api.providerId,
    approvalMethod: api.approvalMethod,
    deprecated: false,
    lastActiveDate: deployment ? deployment.updatedAt : null,
    ...(endpointUri ? { endpointUri } : {}),
    environmentId: api.environmentId,
    isPublic: false,
    stage: 'release',
    technology: api.technology,
    status: deployment ? 'active' : 'unregistered',
    autodiscoveryInstanceName: `${api.productVersion}:${api.id}`,
    endpoint: {
      audit: audit(api.createdAt, api.updatedAt),
      id: e.id,
      type: e.type,
      uri: e.uri,
      apiGatewayVersion: deployment?.gatewayVersion ?? e.apiGatewayVersion,
      proxyUri: e.proxyUri,
      proxyRegistrationUri: e.proxyRegistrationUri,
      lastActiveDate: null,
      isCloudHub: e.isCloudHub,
      deploymentType: e.deploymentType,
      policiesVersion: null,
      referencesUserDomain: e.referencesUserDomain,
      responseTimeout: e.responseTimeout,
      wsdlConfig: null,
      muleVersion4OrAbove: e.muleVersion4OrAbove,
      apiVersionId: api.id,
      validation: null,
    },
    deployment: deployment ? instanceDeploymentView(deployment) : null,
    routing: [] as unknown[],
  };
}

/** The list entry: the same fields minus the ones the listing schema forbids as null. */
function listEntry(ctx: AnypointContext, runtime: AnypointRuntime, api: ApiInstanceRecord) {
  const { providerId, lastActiveDate, endpoint: _endpoint, approvalMethod: _approval, ...rest } = instanceView(ctx, runtime, api);
  return {
    ...rest,
    ...(providerId ? { providerId } : {}),
    ...(lastActiveDate ? { lastActiveDate } : {}),
    pinned: false,
    activeContractsCount: ctx.state.contracts.filter((c) => c.apiId === api.id && c.status === 'APPROVED').length,
  };
}

export function findInstance(ctx: AnypointContext, orgId: string, envId: string, apiId: string): ApiInstanceRecord {
  requireEnv(ctx, orgId, envId, 'apiManager');
  const api = ctx.state.apis.find((a) => String(a.id) === apiId && a.environmentId === envId);
  if (!api) throw apiNotFound(`API instance ${apiId}`);
  return api;
}

function checkProvider(ctx: AnypointContext, providerId: string | null | undefined) {
  if (providerId && !ctx.state.clientProviders.some((p) => p.providerId === providerId)) {
    throw apiManagerError(400, 'BadRequestError', `Client provider ${providerId} does not exist in this organization`);
  }
}

function checkProviderChange(ctx: AnypointContext, api: ApiInstanceRecord, next: string | null) {
  if (next === api.providerId) return;
  if (ctx.state.contracts.some((c) => c.apiId === api.id)) {
    throw apiManagerError(409, 'ClientProviderChangeError', 'The client provider of an API instance cannot be changed while the instance has contracts');
  }
  const oidcPolicies = ctx.state.policies.some((p) => p.apiId === api.id && findTemplate(p.groupId, p.assetId)?.requiresOidcProvider);
  const sameType = api.providerId !== null && next !== null; // every external provider is of type openid-dynamic-client
  if (oidcPolicies && !sameType) {
    throw apiManagerError(409, 'ClientProviderChangeError', `The client provider cannot be changed while OpenID Connect policies are applied, unless the new provider is also of type ${CLIENT_PROVIDER_TYPE}`);
  }
}

function deleteInstance(ctx: AnypointContext, api: ApiInstanceRecord) {
  const s = ctx.state;
  s.apis = s.apis.filter((a) => a !== api);
  s.deployments = s.deployments.filter((d) => d.apiId !== api.id);
  s.policies = s.policies.filter((p) => p.apiId !== api.id);
  s.tiers = s.tiers.filter((t) => t.apiId !== api.id);
  s.contracts = s.contracts.filter((c) => c.apiId !== api.id);
}

/** A UUID that is the same for the same instance every time (version nibble 5, name-based). */
function upstreamId(api: ApiInstanceRecord): string {
  const hex = createHash('sha1').update(`upstream:${api.id}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function upstreamsOf(api: ApiInstanceRecord) {
  if (!api.endpoint.uri) return [];
  return [{ audit: audit(api.createdAt, api.updatedAt), id: upstreamId(api), label: null, uri: api.endpoint.uri, tlsContext: null }];
}

type ListQuery = Record<'query' | 'groupId' | 'assetId' | 'assetVersion' | 'instanceLabel' | 'productVersion' | 'autodiscoveryInstanceName' | 'limit' | 'offset' | 'ascending', string | undefined>;

export function registerApiInstances(app: FastifyInstance, ctx: AnypointContext, runtime: AnypointRuntime): void {
  const prefixes = ['/apimanager/api/v1', '/apimanager/xapi/v1'];
  for (const prefix of prefixes) {
    const base = `${prefix}/organizations/:orgId/environments/:envId/apis`;

    app.get<{ Params: { orgId: string; envId: string }; Querystring: ListQuery }>(base, async (req) => {
      requireEnv(ctx, req.params.orgId, req.params.envId, 'apiManager');
      const q = req.query;
      const exact = (value: string | undefined, actual: string | null) => value === undefined || value === actual;
      const matching = ctx.state.apis
        .filter((a) => a.environmentId === req.params.envId)
        .filter((a) => {
          const asset = findAsset(ctx, a.groupId, a.assetId, a.assetVersion);
          return (
            exact(q.groupId, a.groupId) &&
            exact(q.assetId, a.assetId) &&
            exact(q.assetVersion, a.assetVersion) &&
            exact(q.instanceLabel, a.instanceLabel) &&
            exact(q.productVersion, a.productVersion) &&
            exact(q.autodiscoveryInstanceName, `${a.productVersion}:${a.id}`) &&
            fuzzyMatch(q.query, a.instanceLabel, a.assetId, asset?.name)
          );
        })
        .sort((a, b) => (String(q.ascending).toLowerCase() === 'false' ? b.id - a.id : a.id - b.id));
      const assets = new Map<string, { apis: ApiInstanceRecord[] }>();
      for (const api of page(matching, q, 20)) {
        const key = `${api.groupId}/${api.assetId}`;
        if (!assets.has(key)) assets.set(key, { apis: [] });
        assets.get(key)!.apis.push(api);
      }
      return {
        total: matching.length,
        assets: [...assets.values()].map(({ apis }) => {
          const first = apis[0];
          const asset = findAsset(ctx, first.groupId, first.assetId, first.assetVersion);
          return {
            audit: audit(first.createdAt),
            masterOrganizationId: ctx.state.org.id,
            organizationId: ctx.state.org.id,
            id: first.assetRecordId,
            name: `groupId:${first.groupId}:assetId:${first.assetId}`,
            exchangeAssetName: asset?.name ?? first.assetId,
            groupId: first.groupId,
            assetId: first.assetId,
            apis: apis.map((a) => listEntry(ctx, runtime, a)),
            totalApis: ctx.state.apis.filter((a) => a.environmentId === req.params.envId && a.groupId === first.groupId && a.assetId === first.assetId).length,
            autodiscoveryApiName: `groupId:${first.groupId}:assetId:${first.assetId}`,
          };
        }),
      };
    });

    app.post<{ Params: { orgId: string; envId: string }; Body: InstanceBody }>(base, { schema: { body: createBody } }, async (req, reply) => {
      requireEnv(ctx, req.params.orgId, req.params.envId, 'apiManager');
      const body = req.body;
      const spec = body.spec!;
      const asset = findAsset(ctx, String(spec.groupId), String(spec.assetId), String(spec.version));
      if (!asset) throw apiNotFound(`Exchange asset ${spec.groupId}:${spec.assetId}:${spec.version}`);
      checkProvider(ctx, body.providerId);
      const state = ctx.state;
      const now = nowIso();
      const sibling = state.apis.find((a) => a.groupId === asset.groupId && a.assetId === asset.assetId);
      const id = nextId(state, 'api');
      const record: ApiInstanceRecord = {
        id,
        environmentId: req.params.envId,
        groupId: asset.groupId,
        assetId: asset.assetId,
        assetVersion: asset.version,
        productVersion: asset.apiVersion ?? `v${asset.version.split('.')[0]}`,
        instanceLabel: body.instanceLabel ?? null,
        providerId: body.providerId ?? null,
        technology: body.technology ?? 'mule4',
        approvalMethod: body.approvalMethod ?? null,
        endpointUri: body.endpointUri ?? null,
        endpoint: endpointFrom(body.endpoint, undefined, nextId(state, 'endpoint')),
        assetRecordId: sibling?.assetRecordId ?? nextId(state, 'assetRecord'),
        createdAt: now,
        updatedAt: now,
      };
      state.apis.push(record);
      return reply.code(201).send(instanceView(ctx, runtime, record));
    });

    app.get<{ Params: { orgId: string; envId: string; apiId: string } }>(`${base}/:apiId`, async (req) =>
      instanceView(ctx, runtime, findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId)),
    );

    app.patch<{ Params: { orgId: string; envId: string; apiId: string }; Body: InstanceBody }>(`${base}/:apiId`, { schema: { body: patchBody } }, async (req) => {
      const api = findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId);
      const body = req.body;
      if ('providerId' in body) {
        const next = body.providerId ?? null;
        checkProvider(ctx, next);
        checkProviderChange(ctx, api, next);
        api.providerId = next;
      }
      if (isRecord(body.spec) && body.spec.version && body.spec.version !== api.assetVersion) {
        const asset = findAsset(ctx, api.groupId, api.assetId, body.spec.version);
        if (!asset) throw apiNotFound(`Exchange asset ${api.groupId}:${api.assetId}:${body.spec.version}`);
        api.assetVersion = asset.version;
      }
      if ('instanceLabel' in body) api.instanceLabel = body.instanceLabel ?? null;
      if ('endpointUri' in body) api.endpointUri = body.endpointUri ?? null;
      if ('approvalMethod' in body) api.approvalMethod = body.approvalMethod ?? null;
      if (body.technology) api.technology = body.technology;
      if (isRecord(body.endpoint)) api.endpoint = endpointFrom(body.endpoint, api.endpoint, api.endpoint.id);
      api.updatedAt = nowIso();
      return instanceView(ctx, runtime, api);
    });

    app.delete<{ Params: { orgId: string; envId: string; apiId: string } }>(`${base}/:apiId`, async (req, reply) => {
      deleteInstance(ctx, findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId));
      return reply.code(204).send();
    });

    app.get<{ Params: { orgId: string; envId: string; apiId: string } }>(`${base}/:apiId/upstreams`, async (req) => {
      const upstreams = upstreamsOf(findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId));
      return { upstreams, total: upstreams.length };
    });

    app.get<{ Params: { orgId: string; envId: string; apiId: string; upstreamId: string } }>(`${base}/:apiId/upstreams/:upstreamId`, async (req) => {
      const upstream = upstreamsOf(findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId)).find((u) => u.id === req.params.upstreamId);
      if (!upstream) throw apiNotFound(`Upstream ${req.params.upstreamId}`);
      return upstream;
    });
  }
}
