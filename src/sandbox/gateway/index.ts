import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Agent, request } from 'undici';
import { ANYPOINT_RATE_LIMIT_HEADERS, RunningSandbox, SandboxOptions, SandboxServiceDefinition, startSandbox } from '../core';
import { anypointRuntimeOf, AnypointState, CLIENT_ID_TEMPLATE, effectiveConfiguration, findTemplate, OIDC_TEMPLATE, RATE_LIMIT_TEMPLATE, SLA_RATE_LIMIT_TEMPLATE } from '../anypoint';
import type { ApiInstanceRecord, PointcutRecord, PolicyRecord } from '../anypoint/state';
import { ClientIdConfig, enforceClientId } from './client-id-policy';
import { OidcConfig, OidcPolicyEnforcer } from './oidc-policy';
import { GatewayRequest, PolicyOutcome } from './outcome';
import { RateLimitConfig, RateLimitEnforcer } from './rate-limit-policy';
import { SlaRateLimitConfig, SlaRateLimitEnforcer } from './sla-rate-limit-policy';

/*
 * The local API gateway: every proxy deployed in the Anypoint sandbox is live on ONE listener under
 * `/{applicationName}/…` (standing in for `{applicationName}.cloudhub.io`), e.g.
 * http://127.0.0.1:18083/okta-solar-proxy/planets. It reads the Anypoint state in process on every request,
 * so a policy applied, a contract revoked or a deployment removed takes effect on the next call.
 * For each request: find the deployment by application name (404 if none is deployed), apply the
 * instance's enabled policies in `order` whose pointcut matches (method regex and URI template regex,
 * matched whole against the path relative to the proxy; no pointcut = everything), then forward to the
 * instance's `endpoint.uri` + path + query with undici. Upstream failures answer 502 (504 on timeout).
 */

export type GatewayState = Record<string, never>;

export interface GatewayOptions extends SandboxOptions {
  /** The Anypoint sandbox whose deployments and policies the gateway serves. */
  anypoint: RunningSandbox<AnypointState>;
  /** Upstream response timeout. @default 30000 */
  upstreamTimeoutMs?: number;
}

export interface RunningGateway extends RunningSandbox<GatewayState> {
  /** `${url}/${applicationName}` is where a deployed proxy answers. */
  proxyUrl(applicationName: string): string;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

function matchesWhole(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return false;
  }
}

export function pointcutApplies(pointcuts: PointcutRecord[] | null, method: string, path: string): boolean {
  if (!pointcuts || pointcuts.length === 0) return true;
  return pointcuts.some((pc) => matchesWhole(pc.methodRegex, method) && matchesWhole(pc.uriTemplateRegex, path));
}

