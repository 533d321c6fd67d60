import { ANYPOINT_RATE_LIMIT_HEADERS, RunningSandbox, SandboxOptions, SandboxServiceDefinition, startSandbox } from '../core';
import { MOONS, PLANETS } from './solar-system';

/*
 * The built-in upstream: the guides' solar-system API (stands in for okta-solar-system.herokuapp.com),
 * under the base path /solar-system, e.g. http://127.0.0.1:18082/solar-system/planets. It knows nothing
 * about tokens: the gateway in front of it enforces the policies. Built on the sandbox kit, so its
 * request log counts what the gateway forwarded and faults can make it slow or failing.
 */

export const UPSTREAM_BASE_PATH = '/solar-system';

export type UpstreamState = Record<string, never>;

const notFound = (what: string) => ({ error: 'not_found', message: `${what} not found` });

export const upstreamService: SandboxServiceDefinition<UpstreamState> = {
  name: 'upstream',
  seed: () => ({}),
  rateLimitHeaders: ANYPOINT_RATE_LIMIT_HEADERS,
  serverError: (status) => ({ status, body: { error: 'upstream_error', message: `Injected upstream failure (${status})` } }),
  rateLimited: () => ({ status: 429, body: { error: 'too_many_requests' } }),
  routes(app) {
    app.get(UPSTREAM_BASE_PATH, async () => ({ name: 'solar-system', version: 'v1', resources: [`${UPSTREAM_BASE_PATH}/planets`, `${UPSTREAM_BASE_PATH}/moons`] }));
    app.get<{ Querystring: { type?: string } }>(`${UPSTREAM_BASE_PATH}/planets`, async (req) => PLANETS.filter((p) => !req.query.type || p.type === req.query.type));
    app.get<{ Params: { name: string } }>(`${UPSTREAM_BASE_PATH}/planets/:name`, async (req, reply) => {
      const planet = PLANETS.find((p) => p.name.toLowerCase() === req.params.name.toLowerCase());
      return planet ?? reply.code(404).send(notFound(`Planet ${req.params.name}`));
    });
    app.get<{ Querystring: { planet?: string } }>(`${UPSTREAM_BASE_PATH}/moons`, async (req) =>
      MOONS.filter((m) => !req.query.planet || m.planet.toLowerCase() === req.query.planet.toLowerCase()),
    );
    app.get<{ Params: { name: string } }>(`${UPSTREAM_BASE_PATH}/moons/:name`, async (req, reply) => {
      const moon = MOONS.find((m) => m.name.toLowerCase() === req.params.name.toLowerCase());
      return moon ?? reply.code(404).send(notFound(`Moon ${req.params.name}`));
    });
  },
};

/** Starts the solar-system upstream; its API lives at `${url}/solar-system`. */
export function startUpstream(opts: SandboxOptions = {}): Promise<RunningSandbox<UpstreamState>> {
  return startSandbox(upstreamService, { ...opts, stateDir: undefined });
}

export { PLANETS, MOONS } from './solar-system';
