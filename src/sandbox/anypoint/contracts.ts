import type { FastifyInstance } from 'fastify';
import { findInstance } from './api-instances';
import { AnypointHttpError, apiManagerError, apiNotFound, ErrorFamily, exchangeError } from './errors';
import { AnypointContext, fuzzyMatch, page, requireOrg } from './http';
import { ApiInstanceRecord, audit, ContractRecord, ContractStatus, nextId, nowIso } from './state';

/*
 * Contracts between client applications and API instances (spec apim_contract; reference d).
 * Routes: API Manager `POST /apimanager/api/v1/…/apis/{apiId}/contracts` {applicationId, acceptedTerms,
 * requestedTierId?, requestAccessInfo?} and the portal's Exchange route
 * `POST /exchange/api/v1/organizations/{org}/applications/{appId}/contracts` {apiId, environmentId, …}.
 * Choices:
 * - Create answers 201 (observed in the Bruno collection; the spec says 200, clients accept either).
 * - Status APPROVED, or PENDING when the instance has `approvalMethod: "manual"` or the tier has
 *   `autoApprove: false`. Once an API has active tiers a contract must request one (400 otherwise).
 * - An application and its instance must use the same client provider (400 otherwise); one contract per
 *   application and instance (409); `acceptedTerms: false` is refused (400).
 * - Transitions via `POST /apimanager/xapi/v1/…/contracts/{id}/{approve|reject|revoke|restore}` (201):
 *   approve PENDING|REJECTED→APPROVED, reject PENDING→REJECTED, revoke APPROVED→REVOKED, restore
 *   REVOKED→APPROVED; repeating the current state is a no-op; other moves answer 409 `{name:"ConflictError"}`.
 * - DELETE only once REVOKED or REJECTED ("revoke first", remove-client-app-latest-task.adoc): 409
 *   `{name:"ConflictError"}` otherwise.
 */

const TRANSITIONS: Record<string, { from: ContractStatus[]; to: ContractStatus }> = {
  approve: { from: ['PENDING', 'REJECTED'], to: 'APPROVED' },
  reject: { from: ['PENDING'], to: 'REJECTED' },
  revoke: { from: ['APPROVED'], to: 'REVOKED' },
  restore: { from: ['REVOKED'], to: 'APPROVED' },
};

function applicationOf(ctx: AnypointContext, c: ContractRecord) {
  return ctx.state.applications.find((a) => a.id === c.applicationId);
}

function tierSummary(ctx: AnypointContext, tierId: number | null) {
  const t = tierId ? ctx.state.tiers.find((x) => x.id === tierId) : undefined;
  return t ? { audit: audit(t.createdAt, t.updatedAt), id: t.id, name: t.name, limits: t.limits.map((l) => ({ ...l })), status: t.status, autoApprove: t.autoApprove } : undefined;
}

export function contractDetailsView(ctx: AnypointContext, c: ContractRecord) {
  const app = applicationOf(ctx, c);
  const org = ctx.state.org;
  const tier = tierSummary(ctx, c.tierId);
  const requestedTier = tierSummary(ctx, c.requestedTierId);
  return {
    audit: audit(c.createdAt, c.updatedAt),
    masterOrganizationId: org.id,
    organizationId: org.id,
    id: c.id,
    status: c.status,
    approvedDate: c.approvedDate,
    rejectedDate: c.rejectedDate,
    revokedDate: c.revokedDate,
    applicationId: c.applicationId,
    application: {
      masterOrganizationId: org.id,
      id: c.applicationId,
      name: app?.name ?? '',
      coreServicesId: app?.clientId ?? '',
      clientId: app?.clientId ?? '',
      clientProvider: { providerId: app?.providerId ?? null },
      redirectUri: app?.redirectUri ?? [],
      grantTypes: app?.grantTypes ?? [],
      url: app?.url ?? null,
      owners: [] as unknown[],
    },
    ...(c.tierId !== null ? { tierId: c.tierId } : {}),
    ...(tier ? { tier } : {}),
    requestedTierId: c.requestedTierId,
    ...(requestedTier ? { requestedTier } : {}),
    condition: 'APPLIED',
    apiId: c.apiId,
    api: { audit: audit(c.createdAt), organizationId: org.id, id: c.apiId },
  };
}