function gatewayError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).send({ error, error_description: description });
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const { anypoint, upstreamTimeoutMs = 30_000, ...sandboxOpts } = opts;
  const oidc = new OidcPolicyEnforcer();
  const rateLimits = new RateLimitEnforcer();
  const slaRateLimits = new SlaRateLimitEnforcer();
  const agent = new Agent({ connections: 128, keepAliveTimeout: 10_000 });

  async function applyPolicy(state: AnypointState, api: ApiInstanceRecord, policy: PolicyRecord, req: GatewayRequest): Promise<PolicyOutcome> {
    const config = effectiveConfiguration(findTemplate(policy.groupId, policy.assetId), policy.configurationData);
    switch (policy.assetId) {
      case OIDC_TEMPLATE:
        return oidc.enforce(state, api, policy, config as unknown as OidcConfig, req);
      case CLIENT_ID_TEMPLATE:
        return enforceClientId(state, api, config as unknown as ClientIdConfig, req);
      case RATE_LIMIT_TEMPLATE:
        return rateLimits.enforce(policy, config as unknown as RateLimitConfig);
      case SLA_RATE_LIMIT_TEMPLATE:
        return slaRateLimits.enforce(state, api, policy, config as unknown as SlaRateLimitConfig, req);
      default:
        return { kind: 'continue' };
    }
  }

  async function handle(req: FastifyRequest, reply: FastifyReply) {
    const [rawPath, rawQuery = ''] = req.url.split(/\?(.*)/s, 2);
    const segments = rawPath.split('/');
    const applicationName = decodeURIComponent(segments[1] ?? '');
    const path = `/${segments.slice(2).join('/')}`;
    const state = anypoint.ctx.state;
    const deployment = state.deployments.find((d) => d.applicationName === applicationName && d.expectedStatus !== 'undeployed');
    const api = deployment && state.apis.find((a) => a.id === deployment.apiId);
    if (!deployment || !api) return gatewayError(reply, 404, 'not_found', `No API proxy is deployed as ${applicationName || '(none)'}`);

    const gwReq: GatewayRequest = { applicationName, method: req.method, path, query: new URLSearchParams(rawQuery), headers: req.headers };
    const upstreamHeaders: Record<string, string> = {};
    const responseHeaders: Record<string, string> = {};
    const policies = state.policies.filter((p) => p.apiId === api.id && !p.disabled).sort((a, b) => a.order - b.order || a.id - b.id);
    for (const policy of policies) {
      if (!pointcutApplies(policy.pointcutData, req.method, path)) continue;
      const outcome = await applyPolicy(state, api, policy, gwReq);
      if (outcome.kind === 'respond') return reply.code(outcome.status).headers(outcome.headers).send(outcome.body);
      if (outcome.authentication) gwReq.authentication = outcome.authentication;
      Object.assign(upstreamHeaders, outcome.upstreamHeaders);
      Object.assign(responseHeaders, outcome.responseHeaders);
    }

    const base = api.endpoint.uri;
    if (!base) return gatewayError(reply, 502, 'bad_gateway', `API instance ${api.id} has no implementation URI (endpoint.uri)`);
    const target = `${base.replace(/\/+$/, '')}${path === '/' && !rawPath.endsWith('/') ? '' : path}${rawQuery ? `?${rawQuery}` : ''}`;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    headers['x-forwarded-for'] = req.ip;
    headers['x-forwarded-host'] = String(req.headers.host ?? '');
    headers['x-forwarded-proto'] = 'http';
    Object.assign(headers, upstreamHeaders);
    const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    try {
      const res = await request(target, {
        method: req.method as 'GET',
        headers,
        body,
        dispatcher: agent,
        headersTimeout: upstreamTimeoutMs,
        bodyTimeout: upstreamTimeoutMs,
      });
      const payload = Buffer.from(await res.body.arrayBuffer());
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) reply.header(k, v);
      return reply.code(res.statusCode).headers(responseHeaders).send(payload);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code.includes('TIMEOUT')) return gatewayError(reply, 504, 'gateway_timeout', `The upstream ${base} did not answer in time`);
      return gatewayError(reply, 502, 'bad_gateway', `The upstream ${base} cannot be reached: ${(err as Error).message}`);
    }
  }

  const definition: SandboxServiceDefinition<GatewayState> = {
    name: 'gateway',
    seed: () => ({}),
    rateLimitHeaders: ANYPOINT_RATE_LIMIT_HEADERS,
    serverError: (status) => ({ status, body: { error: 'server_error', error_description: `Injected gateway failure (${status})` } }),
    rateLimited: () => ({ status: 429, body: { error: 'too_many_requests', error_description: 'Injected rate limit' } }),
    async routes(app: FastifyInstance) {
      await app.register(async (proxy) => {
        // A proxy passes bodies through untouched.
        proxy.removeAllContentTypeParsers();
        proxy.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
        proxy.all('/*', handle);
      });
    },
    adminRoutes(app) {
      app.get('/introspection-cache', async () => ({ policies: oidc.stats() }));
      app.delete('/introspection-cache', async (_req, reply) => {
        oidc.clear();
        rateLimits.clear();
        slaRateLimits.clear();
        return reply.code(204).send();
      });
    },
  };

  const sandbox = await startSandbox(definition, { ...sandboxOpts, stateDir: undefined });
  const runtime = anypointRuntimeOf(anypoint.ctx);
  if (runtime) runtime.gatewayUrl = sandbox.url;
  return {
    ...sandbox,
    proxyUrl: (applicationName: string) => `${sandbox.url}/${applicationName}`,
    close: async () => {
      if (runtime?.gatewayUrl === sandbox.url) runtime.gatewayUrl = undefined;
      await sandbox.close();
      await agent.close();
    },
  };
}
