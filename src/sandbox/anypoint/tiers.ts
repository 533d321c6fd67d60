import type { FastifyInstance } from 'fastify';
import { findInstance } from './api-instances';
import { apiManagerError, apiNotFound } from './errors';
import { AnypointContext, page } from './http';
import { nextId, nowIso, TierLimit, TierRecord } from './state';

/*
 * SLA tiers (spec apim_tier), minimal: list, create, update, delete. A tier with `autoApprove: false`
 * makes the contracts requesting it PENDING; once an API has active tiers a contract must name one.
 * The gateway enforces a tier's limits where the "Rate limiting - SLA based" policy is applied
 * (gateway/sla-rate-limit-policy.ts), as on the platform: tiers alone limit nothing.
 */

const limitSchema = {
  type: 'object',
  required: ['maximumRequests', 'timePeriodInMilliseconds'],
  properties: { maximumRequests: { type: 'integer', minimum: 1 }, timePeriodInMilliseconds: { type: 'integer', minimum: 1 }, visible: { type: 'boolean' } },
};
const tierProperties = {
  name: { type: 'string', minLength: 1 },
  description: { type: 'string', nullable: true },
  autoApprove: { type: 'boolean' },
  status: { type: 'string', enum: ['ACTIVE', 'DEPRECATED'] },
  limits: { type: 'array', items: limitSchema },
};

interface TierBody {
  name?: string;
  description?: string | null;
  autoApprove?: boolean;
  status?: 'ACTIVE' | 'DEPRECATED';
  limits?: Partial<TierLimit>[];
}

export function tierView(ctx: AnypointContext, t: TierRecord) {
  return {
    audit: { created: { date: t.createdAt }, updated: { date: t.updatedAt } },
    masterOrganizationId: ctx.state.org.id,
    organizationId: ctx.state.org.id,
    id: t.id,
    name: t.name,
    description: t.description,
    autoApprove: t.autoApprove,
    status: t.status,
    limits: t.limits.map((l) => ({ ...l })),
    applicationCount: ctx.state.contracts.filter((c) => c.tierId === t.id).length,
    apiId: t.apiId,
    apiVersionId: null,
  };
}

const limitsFrom = (limits: Partial<TierLimit>[] | undefined): TierLimit[] =>
  (limits ?? []).map((l) => ({ maximumRequests: Number(l.maximumRequests), timePeriodInMilliseconds: Number(l.timePeriodInMilliseconds), visible: l.visible ?? true }));

export function registerTiers(app: FastifyInstance, ctx: AnypointContext): void {
  const base = '/apimanager/api/v1/organizations/:orgId/environments/:envId/apis/:apiId/tiers';
  type P = { orgId: string; envId: string; apiId: string };
  const findTier = (p: P & { tierId: string }) => {
    const api = findInstance(ctx, p.orgId, p.envId, p.apiId);
    const tier = ctx.state.tiers.find((t) => t.apiId === api.id && String(t.id) === p.tierId);
    if (!tier) throw apiNotFound(`SLA tier ${p.tierId}`);
    return tier;
  };

  app.get<{ Params: P; Querystring: { limit?: string; offset?: string } }>(base, async (req) => {
    const api = findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId);
    const tiers = ctx.state.tiers.filter((t) => t.apiId === api.id).sort((a, b) => a.id - b.id);
    return { total: tiers.length, tiers: page(tiers, req.query, 20).map((t) => tierView(ctx, t)) };
  });

  app.post<{ Params: P; Body: TierBody }>(base, { schema: { body: { type: 'object', required: ['name', 'limits'], properties: tierProperties } } }, async (req, reply) => {
    const api = findInstance(ctx, req.params.orgId, req.params.envId, req.params.apiId);
    const body = req.body;
    if (ctx.state.tiers.some((t) => t.apiId === api.id && t.name === body.name)) throw apiManagerError(409, 'ConflictError', `A tier named ${body.name} already exists for API ${api.id}`);
    const now = nowIso();
    const tier: TierRecord = {
      id: nextId(ctx.state, 'tier'),
      apiId: api.id,
      name: body.name!,
      description: body.description ?? null,
      status: body.status ?? 'ACTIVE',
      autoApprove: body.autoApprove ?? false,
      limits: limitsFrom(body.limits),
      createdAt: now,
      updatedAt: now,
    };
    ctx.state.tiers.push(tier);
    return reply.code(201).send(tierView(ctx, tier));
  });

  app.put<{ Params: P & { tierId: string }; Body: TierBody }>(`${base}/:tierId`, { schema: { body: { type: 'object', properties: tierProperties } } }, async (req, reply) => {
    const tier = findTier(req.params);
    const body = req.body;
    if (body.name !== undefined) tier.name = body.name;
    if (body.description !== undefined) tier.description = body.description;
    if (body.status !== undefined) tier.status = body.status;
    if (body.autoApprove !== undefined) tier.autoApprove = body.autoApprove;
    if (body.limits !== undefined) tier.limits = limitsFrom(body.limits);
    tier.updatedAt = nowIso();
    return reply.code(201).send(tierView(ctx, tier));
  });

  app.delete<{ Params: P & { tierId: string } }>(`${base}/:tierId`, async (req, reply) => {
    const tier = findTier(req.params);
    if (ctx.state.contracts.some((c) => c.tierId === tier.id || c.requestedTierId === tier.id)) {
      throw apiManagerError(409, 'ConflictError', `Tier ${tier.id} is used by contracts; move or delete them first`);
    }
    ctx.state.tiers = ctx.state.tiers.filter((t) => t !== tier);
    return reply.code(204).send();
  });
}