function contractListView(ctx: AnypointContext, c: ContractRecord) {
  const app = applicationOf(ctx, c);
  const tier = tierSummary(ctx, c.tierId);
  return {
    audit: audit(c.createdAt, c.updatedAt),
    masterOrganizationId: ctx.state.org.id,
    organizationId: ctx.state.org.id,
    id: c.id,
    status: c.status,
    approvedDate: c.approvedDate,
    rejectedDate: c.rejectedDate,
    revokedDate: c.revokedDate,
    applicationId: c.applicationId,
    application: {
      audit: audit(app?.createdAt ?? c.createdAt, app?.updatedAt ?? c.updatedAt),
      id: c.applicationId,
      name: app?.name ?? '',
      clientId: app?.clientId ?? '',
      clientProvider: { providerId: app?.providerId ?? null },
      coreServicesId: app?.clientId ?? '',
      url: app?.url ?? null,
    },
    tierId: c.tierId,
    ...(tier ? { tier } : {}),
    requestedTierId: c.requestedTierId,
    requestedTier: tierSummary(ctx, c.requestedTierId) ?? null,
    terms: null,
    groupInstanceId: null,
    groupInstance: null,
    partyId: null,
    partyName: null,
    apiId: c.apiId,
    api: { audit: audit(c.createdAt), organizationId: ctx.state.org.id, id: c.apiId },
  };
}

interface ContractRequest {
  applicationId: number;
  acceptedTerms?: boolean;
  requestedTierId?: number | null;
  reason?: string;
}

function fail(family: ErrorFamily, status: number, name: string, message: string): AnypointHttpError {
  return family === 'exchange' ? exchangeError(status, message) : apiManagerError(status, name, message);
}

/** Creates a contract; shared by the API Manager and the Exchange routes (errors in the caller's family). */
export function createContract(ctx: AnypointContext, api: ApiInstanceRecord, req: ContractRequest, family: ErrorFamily): ContractRecord {
  const state = ctx.state;
  const app = state.applications.find((a) => a.id === Number(req.applicationId));
  if (!app) throw fail(family, 404, 'NotFoundError', `Application ${req.applicationId} not found`);
  if (req.acceptedTerms === false) throw fail(family, 400, 'BadRequestError', 'The terms and conditions must be accepted (acceptedTerms: true)');
  if ((app.providerId ?? null) !== (api.providerId ?? null)) {
    throw fail(family, 400, 'BadRequestError', `Application ${app.id} and API instance ${api.id} use different client providers; an application and its instance must use the same client provider`);
  }
  if (state.contracts.some((c) => c.apiId === api.id && c.applicationId === app.id)) {
    throw fail(family, 409, 'ConflictError', `Application ${app.id} already has a contract with API instance ${api.id}`);
  }
  const activeTiers = state.tiers.filter((t) => t.apiId === api.id && t.status === 'ACTIVE');
  let tier = undefined as (typeof activeTiers)[number] | undefined;
  if (req.requestedTierId !== undefined && req.requestedTierId !== null) {
    tier = activeTiers.find((t) => t.id === Number(req.requestedTierId));
    if (!tier) throw fail(family, 404, 'NotFoundError', `SLA tier ${req.requestedTierId} not found for API instance ${api.id}`);
  } else if (activeTiers.length > 0) {
    throw fail(family, 400, 'BadRequestError', `API instance ${api.id} has SLA tiers: requestedTierId is required`);
  }
  const pending = api.approvalMethod === 'manual' || (tier !== undefined && !tier.autoApprove);
  const now = nowIso();
  const record: ContractRecord = {
    id: nextId(state, 'contract'),
    apiId: api.id,
    environmentId: api.environmentId,
    applicationId: app.id,
    status: pending ? 'PENDING' : 'APPROVED',
    tierId: !pending && tier ? tier.id : null,
    requestedTierId: tier ? tier.id : null,
    reason: req.reason ?? null,
    approvedDate: pending ? null : now,
    rejectedDate: null,
    revokedDate: null,
    createdAt: now,
    updatedAt: now,
  };
  state.contracts.push(record);
  return record;
}

