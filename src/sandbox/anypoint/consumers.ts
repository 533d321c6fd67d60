import type { FastifyError, FastifyInstance } from 'fastify';
import { applicationView, createApplication, deleteApplication, GRANT_TYPES } from './client-applications';
import { contractDetailsView, createContract } from './contracts';
import { AnypointHttpError, exchangeError } from './errors';
import type { AnypointContext } from './http';
import type { ApiInstanceRecord, TierRecord } from './state';

/*
 * The consumer's side of Exchange, as admin calls under /__sandbox (the sandbox has no Exchange UI):
 * - `POST /__sandbox/consumers/request-access` {apiId, applicationName, tier?, grantTypes?, redirectUris?,
 *   description?, url?, consumer?, reason?} does what Exchange's "Request access" does with a new application:
 *   creates the client application for the instance (`POST /exchange/api/v2/…/applications?apiInstanceId=`, so
 *   Anypoint registers its client at the instance's client provider) and then its contract with the chosen tier
 *   (the portal's `POST /exchange/api/v1/…/applications/{appId}/contracts`), through the same code as those
 *   routes, errors in Exchange's `{status, message}` shape. 201 `{application, contract}`; the application
 *   includes its clientSecret, as Exchange shows it to its owner.
 * - `DELETE /__sandbox/consumers/applications/{appId}` deletes the application as its owner does in Exchange
 *   (`DELETE /exchange/api/v2/…/applications/{appId}`): its contracts go with it, its client at the provider
 *   stays (unless the provider has allow_external_client_modification). 200 `{application, deletedContracts}`.
 * Choices:
 * - `tier` is a tier's name (case-insensitive) or id among the instance's ACTIVE tiers. The tier and the
 *   instance are checked before anything is created, so a bad request leaves nothing behind; a failure at the
 *   client provider leaves nothing either. A contract refused after the registration (it cannot be, with the
 *   checks above, short of a fault) would leave the application, as in Exchange.
 * - `grantTypes` default to ["client_credentials"]: a consumer's backend calling the API.
 * - `consumer` is the username of the Anypoint user acting (default: the org's owner, the seeded solar-admin);
 *   the application is theirs, so the connected app lists it only with `targetAdminSite=true`, as on the platform.
 * - These calls are admin calls: no faults, rate limits or request-log entries, so a test's fault injection or
 *   call count on the public API is not disturbed by the consumer's side.
 */

interface RequestAccessBody {
  apiId: number | string;
  applicationName: string;
  tier?: string | number;
  grantTypes?: string[];
  redirectUris?: string[];
  description?: string;
  url?: string;
  consumer?: string;
  reason?: string;
}

const requestAccessSchema = {
  type: 'object',
  required: ['apiId', 'applicationName'],
  additionalProperties: false,
  properties: {
    apiId: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]+$' }] },
    applicationName: { type: 'string', minLength: 1 },
    tier: { anyOf: [{ type: 'integer' }, { type: 'string', minLength: 1 }] },
    grantTypes: { type: 'array', minItems: 1, items: { type: 'string', enum: GRANT_TYPES } },
    redirectUris: { type: 'array', items: { type: 'string' } },
    description: { type: 'string' },
    url: { type: 'string' },
    consumer: { type: 'string', minLength: 1 },
    reason: { type: 'string' },
  },
};

function chooseTier(ctx: AnypointContext, api: ApiInstanceRecord, wanted: string | number | undefined): TierRecord | undefined {
  const active = ctx.state.tiers.filter((t) => t.apiId === api.id && t.status === 'ACTIVE');
  const names = active.map((t) => `${t.name} (${t.id})`).join(', ');
  if (wanted === undefined) {
    if (active.length > 0) throw exchangeError(400, `API instance ${api.id} has SLA tiers: choose one with tier (${names})`);
    return undefined;
  }
  const tier = active.find((t) => String(t.id) === String(wanted) || t.name.toLowerCase() === String(wanted).toLowerCase());
  if (!tier) throw exchangeError(404, `SLA tier ${wanted} not found for API instance ${api.id}; its active tiers: ${names || 'none'}`);
  return tier;
}

export function registerConsumerAdmin(app: FastifyInstance, ctx: AnypointContext): void {
  app.setErrorHandler((error: FastifyError, _req, reply) => {
    if (error instanceof AnypointHttpError) return reply.code(error.status).headers(error.headers).send(error.body);
    if (error.validation) return reply.code(400).send({ error: 'bad_request', message: `${error.validationContext ?? 'body'}${error.message.replace(/^body/, '')}` });
    return reply.code(error.statusCode && error.statusCode < 500 ? error.statusCode : 500).send({ error: 'internal', message: error.message });
  });

  app.post<{ Body: RequestAccessBody }>('/consumers/request-access', { schema: { body: requestAccessSchema } }, async (req, reply) => {
    const body = req.body;
    const state = ctx.state;
    const api = state.apis.find((a) => String(a.id) === String(body.apiId));
    if (!api) throw exchangeError(404, `API instance ${body.apiId} not found`);
    const tier = chooseTier(ctx, api, body.tier);
    const user = body.consumer === undefined ? state.users.find((u) => u.id === state.org.ownerId) : state.users.find((u) => u.username === body.consumer);
    if (!user) throw exchangeError(400, `No Anypoint user ${body.consumer} in the organization; use an existing username (e.g. ${state.users[0]?.username}) or leave consumer out`);

    const application = await createApplication(
      ctx,
      { name: body.applicationName, description: body.description, url: body.url, grantTypes: body.grantTypes ?? ['client_credentials'], redirectUri: body.redirectUris ?? [] },
      { apiInstanceId: api.id, owner: { userId: user.id } },
    );
    const contract = createContract(ctx, api, { applicationId: application.id, acceptedTerms: true, requestedTierId: tier?.id ?? null, reason: body.reason }, 'exchange');
    ctx.store.persist();
    return reply.code(201).send({ application: applicationView(ctx, application, true), contract: contractDetailsView(ctx, contract) });
  });

  app.delete<{ Params: { appId: string } }>('/consumers/applications/:appId', async (req) => {
    const application = ctx.state.applications.find((a) => String(a.id) === req.params.appId);
    if (!application) throw exchangeError(404, `Application ${req.params.appId} not found`);
    const contracts = ctx.state.contracts.filter((c) => c.applicationId === application.id).map((c) => ({ id: c.id, apiId: c.apiId, status: c.status }));
    await deleteApplication(ctx, application);
    ctx.store.persist();
    return { application: { id: application.id, name: application.name, clientId: application.clientId }, deletedContracts: contracts };
  });
}