/*
 * List filters and order: `status`, `query` (part of the application's name), `coreServicesId` (the
 * application's client id, exactly: anypoint-cli's `contract:delete` asks for `limit=1&coreServicesId=…` and
 * deletes the first contract it gets); `sort` by name (the application's), status, createdDate, updatedDate
 * or id (the default, and the tie-breaker); descending with `ascending=false` or `order=desc`.
 */
type ContractListQuery = Partial<Record<'status' | 'query' | 'coreServicesId' | 'sort' | 'order' | 'ascending' | 'limit' | 'offset', string>>;

const CONTRACT_SORTS: Record<string, (ctx: AnypointContext, c: ContractRecord) => string | number> = {
  id: (_ctx, c) => c.id,
  name: (ctx, c) => (applicationOf(ctx, c)?.name ?? '').toLowerCase(),
  status: (_ctx, c) => c.status,
  createdDate: (_ctx, c) => c.createdAt,
  updatedDate: (_ctx, c) => c.updatedAt,
};

const compareBy = (a: string | number, b: string | number): number => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)));

export function registerContracts(app: FastifyInstance, ctx: AnypointContext): void {
  const base = '/apimanager/api/v1/organizations/:orgId/environments/:envId/apis/:apiId/contracts';
  type P = { orgId: string; envId: string; apiId: string };
  const findContract = (p: P & { contractId: string }) => {
    const api = findInstance(ctx, p.orgId, p.envId, p.apiId);
    const c = ctx.state.contracts.find((x) => x.apiId === api.id && String(x.id) === p.contractId);
    if (!c) throw apiNotFound(`Contract ${p.contractId}`);
    return c;
  };

  app.get<{ Params: P; Querystring: ContractListQuery }>(base, async (req) => {
    const api = findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId);
    const q = req.query;
    const sortValue = CONTRACT_SORTS[q.sort ?? ''] ?? CONTRACT_SORTS.id;
    const descending = String(q.ascending).toLowerCase() === 'false' || String(q.order).toLowerCase() === 'desc';
    const matching = ctx.state.contracts
      .filter((c) => c.apiId === api.id)
      .filter((c) => !q.status || c.status === q.status.toUpperCase())
      .filter((c) => !q.coreServicesId || applicationOf(ctx, c)?.clientId === q.coreServicesId)
      .filter((c) => fuzzyMatch(q.query, applicationOf(ctx, c)?.name))
      .sort((a, b) => compareBy(sortValue(ctx, a), sortValue(ctx, b)) || a.id - b.id);
    if (descending) matching.reverse();
    return { contracts: page(matching, q, 20).map((c) => contractListView(ctx, c)), total: matching.length };
  });

  const createSchema = {
    type: 'object',
    required: ['applicationId'],
    properties: {
      applicationId: { type: 'integer' },
      acceptedTerms: { type: 'boolean' },
      requestedTierId: { type: 'integer', nullable: true },
      requestAccessInfo: { type: 'object', properties: { reason: { type: 'string' } } },
    },
  };

  app.post<{ Params: P; Body: { applicationId: number; acceptedTerms?: boolean; requestedTierId?: number | null; requestAccessInfo?: { reason?: string } } }>(
    base,
    { schema: { body: createSchema } },
    async (req, reply) => {
      const api = findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId);
      const c = createContract(ctx, api, { ...req.body, reason: req.body.requestAccessInfo?.reason }, 'apiManager');
      return reply.code(201).send(contractDetailsView(ctx, c));
    },
  );

  app.get<{ Params: P & { contractId: string } }>(`${base}/:contractId`, async (req) => contractDetailsView(ctx, findContract(req.params)));

  app.patch<{ Params: P & { contractId: string }; Body: { requestedTierId?: number; tierId?: number } }>(
    `${base}/:contractId`,
    { schema: { body: { type: 'object', properties: { requestedTierId: { type: 'integer' }, tierId: { type: 'integer' } } } } },
    async (req) => {
      const c = findContract(req.params);
      const wanted = req.body.tierId ?? req.body.requestedTierId;
      if (wanted !== undefined) {
        const tier = ctx.state.tiers.find((t) => t.apiId === c.apiId && t.id === wanted);
        if (!tier) throw apiNotFound(`SLA tier ${wanted}`);
        c.requestedTierId = tier.id;
        if (req.body.tierId !== undefined || tier.autoApprove) c.tierId = tier.id;
      }
      c.updatedAt = nowIso();
      return contractDetailsView(ctx, c);
    },
  );

  app.delete<{ Params: P & { contractId: string } }>(`${base}/:contractId`, async (req, reply) => {
    const c = findContract(req.params);
    if (c.status !== 'REVOKED' && c.status !== 'REJECTED') {
      throw apiManagerError(409, 'ConflictError', `Contract ${c.id} is ${c.status}: revoke it before deleting it`);
    }
    ctx.state.contracts = ctx.state.contracts.filter((x) => x !== c);
    return reply.code(204).send();
  });

  app.post<{ Params: P & { contractId: string; action: string } }>(
    '/apimanager/xapi/v1/organizations/:orgId/environments/:envId/apis/:apiId/contracts/:contractId/:action',
    async (req, reply) => {
      const c = findContract(req.params);
      const move = TRANSITIONS[req.params.action];
      if (!move) throw apiManagerError(404, 'NotFoundError', `Unknown contract action ${req.params.action}; use approve, reject, revoke or restore`);
      if (c.status !== move.to) {
        if (!move.from.includes(c.status)) throw apiManagerError(409, 'ConflictError', `A ${c.status} contract cannot be moved to ${move.to} with ${req.params.action}`);
        const now = nowIso();
        c.status = move.to;
        if (move.to === 'APPROVED') {
          c.approvedDate = now;
          c.revokedDate = null;
          if (c.requestedTierId !== null) c.tierId = c.requestedTierId;
        }
        if (move.to === 'REJECTED') c.rejectedDate = now;
        if (move.to === 'REVOKED') c.revokedDate = now;
        c.updatedAt = now;
      }
      return reply.code(201).send(contractDetailsView(ctx, c));
    },
  );

  // The portal's "Request access": the same contract, requested from the application's side.
  app.post<{ Params: { orgId: string; appId: string }; Body: { apiId: number | string; environmentId?: string; acceptedTerms?: boolean; requestedTierId?: number | null } }>(
    '/exchange/api/v1/organizations/:orgId/applications/:appId/contracts',
    { schema: { body: { type: 'object', required: ['apiId'], properties: { apiId: { anyOf: [{ type: 'integer' }, { type: 'string' }] }, environmentId: { type: 'string' }, acceptedTerms: { type: 'boolean' }, requestedTierId: { type: 'integer', nullable: true } } } } },
    async (req, reply) => {
      requireOrg(ctx, req.params.orgId, 'exchange');
      const api = ctx.state.apis.find((a) => String(a.id) === String(req.body.apiId) && (!req.body.environmentId || a.environmentId === req.body.environmentId));
      if (!api) throw exchangeError(404, `API instance ${req.body.apiId} not found`);
      const c = createContract(ctx, api, { applicationId: Number(req.params.appId), acceptedTerms: req.body.acceptedTerms, requestedTierId: req.body.requestedTierId }, 'exchange');
      return reply.code(201).send(contractDetailsView(ctx, c));
    },
  );
}
